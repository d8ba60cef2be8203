""" "May I do X for this visitor?" — the answer a site's back end asks troth for.

`X` is a consent category (`analytics`), a declared service (`video`) or a
declared purpose (`statistics`). The answer weighs, in order: the browser's
honoured opt-out signal, the purpose's lawful basis (no consent needed for a
contract), the visitor's recorded choice, whether that choice expired, and
whether what the category covers changed materially since it was given.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from troth._errors import NotFoundError
from troth.consent._banner import BannerConfig
from troth.consent._ledger import ConsentState, consent_state
from troth.declaration import Declaration
from troth.store import utcnow

__all__ = ["Decision", "decide", "resolve_purpose"]


@dataclass(frozen=True)
class Decision:
    purpose: str
    category: str
    allowed: bool
    #: granted, denied, no_consent, expired, policy_changed, gpc, dnt, necessary, or lawful_basis:<basis>
    reason: str

    def as_json(self) -> dict[str, object]:
        return {
            "purpose": self.purpose,
            "category": self.category,
            "allowed": self.allowed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Target:
    category: str
    service: str
    lawful_basis: str
    sold_or_shared: bool


def resolve_purpose(declaration: Declaration, config: BannerConfig, purpose: str) -> _Target:
    if purpose == "necessary":
        return _Target("necessary", "", "", False)
    if config.category(purpose) is not None:
        return _Target(purpose, "", "consent", config.category(purpose).opt_out)  # type: ignore[union-attr]
    service = config.service(purpose)
    if service is not None:
        opt_out = config.category(service.category)
        return _Target(service.category, service.id, "consent", bool(opt_out and opt_out.opt_out))
    declared = declaration.purpose(purpose)
    if declared is not None:
        sold = declared.sold or declared.shared
        if declared.lawful_basis == "consent" and declared.consent_category:
            return _Target(declared.consent_category, "", "consent", sold)
        return _Target("", "", declared.lawful_basis, sold)
    choices = sorted(
        {*config.category_ids, *(s.id for s in config.services), *(p.id for p in declaration.purposes)}
    )
    raise NotFoundError(f"unknown purpose {purpose!r}: ask about one of {', '.join(choices)}")


def decide(
    session: Session,
    declaration: Declaration,
    config: BannerConfig,
    *,
    consent_id: str | None,
    purpose: str,
    signal: str = "",
) -> Decision:
    """The answer for `purpose`; `signal` is "gpc" or "dnt" when the request carries an honoured one."""
    target = resolve_purpose(declaration, config, purpose)
    category = target.category

    def answer(allowed: bool, reason: str) -> Decision:
        return Decision(purpose, category, allowed, reason)

    if category == "necessary":
        return answer(True, "necessary")
    if signal and target.sold_or_shared:
        return answer(False, signal)
    if target.lawful_basis != "consent":
        return answer(True, f"lawful_basis:{target.lawful_basis}")
    if not consent_id:
        return answer(False, "no_consent")
    try:
        state = consent_state(session, consent_id)
    except NotFoundError:
        return answer(False, "no_consent")
    return answer(*_from_state(state, config, category, target.service))


def _from_state(state: ConsentState, config: BannerConfig, category: str, service: str) -> tuple[bool, str]:
    if state.expires_at <= utcnow():
        return False, "expired"
    current = config.category(category)
    if current is not None and state.fingerprints.get(category) not in (None, current.fingerprint):
        return False, "policy_changed"
    if service and service in state.services:
        return state.services[service], "granted" if state.services[service] else "denied"
    if category not in state.categories:
        return False, "no_consent"
    return state.categories[category], "granted" if state.categories[category] else "denied"
