"""Consent ledger: append-only events, the texts shown, and tallies of pruned events.

Revision ID: 0003_consent
Revises: 0001_core
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_consent"
down_revision = "0001_core"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consent_events",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("consent_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("granted", sa.String(200), nullable=False),
        sa.Column("denied", sa.String(200), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=True),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("texts_hash", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("jurisdiction", sa.String(32), nullable=False),
        sa.Column("page_url", sa.String(500), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("user_agent", sa.String(80), nullable=False),
        sa.Column("gpc", sa.Boolean(), nullable=False),
        sa.Column("dnt", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_events"),
        sa.UniqueConstraint("consent_id", "seq", name="uq_consent_events_consent_id_seq"),
    )
    op.create_index("ix_consent_events_created_at", "consent_events", ["created_at"])
    op.create_index("ix_consent_events_user_hash", "consent_events", ["user_hash"])
    op.create_table(
        "consent_texts",
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("first_shown_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name="pk_consent_texts"),
    )
    op.create_table(
        "consent_tallies",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_tallies"),
        sa.UniqueConstraint("day", "action", "category", "outcome", name="uq_consent_tallies_day_action"),
    )


def downgrade() -> None:
    op.drop_table("consent_tallies")
    op.drop_table("consent_texts")
    op.drop_index("ix_consent_events_user_hash", table_name="consent_events")
    op.drop_index("ix_consent_events_created_at", table_name="consent_events")
    op.drop_table("consent_events")
