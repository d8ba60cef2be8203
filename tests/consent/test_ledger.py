"""The ledger keeps every decision, chained, and proves it."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from troth._errors import NotFoundError
from troth.consent._banner import BannerConfig
from troth.consent._events import ConsentSubmission, InvalidConsentError, Visit, prepare_event
from troth.consent._ledger import check_texts, consent_state, ensure_texts, verify_chain
from troth.consent._models import ConsentEvent, ConsentText
from troth.consent._writer import LedgerWriter, record_events, writer_for

VISIT = Visit(ip="203.0.113.0", user_agent="Firefox/128 (Linux)", jurisdiction="gdpr")
CONSENT_ID = "c" * 32
SECRET = "consent-tests-secret-key-0123456789"


def submit(config: BannerConfig, visit: Visit = VISIT, **fields: object):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"consent_id": CONSENT_ID, "action": "custom", **fields}
    return prepare_event(config, ConsentSubmission.model_validate(data), visit, secret=SECRET)


def test_events_chain_and_state_merges_latest_decisions(
    ledger: sessionmaker[Session], config: BannerConfig
) -> None:
    record_events(
        ledger,
        [submit(config, action="accept_all", categories=dict.fromkeys(config.category_ids, True))],
        secret=SECRET,
    )
    record_events(
        ledger, [submit(config, categories={"analytics": False}, services={"video": True})], secret=SECRET
    )
    with ledger() as session:
        state = consent_state(session, CONSENT_ID)
        report = verify_chain(session, secret=SECRET)
    assert state.categories == {"analytics": False, "advertising": True, "social": True, "embedded": True}
    assert state.services == {"video": True}
    assert state.events == 2 and state.action == "custom"
    assert report.ok and report.checked == 2 and report.chains == 1


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (
            lambda s: s.execute(
                update(ConsentEvent)
                .where(ConsentEvent.seq == 1)
                .values(granted=",x,", decisions={"categories": {"analytics": True}})
            ),
            "altered",
        ),
        (lambda s: s.execute(ConsentEvent.__table__.delete().where(ConsentEvent.seq == 2)), "missing"),
        (
            lambda s: s.execute(update(ConsentEvent).where(ConsentEvent.seq == 3).values(prev_hash="f" * 64)),
            "link",
        ),
    ],
    ids=["edit", "delete", "relink"],
)
def test_tampering_is_reported(ledger: sessionmaker[Session], config: BannerConfig, tamper, reason) -> None:  # type: ignore[no-untyped-def]
    for action in ("accept_all", "reject_all", "withdraw"):
        record_events(
            ledger,
            [
                submit(
                    config,
                    action=action,
                    categories=dict.fromkeys(config.category_ids, action == "accept_all"),
                )
            ],
            secret=SECRET,
        )
    with ledger() as session:
        tamper(session)
        session.commit()
        report = verify_chain(session, secret=SECRET)
    assert not report.ok
    assert reason in report.broken[0][2]


def test_concurrent_writers_of_one_visitor_lose_nothing(
    ledger: sessionmaker[Session], config: BannerConfig
) -> None:
    """Many threads append to the same consent id: every event lands, the chain stays whole."""
    events = [submit(config, categories={"analytics": i % 2 == 0}) for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda e: record_events(ledger, [e], secret=SECRET), events))
    with ledger() as session:
        seqs = list(
            session.scalars(
                select(ConsentEvent.seq)
                .where(ConsentEvent.consent_id == CONSENT_ID)
                .order_by(ConsentEvent.seq)
            )
        )
        report = verify_chain(session, secret=SECRET)
    assert seqs == list(range(1, 41))
    assert report.ok


def test_group_writer_acknowledges_only_committed_events(
    ledger: sessionmaker[Session], config: BannerConfig
) -> None:
    engine = ledger.kw["bind"]
    writer = writer_for(engine, secret=SECRET)
    ids = [f"visitor{i:012d}" for i in range(60)]
    futures = [writer.submit(submit(config, consent_id=i, action="reject_all")) for i in ids]
    recorded = [f.result(timeout=30) for f in futures]
    assert {r.consent_id for r in recorded} == set(ids)
    with ledger() as session:
        assert session.scalar(select(ConsentEvent.id).where(ConsentEvent.consent_id == ids[-1])) is not None
        assert verify_chain(session, secret=SECRET).chains == 60


def test_opt_out_signal_refuses_advertising_whatever_was_clicked(config: BannerConfig) -> None:
    event = submit(
        config,
        Visit("203.0.113.0", "x", "ccpa", signal="gpc"),
        action="accept_all",
        categories=dict.fromkeys(config.category_ids, True),
        services={"pixel": True},
    )
    assert event.decisions["categories"]["advertising"] is False
    assert event.decisions["services"]["pixel"] is False
    assert event.gpc and ",advertising," in event.denied and ",analytics," in event.granted


def test_withdraw_refuses_everything_and_query_is_dropped(config: BannerConfig) -> None:
    event = submit(config, action="withdraw", page_url="https://shop.example/basket?user=alice#x")
    assert set(event.decisions["categories"].values()) == {False}
    assert event.page_url == "https://shop.example/basket"
    assert event.expires_at - event.created_at == dt.timedelta(days=183)


@pytest.mark.parametrize(
    "fields",
    [
        {"categories": {"marketing": True}},
        {"services": {"spyware": True}},
        {"consent_id": "short"},
        {"action": "maybe"},
    ],
)
def test_bad_submissions_are_refused(config: BannerConfig, fields: dict[str, object]) -> None:
    with pytest.raises((InvalidConsentError, ValueError)):
        submit(config, **fields)


def test_texts_shown_are_kept_and_unknown_texts_refused(
    ledger: sessionmaker[Session], config: BannerConfig
) -> None:
    with ledger() as session:
        ensure_texts(session, config)
        ensure_texts(session, config)
        session.commit()
        stored = session.get(ConsentText, config.hashes["fr"])
        assert stored is not None and stored.texts["title"] == "Les cookies de Demo Shop"
        check_texts(session, config, config.hashes["en"])
        with pytest.raises(InvalidConsentError, match="reload the page"):
            check_texts(session, config, "0" * 64)
        with pytest.raises(NotFoundError):
            consent_state(session, "nobody-here-0000000")


def test_two_replicas_extending_one_chain_never_fork_it(
    ledger: sessionmaker[Session], config: BannerConfig
) -> None:
    """Each replica remembers chain heads; a stale memory is caught by the unique seq and retried."""
    replicas = [LedgerWriter(ledger, secret=SECRET, committers=2) for _ in range(2)]
    try:
        for i in range(12):
            replicas[i % 2].submit(submit(config, categories={"analytics": i % 3 == 0})).result(timeout=30)
        futures = [replicas[i % 2].submit(submit(config)) for i in range(20)]
        assert sorted(f.result(timeout=30).seq for f in futures) == list(range(13, 33))
    finally:
        for replica in replicas:
            replica.close()
    with ledger() as session:
        report = verify_chain(session, secret=SECRET)
    assert report.ok and report.checked == 32
    assert replicas[0].submit(submit(config)).exception(timeout=1) is not None  # closed: refuses, never hangs


def test_in_memory_store_shares_its_engine_with_the_writer(config: BannerConfig) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from troth.store import Base

    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    writer = writer_for(engine, secret=SECRET)
    assert writer.submit(submit(config)).result(timeout=10).seq == 1
    with Session(engine) as session:
        assert verify_chain(session, secret=SECRET).checked == 1
    engine.dispose()  # retires the writer, once
    assert writer.submit(submit(config)).exception(timeout=1) is not None
