"""Request engine: runs, checkpointed steps, restrictions.

Revision ID: 0002_dsr_engine
Revises: 0001_core
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_dsr_engine"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsr_runs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("checkpoint", sa.LargeBinary(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dsr_runs"),
    )
    op.create_index("ix_dsr_runs_subject_hash", "dsr_runs", ["subject_hash"])
    op.create_table(
        "dsr_steps",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["dsr_runs.id"], name="fk_dsr_steps_run_id_dsr_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "name", name="pk_dsr_steps"),
    )
    op.create_table(
        "dsr_restrictions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identity_hash", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("restricted_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dsr_restrictions"),
    )
    op.create_index("ix_dsr_restrictions_identity_hash", "dsr_restrictions", ["identity_hash"])


def downgrade() -> None:
    op.drop_index("ix_dsr_restrictions_identity_hash", table_name="dsr_restrictions")
    op.drop_table("dsr_restrictions")
    op.drop_table("dsr_steps")
    op.drop_index("ix_dsr_runs_subject_hash", table_name="dsr_runs")
    op.drop_table("dsr_runs")
