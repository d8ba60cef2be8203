"""One consent decision, from what a visitor (or a site's back end) sent to a ledger row.

`ConsentSubmission` is the API's input; `prepare_event` checks it against the
banner the site really serves, applies the browser's opt-out signals and keeps
only what the ledger may store, giving a `PreparedEvent` ready to be chained.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from troth._crypto import keyed_hash, new_token
from troth._errors import TrothError
from troth.consent._banner import BannerConfig

__all__ = ["ACTIONS", "ConsentSubmission", "InvalidConsentError", "PreparedEvent", "Visit", "prepare_event"]

Action = Literal["accept_all", "reject_all", "custom", "withdraw", "gpc", "dnt", "api"]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]

_SURROGATE = re.compile("[\ud800-\udfff]")
CONSENT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class InvalidConsentError(TrothError):
    """A consent submission that does not match the banner the site serves."""

    status_code = 422
    code = "invalid_consent"


class ConsentSubmission(BaseModel):
    """A decision as the banner (or a site's back end) sends it to `POST /api/v1/consent`."""

    model_config = ConfigDict(extra="forbid")

    consent_id: str | None = Field(None, pattern=CONSENT_ID.pattern, description="absent: troth makes one")
    action: Action
    categories: dict[str, bool] = {}
    services: dict[str, bool] = {}
    policy_version: str = Field("", max_length=64, description="absent: the current version")
    language: str = Field("", max_length=16)
    texts_hash: str = Field("", pattern=r"^([0-9a-f]{64})?$", description="absent: the current texts")
    page_url: str = Field("", max_length=2000)
    user_id: str | None = Field(None, max_length=200, description="the site's own user id; stored hashed")
    signal: Literal["", "gpc", "dnt"] = ""

    @field_validator("policy_version", "language", "page_url", "user_id")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        """Text the ledger can store and hash: no NUL, no unpaired surrogate."""
        if value is not None and ("\x00" in value or _SURROGATE.search(value)):
            raise ValueError("contains characters that are not valid text")
        return value


@dataclass(frozen=True)
class Visit:
    """Where a submission came from, already reduced to what may be stored."""

    ip: str
    user_agent: str
    jurisdiction: str
    #: "gpc" or "dnt" when an honoured browser signal came with the request
    signal: str = ""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class PreparedEvent:
    consent_id: str
    action: str
    decisions: dict[str, Any]
    granted: str
    denied: str
    user_hash: str | None
    policy_version: str
    texts_hash: str
    language: str
    jurisdiction: str
    page_url: str
    ip: str
    user_agent: str
    gpc: bool
    dnt: bool
    created_at: dt.datetime
    expires_at: dt.datetime


def _strip_query(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return ""
    if parts.scheme not in {"http", "https"}:
        return ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:500]


def _check_known(kind: str, given: dict[str, bool], known: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InvalidConsentError(
            f"unknown {kind} {', '.join(unknown)}: this site's banner asks about "
            + (", ".join(known) or f"no {kind}")
        )


def prepare_event(
    config: BannerConfig, submission: ConsentSubmission, visit: Visit, *, secret: str
) -> PreparedEvent:
    """Check `submission` against the banner in `config` and apply the visitor's signals."""
    categories = dict(submission.categories)
    services = dict(submission.services)
    _check_known("categories", categories, config.category_ids)
    _check_known("services", services, tuple(s.id for s in config.services))
    language = config.language_for(submission.language) if submission.language else config.languages[0]
    texts_hash = submission.texts_hash or config.hashes[language]
    if submission.action == "withdraw":
        categories = dict.fromkeys(config.category_ids, False)
        services = dict.fromkeys(services, False)
    signal = visit.signal or (
        submission.signal
        if (submission.signal == "gpc" and config.honour_gpc)
        or (submission.signal == "dnt" and config.honour_dnt)
        else ""
    )
    if signal:
        for category in config.opt_out_categories():
            categories[category] = False
        for service in config.services:
            if service.category in config.opt_out_categories() and service.id in services:
                services[service.id] = False
    fingerprints = {c.id: c.fingerprint for c in config.categories if c.id in categories}
    return PreparedEvent(
        consent_id=submission.consent_id or new_token(24),
        action=submission.action,
        decisions={"categories": categories, "services": services, "fingerprints": fingerprints},
        granted="," + "".join(f"{c}," for c, v in sorted(categories.items()) if v),
        denied="," + "".join(f"{c}," for c, v in sorted(categories.items()) if not v),
        user_hash=keyed_hash(secret, submission.user_id, purpose="consent.user")
        if submission.user_id
        else None,
        policy_version=submission.policy_version or config.policy_version,
        texts_hash=texts_hash,
        language=language,
        jurisdiction=visit.jurisdiction,
        page_url=_strip_query(submission.page_url),
        ip=visit.ip,
        user_agent=visit.user_agent,
        gpc=signal == "gpc",
        dnt=signal == "dnt",
        created_at=visit.now,
        expires_at=visit.now + dt.timedelta(days=round(config.reprompt_months * 30.4375)),
    )
