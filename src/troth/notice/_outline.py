"""The policy's sections: their order, stable anchor ids, and when each appears.

The ids are part of troth's public surface: links to `/privacy#your-rights`
must keep working from one version to the next, and a declaration's extra
`policy.sections` name the one they follow by these ids (`after: cookies`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from troth.declaration import JURISDICTIONS, POLICY_OUTLINE, Declaration
from troth.declaration._jurisdictions import US_STATE_LAWS

__all__ = ["SECTION_IDS", "STANDARD_SECTIONS", "Section", "StandardSection", "outline"]


def _always(_: Declaration) -> bool:
    return True


def _us_served(declaration: Declaration) -> bool:
    return bool(declaration.jurisdictions & US_STATE_LAWS)


@dataclass(frozen=True)
class StandardSection:
    id: str
    title: str
    shown: Callable[[Declaration], bool] = _always


#: standard sections shown only to some audiences; the rest are always shown
_SHOWN_WHEN: dict[str, Callable[[Declaration], bool]] = {"sale-sharing": _us_served}

STANDARD_SECTIONS: tuple[StandardSection, ...] = tuple(
    StandardSection(id, title, _SHOWN_WHEN.get(id, _always)) for id, title in POLICY_OUTLINE
)

#: anchors of the page itself and of the standard sections' subsections
_PAGE_ANCHORS = frozenset(
    {"contents", "policy-title", "cookie-choices", "exercise-rights", "complaints"}
    | {f"rights-{law}" for law in JURISDICTIONS}
)

#: every standard section id, in policy order (whether or not a declaration shows it)
SECTION_IDS: tuple[str, ...] = tuple(s.id for s in STANDARD_SECTIONS)


@dataclass(frozen=True)
class Section:
    """One section of a rendered policy: standard (drawn by a template) or the declaration's own prose."""

    id: str
    title: str
    template: str = ""  # "sections/<id>.j2" for a standard section
    body: str = ""  # the declaration's own prose for an extra section

    @property
    def blocks(self) -> list[tuple[str, str | list[str]]]:
        """The prose as ("para", text) and ("list", items): blank lines part paragraphs, "- " starts an item."""
        out: list[tuple[str, str | list[str]]] = []
        for chunk in self.body.split("\n\n"):
            lines = [line.strip() for line in chunk.splitlines() if line.strip()]
            if lines and all(line.startswith(("- ", "* ")) for line in lines):
                out.append(("list", [line[2:].strip() for line in lines]))
            elif lines:
                out.append(("para", " ".join(lines)))
        return out


def _follows(anchor: str, target: str, follows: dict[str, str]) -> bool:
    """Whether the extra section `anchor` was placed after `target`, directly or through other extras."""
    while anchor in follows:
        anchor = follows[anchor]
        if anchor == target:
            return True
    return False


def outline(declaration: Declaration) -> list[Section]:
    """The sections this declaration's policy shows, in order, extra sections placed after `after`."""
    sections = [
        Section(s.id, s.title, template=f"sections/{s.id}.j2")
        for s in STANDARD_SECTIONS
        if s.shown(declaration)
    ]
    taken = set(SECTION_IDS) | _PAGE_ANCHORS
    anchors: dict[str, str] = {s.id: s.id for s in sections}  # declared id -> anchor in this page
    follows: dict[str, str] = {}  # extra section's anchor -> the anchor it was placed after
    for extra in declaration.policy.sections:
        anchor, n = extra.id, 2
        while anchor in taken:  # an extra section never takes an anchor the page already uses
            anchor, n = f"{extra.id}-{n}", n + 1
        taken.add(anchor)
        section = Section(anchor, extra.title, body=extra.body)
        ids = [s.id for s in sections]
        if extra.after in anchors:
            target = anchors[extra.after]
            position = ids.index(target) + 1
            while position < len(sections) and _follows(sections[position].id, target, follows):
                position += 1  # several sections after the same one keep their declared order
            follows[anchor] = target
        elif extra.after in SECTION_IDS:
            # it follows a standard section this declaration does not show: keep its place in the order
            later = SECTION_IDS[SECTION_IDS.index(extra.after) + 1 :]
            position = next((i for i, s in enumerate(sections) if s.id in later), len(sections))
        else:
            # at the end, but the contact details stay last
            position = ids.index("contact") if ids[-1:] == ["contact"] else len(sections)
        sections.insert(position, section)
        anchors.setdefault(extra.id, anchor)
    return sections
