"""The request lifecycle: intake, identity verification, deadlines, execution, results."""

from troth.dsr.requests._deadlines import (
    Deadlines,
    add_business_days,
    add_months,
    deadlines_for,
    next_working_day,
)

__all__ = ["Deadlines", "add_business_days", "add_months", "deadlines_for", "next_working_day"]
