"""Kill the erasure at every point between its steps and statements; the rerun ends where a clean run ends."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dsr_shop import SECRET, Shop, demo_declaration, drop_shop, postgres_shop, sqlite_shop
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from troth import ConnectorError
from troth.dsr.engine import DsrRun, execute, parse_identities

ANN = parse_identities(["email=ann@example.org"])


class CrashError(Exception):
    pass


def _fresh(pristine: Path, store_template: Path, where: Path) -> tuple[Shop, sessionmaker[Session]]:
    where.mkdir()
    shutil.copy(pristine, where / "shop.db")
    shutil.copy(store_template, where / "store.db")
    url = f"sqlite:///{where / 'shop.db'}"
    shop = Shop(url, "", demo_declaration(), create_engine(url))
    return shop, sessionmaker(create_engine(f"sqlite:///{where / 'store.db'}"), expire_on_commit=False)


def _erase(shop: Shop, store: sessionmaker[Session], fault: object = None) -> list[dict[str, object]]:
    result = execute(
        sessions=store,
        secret=SECRET,
        declaration=shop.declaration,
        connectors=shop.connectors(),
        kind="erase",
        identities=ANN,
        fault=fault,  # type: ignore[arg-type]
    )
    return result.outcomes


def test_a_crash_at_any_point_resumes_to_the_clean_result(tmp_path: Path, store_template: Path) -> None:
    pristine = tmp_path / "pristine.db"
    sqlite_shop(pristine).engine.dispose()

    clean_shop, clean_store = _fresh(pristine, store_template, tmp_path / "clean")
    points: list[str] = []
    clean_outcomes = _erase(clean_shop, clean_store, points.append)
    clean = clean_shop.snapshot()
    assert len(points) > 20 and points[0] == "step:collect" and points[-1] == "step:finish"

    for k in range(len(points)):
        shop, store = _fresh(pristine, store_template, tmp_path / f"crash{k}")
        calls = iter(range(len(points) + 1))

        def fault(point: str, k: int = k, calls: Iterator[int] = calls) -> None:
            if next(calls) == k:
                raise CrashError(point)

        with pytest.raises(CrashError):
            _erase(shop, store, fault)
        assert _erase(shop, store) == clean_outcomes, f"crash at {points[k]}"
        assert shop.snapshot() == clean, f"crash at {points[k]} left a different database"
        with store() as session:
            runs = session.query(DsrRun).all()
            assert [r.status for r in runs] == ["completed"] and runs[0].checkpoint is None
        shop.engine.dispose()


def test_a_failing_data_store_leaves_the_run_resumable_with_the_reason(
    tmp_path: Path, store_template: Path
) -> None:
    pristine = tmp_path / "pristine.db"
    sqlite_shop(pristine).engine.dispose()
    shop, store = _fresh(pristine, store_template, tmp_path / "failing")

    def unreachable(point: str) -> None:
        if point.startswith("shop.customer"):
            raise ConnectorError("server closed the connection", dataset="shop", table="customer")

    with pytest.raises(ConnectorError):
        _erase(shop, store, unreachable)
    with store() as session:
        (run,) = session.query(DsrRun).all()
        assert run.status == "running" and "erase:shop: server closed the connection" in run.error
    assert [row[0] for row in shop.rows("customer")] == [1, 2, 3]  # the transaction rolled back
    _erase(shop, store)
    with store() as session:
        (run,) = session.query(DsrRun).all()
        assert (run.status, run.error) == ("completed", "")
    shop.engine.dispose()


def test_crashes_inside_a_postgresql_transaction_roll_back_and_resume(
    postgres_url: str, store_template: Path, tmp_path: Path
) -> None:
    def fresh(name: str) -> tuple[Shop, sessionmaker[Session]]:
        shutil.copy(store_template, tmp_path / f"{name}.db")
        return postgres_shop(postgres_url), sessionmaker(create_engine(f"sqlite:///{tmp_path / name}.db"))

    clean_shop, clean_store = fresh("clean")
    points: list[str] = []
    clean_outcomes = _erase(clean_shop, clean_store, points.append)
    clean = clean_shop.snapshot()
    drop_shop(clean_shop)
    inside = [i for i, p in enumerate(points) if not p.startswith("step:")]
    for k in sorted({0, inside[0], inside[1], inside[len(inside) // 2], inside[-1], len(points) - 1}):
        shop, store = fresh(f"crash{k}")
        calls = iter(range(len(points) + 1))

        def fault(point: str, k: int = k, calls: Iterator[int] = calls) -> None:
            if next(calls) == k:
                raise CrashError(point)

        try:
            with pytest.raises(CrashError):
                _erase(shop, store, fault)
            assert _erase(shop, store) == clean_outcomes, f"crash at {points[k]}"
            assert shop.snapshot() == clean, f"crash at {points[k]} left a different database"
        finally:
            drop_shop(shop)
