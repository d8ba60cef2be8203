"""Requests: the request lifecycle (requests, verifications, recipient tasks, notes, results) and job steps.

Revision ID: 0004_dsr_requests
Revises: 0001_core
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_dsr_requests"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, target_column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "job_step",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(80), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("run_after", sa.DateTime(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_job_step"),
        sa.UniqueConstraint("kind", "subject", name="uq_job_step_kind"),
    )
    op.create_index("ix_job_step_state_run_after", "job_step", ["state", "run_after"])
    op.create_table(
        "dsr_request",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("jurisdiction", sa.String(20), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("identity_hash", sa.String(64), nullable=False),
        sa.Column("identity_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("details_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("status_token_hash", sa.String(64), nullable=False),
        sa.Column("ip_hash", sa.String(64), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("longest_due_on", sa.Date(), nullable=False),
        sa.Column("acknowledge_by", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verification_method", sa.String(24), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by", sa.String(120), nullable=True),
        sa.Column("denied_reason", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("agent_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("agent_document_sha256", sa.String(64), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("minimised_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dsr_request"),
    )
    for column in ("state", "identity_hash", "ip_hash", "received_at", "due_on"):
        op.create_index(f"ix_dsr_request_{column}", "dsr_request", [column])
    op.create_table(
        "dsr_verification",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("link_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dsr_verification"),
        _fk("dsr_verification", "request_id", "dsr_request", "id"),
    )
    op.create_index("ix_dsr_verification_request_id", "dsr_verification", ["request_id"])
    op.create_index("ix_dsr_verification_link_hash", "dsr_verification", ["link_hash"])
    op.create_table(
        "dsr_task",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("recipient_id", sa.String(80), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done_by", sa.String(120), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dsr_task"),
        _fk("dsr_task", "request_id", "dsr_request", "id"),
    )
    op.create_index("ix_dsr_task_request_id", "dsr_task", ["request_id"])
    op.create_table(
        "dsr_note",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dsr_note"),
        _fk("dsr_note", "request_id", "dsr_request", "id"),
    )
    op.create_index("ix_dsr_note_request_id", "dsr_note", ["request_id"])
    op.create_table(
        "dsr_result",
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(200), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_dsr_result"),
        _fk("dsr_result", "request_id", "dsr_request", "id"),
    )
    op.create_index("ix_dsr_result_expires_at", "dsr_result", ["expires_at"])
    op.create_table(
        "dsr_archive_chunk",
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", "seq", name="pk_dsr_archive_chunk"),
        _fk("dsr_archive_chunk", "request_id", "dsr_result", "request_id"),
    )


def downgrade() -> None:
    op.drop_table("dsr_archive_chunk")
    op.drop_index("ix_dsr_result_expires_at", table_name="dsr_result")
    op.drop_table("dsr_result")
    op.drop_index("ix_dsr_note_request_id", table_name="dsr_note")
    op.drop_table("dsr_note")
    op.drop_index("ix_dsr_task_request_id", table_name="dsr_task")
    op.drop_table("dsr_task")
    op.drop_index("ix_dsr_verification_link_hash", table_name="dsr_verification")
    op.drop_index("ix_dsr_verification_request_id", table_name="dsr_verification")
    op.drop_table("dsr_verification")
    for column in ("state", "identity_hash", "ip_hash", "received_at", "due_on"):
        op.drop_index(f"ix_dsr_request_{column}", table_name="dsr_request")
    op.drop_table("dsr_request")
    op.drop_index("ix_job_step_state_run_after", table_name="job_step")
    op.drop_table("job_step")
