"""Rules on the policy document itself: where the declaration's own prose sections go."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from troth.declaration._declaration import Declaration
from troth.declaration._lint import Finding, rule
from troth.declaration._sections import POLICY_OUTLINE

_STANDARD_IDS = tuple(id for id, _ in POLICY_OUTLINE)


@rule(
    "TROTH143",
    "warning",
    "an extra policy section follows a section that does not exist",
    """
    Information must be given in a concise, transparent, intelligible and easily accessible
    form (GDPR and UK GDPR Art. 12(1)); the EDPB's Guidelines on transparency (WP260 rev.01,
    para. 8 and 17) ask that a reader find each piece of information where they look for
    it. An extra section (`policy.sections`) is placed after the section its `after` names:
    a standard section id or an earlier extra section's id. Any other value, such as a typo,
    puts the section at the end of the policy, away from the text it belongs with.

    The standard section ids, in policy order:
    """
    # the text above ends in the closing line's indent, so the first line of the list needs none
    + textwrap.fill(", ".join(_STANDARD_IDS), width=84, subsequent_indent="    ", break_on_hyphens=False),
)
def unknown_after(d: Declaration) -> Iterator[Finding]:
    from troth.declaration._loader import suggest

    earlier: list[str] = []
    for index, section in enumerate(d.policy.sections):
        if section.after and section.after not in _STANDARD_IDS and section.after not in earlier:
            if section.after in {s.id for s in d.policy.sections}:
                message = (
                    f"`{section.after}` comes later in `policy.sections`, so `{section.id}` goes at the end"
                )
            else:
                hint = suggest(section.after, [*_STANDARD_IDS, *earlier])
                message = f"no section `{section.after}` to follow, so `{section.id}` goes at the end" + (
                    f"; {hint}" if hint else ""
                )
            yield (("policy", "sections", index, "after"), message)
        earlier.append(section.id)
