"""The root of a declaration: every section in one immutable, typed object."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field

from troth.declaration._datasets import Dataset
from troth.declaration._sections import (
    Age,
    AutomatedDecisions,
    Consent,
    Cookie,
    CustomCategory,
    DataSubject,
    Marketing,
    Organization,
    Policy,
    Purpose,
    Recipient,
    RetentionRule,
    Rights,
    Script,
    Security,
    Signals,
)
from troth.declaration._taxonomy import BUILTIN_CATEGORIES, Category
from troth.declaration._types import Strict

__all__ = ["Declaration"]


class Declaration(Strict):
    """What a site promises. Loaded from `troth.yaml` by `troth.declaration.load`."""

    troth: Literal[1] = Field(1, description="declaration format version")
    organization: Organization
    data_categories: list[CustomCategory] = []
    data_subjects: list[DataSubject] = []
    purposes: list[Purpose] = Field(min_length=1)
    recipients: list[Recipient] = []
    cookies: list[Cookie] = []
    scripts: list[Script] = []
    retention: list[RetentionRule] = []
    rights: Rights
    age: Age
    marketing: Marketing = Marketing()
    signals: Signals = Signals()
    consent: Consent = Consent()
    automated_decisions: AutomatedDecisions = AutomatedDecisions()
    security: Security = Security()
    datasets: list[Dataset] = []
    policy: Policy

    @cached_property
    def categories(self) -> dict[str, Category]:
        """Every category the declaration may use: the built-in taxonomy plus its own."""
        merged = dict(BUILTIN_CATEGORIES)
        for custom in self.data_categories:
            merged[custom.id] = Category(custom.id, custom.label, custom.description, custom.sensitive)
        return merged

    def category_label(self, category_id: str) -> str:
        found = self.categories.get(category_id)
        return found.label if found else category_id

    @property
    def jurisdictions(self) -> set[str]:
        return set(self.organization.jurisdictions)

    @property
    def used_categories(self) -> list[str]:
        """Categories some purpose collects, in first-mention order."""
        seen: dict[str, None] = {}
        for purpose in self.purposes:
            seen.update(dict.fromkeys(purpose.categories))
        return list(seen)

    def purpose(self, purpose_id: str) -> Purpose | None:
        return next((p for p in self.purposes if p.id == purpose_id), None)

    def recipient(self, recipient_id: str) -> Recipient | None:
        return next((r for r in self.recipients if r.id == recipient_id), None)
