"""Connectors: how troth reaches the site's own data stores.

    with open_connector(dataset) as connector:
        for row in connector.fetch(Lookup(collection, "email", ["a@x.org"], ["id", "email"])):
            ...

`open_connector` reads the connection URL (or the webhook secret) from the
environment variable the dataset names: secrets never live in the declaration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from troth._errors import ConfigurationError
from troth.connectors._base import (
    Connector,
    Delete,
    EnsureRow,
    Fault,
    Lookup,
    Operation,
    Relink,
    Remote,
    Rewrite,
    Update,
    UpdateEach,
)
from troth.connectors._sql import MySQLConnector, PostgresConnector, SqlConnector, SQLiteConnector, sql_url
from troth.connectors._webhook import WebhookConnector, sign, verify
from troth.declaration import Dataset

__all__ = [
    "Connector",
    "Delete",
    "EnsureRow",
    "Fault",
    "Lookup",
    "MySQLConnector",
    "Operation",
    "PostgresConnector",
    "Relink",
    "Remote",
    "Rewrite",
    "SQLiteConnector",
    "SqlConnector",
    "Update",
    "UpdateEach",
    "WebhookConnector",
    "open_connector",
    "sign",
    "verify",
]

_BY_BACKEND: dict[str, type[SqlConnector]] = {
    "postgresql": PostgresConnector,
    "mysql": MySQLConnector,
    "mariadb": MySQLConnector,
    "sqlite": SQLiteConnector,
}


def _variable(environ: Mapping[str, str], name: str, dataset: str, what: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"dataset `{dataset}`: set the environment variable {name} to its {what}")
    return value


def open_connector(dataset: Dataset, environ: Mapping[str, str] | None = None) -> Connector:
    """The connector for `dataset`, configured from the environment."""
    environ = os.environ if environ is None else environ
    if dataset.webhook is not None:
        secret = _variable(environ, dataset.webhook.secret_env, dataset.id, "webhook signing secret")
        return WebhookConnector(dataset, secret)
    url = sql_url(
        _variable(environ, dataset.connection_env, dataset.id, "connection URL"), dataset=dataset.id
    )
    kind = _BY_BACKEND.get(url.get_backend_name())
    if kind is None:
        raise ConfigurationError(
            f"dataset `{dataset.id}`: troth connects to PostgreSQL, MariaDB/MySQL or SQLite, "
            f"not `{url.get_backend_name()}`"
        )
    return kind(dataset, url)
