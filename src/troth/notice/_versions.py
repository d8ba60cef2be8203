"""Published policy versions: one row each time a declaration with new content goes live.

A version is published when the normalised declaration's digest differs from
the latest published one. Each version keeps the declaration it was made from,
the policy and cookie table exactly as rendered then (so a past version reads
as it was worded, whatever later releases change in the wording), its
effective date, and the classified changes against the version before it. A version whose effective
date is in the future is *upcoming*: the current policy stays in force until
that day, then the upcoming one becomes current with no restart.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from troth._errors import NotFoundError
from troth.store._base import Base
from troth.store._types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from troth.declaration import Declaration, LoadedDeclaration
    from troth.notice._diff import Change

__all__ = [
    "PolicyTimeline",
    "PolicyVersion",
    "get_version",
    "list_versions",
    "publish",
    "timeline",
]


class PolicyVersion(Base):
    __tablename__ = "policy_versions"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(100))
    effective_date: Mapped[dt.date] = mapped_column(Date, index=True)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    declaration_json: Mapped[str] = mapped_column(Text)
    material: Mapped[bool] = mapped_column(Boolean, default=False)
    changes_json: Mapped[str] = mapped_column(Text, default="[]")
    policy_html: Mapped[str] = mapped_column(Text, default="")
    policy_md: Mapped[str] = mapped_column(Text, default="")
    cookies_html: Mapped[str] = mapped_column(Text, default="")

    def declaration(self) -> Declaration:
        from troth.declaration import Declaration

        return Declaration.model_validate(json.loads(self.declaration_json))

    def changes(self) -> list[Change]:
        from troth.notice._diff import Change

        return [Change(**item) for item in json.loads(self.changes_json)]


def publish(session: Session, loaded: LoadedDeclaration) -> PolicyVersion | None:
    """Publish `loaded` as a new version if its content differs from the latest; return it."""
    from troth.notice import render_cookie_table, render_policy
    from troth.notice._diff import classify

    latest = session.scalars(select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(1)).first()
    digest = loaded.digest
    if latest is not None and latest.digest == digest:
        return None
    data = loaded.declaration.model_dump(mode="json")
    label = loaded.declaration.category_label
    changes = classify(json.loads(latest.declaration_json), data, label=label) if latest is not None else []
    version = PolicyVersion(
        number=(latest.number + 1) if latest is not None else 1,
        digest=digest,
        label=loaded.declaration.policy.version,
        effective_date=loaded.declaration.policy.effective_date,
        published_at=utcnow(),
        declaration_json=json.dumps(data, sort_keys=True),
        material=any(change.material for change in changes),
        changes_json=json.dumps([change.as_dict() for change in changes]),
        policy_html=render_policy(loaded.declaration, standalone=False),
        policy_md=render_policy(loaded.declaration, fmt="md"),
        cookies_html=render_cookie_table(loaded.declaration),
    )
    session.add(version)
    session.flush()
    return version


def list_versions(session: Session) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).order_by(PolicyVersion.number.desc())))


def get_version(session: Session, number: int) -> PolicyVersion:
    version = session.get(PolicyVersion, number)
    if version is None:
        raise NotFoundError(f"there is no policy version {number}")
    return version


@dataclass(frozen=True)
class PolicyTimeline:
    """Which version is in force on a day, and which (if any) takes effect later."""

    current: PolicyVersion | None
    upcoming: PolicyVersion | None


def timeline(session: Session, *, today: dt.date | None = None) -> PolicyTimeline:
    """The current version is the latest published one already in effect on `today`."""
    today = today or utcnow().date()
    versions = list_versions(session)
    current = next((v for v in versions if v.effective_date <= today), None)
    upcoming = next(
        (v for v in versions if v.effective_date > today and (current is None or v.number > current.number)),
        None,
    )
    return PolicyTimeline(current=current, upcoming=upcoming)
