"""SQL connectors: quoted identifiers, batched keys, bounded statements, errors that say where."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from troth import ConfigurationError, ConnectorError
from troth.connectors import Delete, Lookup, Update, open_connector
from troth.declaration import Dataset

# A table and columns named after SQL keywords: every identifier must be quoted.
DDL = [
    'CREATE TABLE "order" ("select" INTEGER NOT NULL, "group" INTEGER NOT NULL, "from" VARCHAR(50), '
    'PRIMARY KEY ("select", "group"))',
]


def _dataset(schema: str = "", timeout: float = 5.0, slow: str = "") -> Dataset:
    collections = [
        {
            "name": "order",
            "primary_key": ["select", "group"],
            "fields": [{"name": "select"}, {"name": "group"}, {"name": "from", "identity": "email"}],
        }
    ]
    if slow:
        collections.append(
            {"name": "slow", "read_only": True, "fields": [{"name": "x", "identity": "email"}]}
        )
    return Dataset.model_validate(
        {
            "id": "app",
            "connection_env": "APP_URL",
            "db_schema": schema,
            "timeout_seconds": timeout,
            "collections": collections,
        }
    )


def _fill(url: str, schema: str, slow: str, mysql: bool = False) -> None:
    engine = create_engine(url)
    quote = "`" if mysql else '"'
    with engine.begin() as connection:
        if schema:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            connection.exec_driver_sql(f'SET search_path TO "{schema}"')
        for statement in DDL:
            connection.exec_driver_sql(statement.replace('"', quote))
        values = ", ".join(f"({i}, {i % 3}, 'p{i % 7}@example.org')" for i in range(1, 1201))
        connection.exec_driver_sql(f"INSERT INTO {quote}order{quote} VALUES {values}")
        connection.exec_driver_sql(f"CREATE VIEW slow AS {slow}")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Dataset, str]]:
    name = f"troth_conn_{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
        slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) AS x FROM c"
        _fill(url, "", slow)
        yield _dataset(timeout=0.3, slow=slow), url
        return
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        _fill(url, name, "SELECT pg_sleep(5)::text AS x")
        yield _dataset(name, timeout=0.3, slow="pg"), url
        with create_engine(url).begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        return
    admin = request.getfixturevalue("mariadb_url")
    with create_engine(admin).begin() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE `{name}`")
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    _fill(url, "", "SELECT SLEEP(5) AS x FROM DUAL WHERE 1 = 1", mysql=True)
    yield _dataset(timeout=0.3, slow="my"), url
    with create_engine(admin).begin() as connection:
        connection.exec_driver_sql(f"DROP DATABASE `{name}`")


def test_keys_are_batched_and_identifiers_quoted(target: tuple[Dataset, str]) -> None:
    dataset, url = target
    collection = dataset.collections[0]
    with open_connector(dataset, {"APP_URL": url}) as connector:
        rows = list(connector.fetch(Lookup(collection, "group", [0, 1], ["select", "group", "from"])))
        assert len(rows) == 800
        found = list(connector.fetch(Lookup(collection, "from", ["P3@EXAMPLE.ORG"], ["select"], "contains")))
        assert len(found) == len([i for i in range(1, 1201) if i % 7 == 3])
        keys = [(i, i % 3) for i in range(1, 1201) if i % 2]
        counts = connector.erase(
            [
                Update("order", {"from": None}, ["select", "group"], keys[:10]),
                Delete("order", ["select", "group"], keys),
            ]
        )
        assert counts == [10, 600]
        assert len(list(connector.fetch(Lookup(collection, "group", [0, 1, 2], ["select"])))) == 600


def test_several_lookups_at_once_answer_as_one_by_one(target: tuple[Dataset, str]) -> None:
    dataset, url = target
    collection = dataset.collections[0]
    lookups = [
        Lookup(collection, "group", [0], ["select", "group"]),  # 400 rows: over the cap set below
        Lookup(collection, "from", ["p3@example.org", "p4@example.org"], ["select", "from"]),
        Lookup(collection, "select", [5, 6, 99999], ["select"]),
    ]
    with open_connector(dataset, {"APP_URL": url}) as connector:
        connector.small_result = 100  # type: ignore[attr-defined]  # the first answer must be streamed
        one_by_one = [sorted(map(tuple, connector.fetch(lookup))) for lookup in lookups]
        together = [sorted(map(tuple, rows)) for rows in connector.fetch_many(lookups)]
        assert together == one_by_one
        assert [len(rows) for rows in together] == [400, 1200 // 7 * 2 + 1, 2]
        broken = Lookup(collection.model_copy(update={"name": "no_such_table"}), "select", [1], ["select"])
        with pytest.raises(ConnectorError) as caught:
            for rows in connector.fetch_many([lookups[2], broken]):
                list(rows)
        assert caught.value.table == "no_such_table" and "no_such_table" in caught.value.sql
        assert sorted(map(tuple, connector.fetch(lookups[2]))) == one_by_one[2]


def test_every_statement_is_bounded_and_errors_name_dataset_table_and_sql(
    target: tuple[Dataset, str],
) -> None:
    dataset, url = target
    with open_connector(dataset, {"APP_URL": url}) as connector:
        with pytest.raises(ConnectorError) as caught:
            list(connector.fetch(Lookup(dataset.collections[1], "x", ["a"], ["x"])))
        error = caught.value
        assert (error.dataset, error.table) == ("app", "slow")
        assert "SELECT" in error.sql and "slow" in str(error)
        # the refused statement is named, and what ran before it in the transaction is undone
        with pytest.raises(ConnectorError) as missing:
            connector.erase(
                [Delete("order", ["select", "group"], [(1, 1)]), Delete("no_such_table", ["id"], [(1,)])]
            )
        assert missing.value.table == "no_such_table" and "DELETE" in missing.value.sql
        assert "no_such_table" in missing.value.sql
        collection = dataset.collections[0]
        assert list(connector.fetch(Lookup(collection, "select", [1], ["select"]))) == [(1,)]
        # the connection is usable afterwards
        assert connector.erase([Delete("order", ["select", "group"], [(1, 1)])]) == [1]


HOSTILE = 'we"ird; DROP TABLE x; -- 100% %s'


@pytest.fixture
def hostile(postgres_url: str) -> Iterator[tuple[Dataset, str]]:
    """A PostgreSQL table whose name is quotes, a semicolon, a comment and percent signs."""
    schema = f"troth_conn_{uuid.uuid4().hex[:8]}"
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        create = f'CREATE TABLE "{schema}".{quoted} (id INTEGER PRIMARY KEY, owner TEXT)'
        connection.exec_driver_sql(create.replace("%", "%%"))
        connection.exec_driver_sql(f'CREATE TABLE "{schema}".x (id INTEGER PRIMARY KEY)')
        values = ", ".join(f"({i}, 'p{i % 5}@example.org')" for i in range(1, 101))
        connection.exec_driver_sql(f'INSERT INTO "{schema}".{quoted} VALUES {values}'.replace("%", "%%"))
    dataset = Dataset.model_validate(
        {
            "id": "app",
            "connection_env": "APP_URL",
            "db_schema": schema,
            "collections": [
                {"name": HOSTILE, "fields": [{"name": "id"}, {"name": "owner", "identity": "email"}]}
            ],
        }
    )
    yield dataset, postgres_url
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


def _count(url: str, schema: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        quoted = '"' + table.replace('"', '""') + '"'
        found = connection.exec_driver_sql(f'SELECT count(*) FROM "{schema}".{quoted}'.replace("%", "%%"))
        count = int(found.scalar_one())
    engine.dispose()
    return count


def test_statements_sent_together_keep_hostile_names_inert(hostile: tuple[Dataset, str]) -> None:
    dataset, url = hostile
    collection = dataset.collections[0]
    with open_connector(dataset, {"APP_URL": url}) as connector:
        answers = connector.fetch_many(
            [
                Lookup(collection, "owner", ["p1@example.org"], ["id"]),
                Lookup(collection, "id", [1, 2, 3], ["id", "owner"]),
            ]
        )
        assert [len(list(rows)) for rows in answers] == [20, 3]
        counts = connector.erase(
            [
                Update(HOSTILE, {"owner": "x'); DROP TABLE x; --"}, ["id"], [(1,), (2,)]),
                Delete(HOSTILE, ["id"], [(k,) for k in range(1, 11)]),
            ]
        )
        assert counts == [2, 10]
    assert _count(url, dataset.db_schema, HOSTILE) == 90 and _count(url, dataset.db_schema, "x") == 0


def test_an_erasure_too_large_for_one_message_is_still_one_transaction(
    hostile: tuple[Dataset, str],
) -> None:
    dataset, url = hostile
    with open_connector(dataset, {"APP_URL": url}) as connector:
        connector.batch_statements = 1  # type: ignore[attr-defined]
        assert connector.erase([Delete(HOSTILE, ["id"], [(1,)]), Delete(HOSTILE, ["id"], [(2,), (3,)])]) == [
            1,
            2,
        ]
        with pytest.raises(ConnectorError) as caught:
            connector.erase([Delete(HOSTILE, ["id"], [(4,)]), Delete("no_such_table", ["id"], [(1,)])])
        assert caught.value.table == "no_such_table"
    assert _count(url, dataset.db_schema, HOSTILE) == 97  # row 4 is still there


def test_one_message_errors_name_the_refused_statement_and_undo_the_rest(postgres_url: str) -> None:
    schema = f"troth_conn_{uuid.uuid4().hex[:8]}"
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        connection.exec_driver_sql(f'CREATE TABLE "{schema}".parent (id INTEGER PRIMARY KEY)')
        connection.exec_driver_sql(
            f'CREATE TABLE "{schema}".child (id INTEGER PRIMARY KEY, '
            f'parent_id INTEGER REFERENCES "{schema}".parent (id), note TEXT)'
        )
        connection.exec_driver_sql(f'INSERT INTO "{schema}".parent VALUES (1), (2)')
        connection.exec_driver_sql(f"INSERT INTO \"{schema}\".child VALUES (10, 1, 'kept')")
    fields = [{"name": "id"}, {"name": "note", "identity": "email"}]
    dataset = Dataset.model_validate(
        {
            "id": "app",
            "connection_env": "APP_URL",
            "db_schema": schema,
            "collections": [
                {"name": "parent", "fields": [{"name": "id"}]},
                {"name": "child", "fields": fields},
            ],
        }
    )
    try:
        with open_connector(dataset, {"APP_URL": postgres_url}) as connector:
            # the child's update runs first and is fine; the parent's delete breaks the foreign key
            with pytest.raises(ConnectorError) as caught:
                connector.erase(
                    [Update("child", {"note": "changed"}, ["id"], [(10,)]), Delete("parent", ["id"], [(1,)])]
                )
            assert caught.value.table == "parent" and caught.value.sql.startswith("DELETE")
            child = dataset.collections[1]
            assert list(connector.fetch(Lookup(child, "id", [10], ["note"]))) == [("kept",)]
            # a value PostgreSQL cannot take is a clear error too, naming what it was for
            with pytest.raises(ConnectorError) as unbindable:
                connector.fetch_many(
                    [Lookup(child, "id", [10], ["id"]), Lookup(child, "note", ["a\x00b"], ["id"])]
                )
            assert unbindable.value.table == "child" and "note" in unbindable.value.sql
            assert connector.erase([Delete("parent", ["id"], [(2,)])]) == [1]
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


def test_connection_settings_come_from_the_environment() -> None:
    dataset = _dataset()
    with pytest.raises(ConfigurationError, match="set the environment variable APP_URL"):
        open_connector(dataset, {})
    with pytest.raises(ConfigurationError, match="not `oracle`"):
        open_connector(dataset, {"APP_URL": "oracle://db/app"})
