"""The audit log: every action on personal data or configuration, hash-chained.

    audit.record(session, secret=settings.secret_key, actor="admin:ana",
                 action="request.approve", subject="ana@example.com", detail={"id": 7})

Each event's hash is an HMAC (under a sub-key of the secret) over the previous
event's hash and its own content, so editing, deleting or reordering rows in
the database breaks the chain, and `troth audit verify` names the first broken
link. The subject is stored only as a keyed hash.
"""

from troth.audit._chain import (
    GENESIS,
    AuditProblem,
    export_lines,
    record,
    subject_hash,
    verify,
)
from troth.audit._models import AuditEvent, AuditHead

__all__ = [
    "GENESIS",
    "AuditEvent",
    "AuditHead",
    "AuditProblem",
    "export_lines",
    "record",
    "subject_hash",
    "verify",
]
