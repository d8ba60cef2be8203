"""Checks that need the whole declaration: ids that refer to other ids, country
codes, jurisdictions, rights. Each failure names where it is and the nearest
valid value."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from troth._errors import Problem
from troth.declaration._countries import COUNTRIES, code_for_name
from troth.declaration._jurisdictions import JURISDICTIONS, RIGHTS
from troth.declaration._taxonomy import BUILTIN_CATEGORIES

if TYPE_CHECKING:
    from troth.declaration._loader import LoadedDeclaration

__all__ = ["check_references"]

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_CATEGORY_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
COOKIE_CATEGORIES = ("necessary", "functional", "analytics", "advertising", "social", "embedded")


class _Checker:
    def __init__(self, loaded: LoadedDeclaration) -> None:
        from troth.declaration._loader import format_path, suggest

        self.loaded = loaded
        self.problems: list[Problem] = []
        self._format = format_path
        self._suggest = suggest

    def add(self, path: tuple[str | int, ...], message: str, hint: str, code: str = "TROTH004") -> None:
        self.problems.append(
            Problem(self.loaded.where(*path), self._format(path), message, hint=hint, code=code)
        )

    def unknown(
        self,
        path: tuple[str | int, ...],
        kind: str,
        value: str,
        options: Iterable[str],
        code: str = "TROTH004",
    ) -> None:
        self.add(path, f"unknown {kind} `{value}`", self._suggest(value, list(options)), code)

    def refs(
        self, path: tuple[str | int, ...], kind: str, values: Iterable[str], valid: Iterable[str]
    ) -> None:
        valid_set = set(valid)
        for index, value in enumerate(values):
            if value not in valid_set:
                self.unknown((*path, index), kind, value, valid_set)

    def one(self, path: tuple[str | int, ...], kind: str, value: str, valid: Iterable[str]) -> None:
        valid_set = set(valid)
        if value and value not in valid_set:
            self.unknown(path, kind, value, valid_set)

    def unique(
        self, section: str, ids: list[str], what: str = "id", at: tuple[str | int, ...] = (), key: str = "id"
    ) -> None:
        seen: set[str] = set()
        for index, value in enumerate(ids):
            if value in seen:
                path = (*(at or (section,)), index, *((key,) if key else ()))
                self.add(path, f"duplicate {what} `{value}`", "each must be unique", "TROTH005")
            seen.add(value)

    def country(self, path: tuple[str | int, ...], code: str) -> None:
        if code not in COUNTRIES:
            named = code_for_name(code)
            hint = f"did you mean `{named}`?" if named else ""
            if code.strip().upper() == "EU":
                hint = "the EU is not a country: name the member state, e.g. IE or DE"
            hint = hint or (self._suggest(code, set(COUNTRIES)) if len(code) == 2 else "")
            message = f"`{code}` is not an ISO 3166-1 alpha-2 country code"
            self.add(path, message, hint or "use two capital letters, e.g. GB, DE, US")


def check_references(loaded: LoadedDeclaration) -> list[Problem]:
    d = loaded.declaration
    c = _Checker(loaded)
    org = d.organization

    c.refs(("organization", "jurisdictions"), "jurisdiction", org.jurisdictions, JURISDICTIONS)
    c.country(("organization", "country"), org.country)
    for i, country in enumerate(org.processing_countries):
        c.country(("organization", "processing_countries", i), country)
    if org.postal_address:
        c.country(("organization", "postal_address", "country"), org.postal_address.country)
    if org.supervisory_authority:
        c.country(("organization", "supervisory_authority", "country"), org.supervisory_authority.country)
    for i, rep in enumerate(org.representatives):
        c.one(
            ("organization", "representatives", i, "jurisdiction"),
            "jurisdiction",
            rep.jurisdiction,
            JURISDICTIONS,
        )

    for i, custom in enumerate(d.data_categories):
        path: tuple[str | int, ...] = ("data_categories", i, "id")
        if not _CATEGORY_ID.match(custom.id):
            c.add(
                path,
                f"`{custom.id}` is not a category id",
                "use dotted lower-case words, e.g. site.watch_history",
            )
        elif custom.id in BUILTIN_CATEGORIES:
            c.add(
                path,
                f"`{custom.id}` is already a built-in category",
                "remove it, or choose another id",
                "TROTH005",
            )
    categories = set(d.categories)
    c.unique("data_categories", [x.id for x in d.data_categories])
    c.unique("data_subjects", [x.id for x in d.data_subjects])
    c.unique("purposes", [x.id for x in d.purposes])
    c.unique("recipients", [x.id for x in d.recipients])
    c.unique("scripts", [x.id for x in d.scripts])
    c.unique("retention", [x.id for x in d.retention])
    c.unique("cookies", [x.name for x in d.cookies], "cookie", key="name")

    subjects = {s.id for s in d.data_subjects}
    purposes = {p.id for p in d.purposes}
    recipients = {r.id for r in d.recipients}
    for i, purpose in enumerate(d.purposes):
        c.refs(("purposes", i, "categories"), "data category", purpose.categories, categories)
        if subjects:
            c.refs(("purposes", i, "subjects"), "data subject", purpose.subjects, subjects)
        c.one(
            ("purposes", i, "consent_category"),
            "consent category",
            purpose.consent_category,
            COOKIE_CATEGORIES,
        )
    for i, recipient in enumerate(d.recipients):
        c.refs(("recipients", i, "purposes"), "purpose", recipient.purposes, purposes)
        c.refs(("recipients", i, "categories"), "data category", recipient.categories, categories)
        c.country(("recipients", i, "country"), recipient.country)
    cookie_names = {k.name for k in d.cookies}
    for i, cookie in enumerate(d.cookies):
        c.one(("cookies", i, "recipient"), "recipient", cookie.recipient, recipients)
    for i, script in enumerate(d.scripts):
        c.one(("scripts", i, "recipient"), "recipient", script.recipient, recipients)
        c.refs(("scripts", i, "cookies"), "cookie", script.cookies, cookie_names)

    collections = {f"{ds.id}.{col.name}" for ds in d.datasets for col in ds.collections}
    for i, rule in enumerate(d.retention):
        c.refs(("retention", i, "categories"), "data category", rule.categories, categories)
        c.refs(("retention", i, "collections"), "collection", rule.collections, collections)

    rights = d.rights
    for jurisdiction, offer in rights.jurisdictions.items():
        path = ("rights", "jurisdictions", jurisdiction)
        if jurisdiction not in JURISDICTIONS:
            c.unknown(path, "jurisdiction", jurisdiction, JURISDICTIONS)
        elif jurisdiction not in org.jurisdictions:
            c.add(
                path,
                f"rights are declared for `{jurisdiction}`, which is not in `organization.jurisdictions`",
                f"add `{jurisdiction}` there if the site serves it, or remove these rights",
            )
        c.refs((*path, "offered"), "right", offer.offered, RIGHTS)
    c.refs(("rights", "auto_approve"), "right", rights.auto_approve, RIGHTS)
    for i, language in enumerate(d.policy.languages):
        if not _LANGUAGE.match(language):
            c.unknown(("policy", "languages", i), "language tag", language, ["en", "de", "fr", "es", "en-GB"])
    for language, text in d.consent.texts.items():
        c.one(
            ("consent", "texts", language), "language (not in policy.languages)", language, d.policy.languages
        )
        for name in text.categories:
            c.one(
                ("consent", "texts", language, "categories", name),
                "consent category",
                name,
                COOKIE_CATEGORIES,
            )
    for region in d.consent.consent_mode_regions:
        if region != "default":
            c.one(("consent", "consent_mode_regions", region), "region", region, {*COUNTRIES, "default"})
    c.unique(
        "organization", list(org.jurisdictions), "jurisdiction", ("organization", "jurisdictions"), key=""
    )
    c.unique(
        "marketing", [n.id for n in d.marketing.newsletters], "newsletter id", ("marketing", "newsletters")
    )
    for ds_index, dataset in enumerate(d.datasets):
        for col_index, collection in enumerate(dataset.collections):
            for f_index, fld in enumerate(collection.fields):
                fpath: tuple[str | int, ...] = (
                    "datasets",
                    ds_index,
                    "collections",
                    col_index,
                    "fields",
                    f_index,
                    "categories",
                )
                c.refs(fpath, "data category", fld.categories, categories)
    return sorted(c.problems, key=lambda p: p.location)
