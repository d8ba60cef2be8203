"""Rules on security and breach handling (GDPR Art. 30, 32-34)."""

from __future__ import annotations

from collections.abc import Iterator

from troth.declaration._declaration import Declaration
from troth.declaration._lint import Finding, eu_audience, rule


@rule(
    "TROTH137",
    "warning",
    "the breach notification deadline is longer than 72 hours",
    """
    A personal-data breach must be notified to the supervisory authority without undue
    delay and, where feasible, within 72 hours of becoming aware of it (GDPR and UK GDPR
    Art. 33(1)); people at high risk are told without undue delay (Art. 34). troth's breach
    register runs its clock from `security.breach_notification_hours`.
    """,
)
def breach_deadline(d: Declaration) -> Iterator[Finding]:
    hours = d.security.breach_notification_hours
    if eu_audience(d) and hours > 72:
        yield (
            ("security", "breach_notification_hours"),
            f"breaches are notified within {hours} hours, later than the 72 hours of Art. 33",
        )


@rule(
    "TROTH138",
    "warning",
    "no security measures are described",
    """
    A controller must implement appropriate technical and organisational measures (GDPR
    Art. 32; CCPA §1798.100(e), §1798.150) and describe them in its record of processing
    activities "where possible" (Art. 30(1)(g)). List them under `security.measures`
    (encryption in transit and at rest, access control, backups, staff training, ...); the
    record of processing (`ropa.csv`) is built from them.
    """,
)
def no_security_measures(d: Declaration) -> Iterator[Finding]:
    if not d.security.measures:
        yield (("security",), "`security.measures` is empty, so the record of processing has none to show")
