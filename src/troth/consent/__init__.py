"""Consent: the banner that blocks until allowed, the ledger that proves each choice, GPC/DNT.

    config = BannerConfig.from_declaration(declaration)      # what the banner asks
    assets = build_assets(config)                            # /troth.js + /troth.css
    event = prepare_event(config, submission, visit, secret=key)
    append_events(session, [event], secret=key)              # hash-chained, append-only
    decide(session, declaration, config, consent_id=cid, purpose="analytics")

A site's back end asks through `ConsentMiddleware` (ASGI) or
`DjangoConsentMiddleware`; the HTTP routes live in `troth.consent._routes`.
"""

from troth.consent._assets import BannerAssets, build_assets
from troth.consent._banner import BannerConfig, CategoryInfo, ServiceInfo
from troth.consent._check import Decision, decide
from troth.consent._events import (
    ACTIONS,
    ConsentSubmission,
    InvalidConsentError,
    PreparedEvent,
    Visit,
    prepare_event,
)
from troth.consent._ledger import ChainReport, ConsentState, append_events, consent_state, verify_chain
from troth.consent._middleware import (
    AsyncVisitorConsent,
    ConsentMiddleware,
    DjangoConsentMiddleware,
    VisitorConsent,
    consent_id_from_cookie,
)
from troth.consent._models import ConsentEvent, ConsentTally, ConsentText
from troth.consent._receipt import receipt
from troth.consent._signals import RequestSignals, reduce_user_agent, truncate_ip
from troth.consent._stats import PruneReport, prune, statistics
from troth.consent._writer import LedgerWriter, record_events

__all__ = [
    "ACTIONS",
    "AsyncVisitorConsent",
    "BannerAssets",
    "BannerConfig",
    "CategoryInfo",
    "ChainReport",
    "ConsentEvent",
    "ConsentMiddleware",
    "ConsentState",
    "ConsentSubmission",
    "ConsentTally",
    "ConsentText",
    "Decision",
    "DjangoConsentMiddleware",
    "InvalidConsentError",
    "LedgerWriter",
    "PreparedEvent",
    "PruneReport",
    "RequestSignals",
    "ServiceInfo",
    "Visit",
    "VisitorConsent",
    "append_events",
    "build_assets",
    "consent_id_from_cookie",
    "consent_state",
    "decide",
    "prepare_event",
    "prune",
    "receipt",
    "record_events",
    "reduce_user_agent",
    "statistics",
    "truncate_ip",
    "verify_chain",
]
