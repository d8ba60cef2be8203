"""troth's own store: one SQLAlchemy metadata, Alembic migrations, SQLite or PostgreSQL.

    sessions = open_store(settings)      # engine + migrations to heads
    with sessions.begin() as session:
        ...

Each feature defines its tables beside its code, derived from `Base`; the
migrations under `migrations/versions/` create them (written by hand, portable
to SQLite and PostgreSQL, reversible).
"""

from troth.store._base import Base
from troth.store._engine import autocommit, make_engine, normalise_url, open_store
from troth.store._migrate import current_revisions, downgrade, upgrade
from troth.store._types import UTCDateTime, utcnow

__all__ = [
    "Base",
    "UTCDateTime",
    "autocommit",
    "current_revisions",
    "downgrade",
    "make_engine",
    "normalise_url",
    "open_store",
    "upgrade",
    "utcnow",
]
