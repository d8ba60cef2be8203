"""Rules on purposes and their lawful bases (GDPR Art. 6 and 9)."""

from __future__ import annotations

from collections.abc import Iterator

from troth.declaration._declaration import Declaration
from troth.declaration._lint import Finding, rule
from troth.declaration._taxonomy import BUILTIN_CATEGORIES, is_within


@rule(
    "TROTH113",
    "warning",
    "legitimate interests is the basis, but the interest is not stated",
    """
    Where processing rests on legitimate interests (GDPR Art. 6(1)(f)), the policy must
    state the legitimate interests pursued (Art. 13(1)(d), 14(2)(b)); the EDPB Guidelines
    1/2024 on legitimate interest ask for the interest to be clearly and precisely
    articulated. Write it in `legitimate_interest`, e.g. "keeping the site secure".
    """,
)
def interest_not_stated(d: Declaration) -> Iterator[Finding]:
    for i, purpose in enumerate(d.purposes):
        if purpose.lawful_basis == "legitimate_interests" and not purpose.legitimate_interest:
            yield (
                ("purposes", i, "lawful_basis"),
                f"purpose `{purpose.id}` relies on legitimate interests without saying which interest",
            )


@rule(
    "TROTH114",
    "warning",
    "special-category data is processed without an Art. 9(2) condition",
    """
    Health, biometric, genetic data, data on racial or ethnic origin, political opinions,
    religious beliefs, trade-union membership or sex life may be processed only when one of
    the conditions of GDPR Art. 9(2) applies (explicit consent, employment law, vital
    interests, ...), in addition to an Art. 6 basis; criminal-offence data only under
    Art. 10. Under the CPRA this is "sensitive personal information" (Cal. Civ. Code
    §1798.121). State the condition in `special_category_condition`.
    """,
)
def special_without_condition(d: Declaration) -> Iterator[Finding]:
    for i, purpose in enumerate(d.purposes):
        if purpose.special_category_condition:
            continue
        special = [c for c in purpose.categories if is_within(c, "special") or _sensitive(d, c)]
        if special:
            yield (
                ("purposes", i, "categories"),
                f"purpose `{purpose.id}` processes special-category data (`{special[0]}`) "
                "but no `special_category_condition` (Art. 9(2)) is stated",
            )


def _sensitive(d: Declaration, category: str) -> bool:
    """A site's own category marked sensitive (built-in sensitive ids outside `special` are not Art. 9)."""
    found = d.categories.get(category)
    return bool(found and found.sensitive) and category not in BUILTIN_CATEGORIES


@rule(
    "TROTH115",
    "warning",
    "children's data is processed on the basis of legitimate interests",
    """
    The balancing test of GDPR Art. 6(1)(f) weighs "in particular where the data subject
    is a child" against the controller's interest, and Recital 38 gives children specific
    protection. The ICO's Age Appropriate Design Code (standard 3) and the EDPB expect
    consent (with parental authorisation under the age of Art. 8) or contract instead.
    """,
)
def children_on_legitimate_interests(d: Declaration) -> Iterator[Finding]:
    for i, purpose in enumerate(d.purposes):
        if purpose.lawful_basis != "legitimate_interests":
            continue
        if any(is_within(c, "children") for c in purpose.categories):
            yield (
                ("purposes", i, "lawful_basis"),
                f"purpose `{purpose.id}` processes children's data on legitimate interests",
            )
