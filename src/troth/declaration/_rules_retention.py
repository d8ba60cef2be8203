"""Rules on how long data is kept (GDPR Art. 5(1)(e), 13(2)(a); CPRA §1798.100(a)(3))."""

from __future__ import annotations

from collections.abc import Iterator

from troth.declaration._declaration import Declaration
from troth.declaration._lint import Finding, rule
from troth.declaration._taxonomy import is_within

#: Data a site cannot work without: keeping it until the person asks is normal.
_ESSENTIAL = ("identity", "contact", "account", "financial", "commercial", "content", "professional")


@rule(
    "TROTH116",
    "warning",
    "a data category used by a purpose has no retention rule",
    """
    The policy must state how long each kind of data is kept, or the criteria used to
    decide it (GDPR Art. 13(2)(a), 14(2)(a)); the CPRA asks the same for each category of
    personal information (Cal. Civ. Code §1798.100(a)(3)); and data may be kept no longer
    than needed (Art. 5(1)(e)). A rule for a parent category (`contact`) covers its
    children (`contact.email`), and a rule for a dataset collection covers the categories
    of its fields. Add a rule under `retention`.
    """,
)
def category_without_retention(d: Declaration) -> Iterator[Finding]:
    covered = [c for r in d.retention for c in r.categories]
    # a rule on a dataset collection covers the categories its fields hold
    fields = {f"{ds.id}.{col.name}": col.fields for ds in d.datasets for col in ds.collections}
    covered += [
        c for r in d.retention for name in r.collections for f in fields.get(name, []) for c in f.categories
    ]
    reported: set[str] = set()
    for i, purpose in enumerate(d.purposes):
        for j, category in enumerate(purpose.categories):
            if category in reported or any(is_within(category, rule) for rule in covered):
                continue
            reported.add(category)
            yield (
                ("purposes", i, "categories", j),
                f"`{category}` is collected for `{purpose.id}` but no retention rule says how long it is kept",
            )


@rule(
    "TROTH136",
    "warning",
    "a retention rule keeps non-essential data until someone asks for erasure",
    """
    Storage limitation (GDPR Art. 5(1)(e)) puts the duty to delete on the controller: data
    that is not needed to run the service (usage, device, location, marketing, inferred
    profiles) must have a period after which it is deleted or anonymised; "until you ask
    us" is indefinite retention. The CNIL's retention guide and the ICO's guidance on
    storage limitation ask for a defined period. Give the rule a `period`.
    """,
)
def indefinite_retention(d: Declaration) -> Iterator[Finding]:
    for i, rule_ in enumerate(d.retention):
        if rule_.until != "erasure_request" or rule_.period is not None:
            continue
        loose = [c for c in rule_.categories if not any(is_within(c, e) for e in _ESSENTIAL)]
        if loose:
            yield (
                ("retention", i, "until"),
                f"retention rule `{rule_.id}` keeps `{loose[0]}` until an erasure request, with no period",
            )
