"""When a request must be answered: the statutory clock of each jurisdiction.

GDPR and UK GDPR count in calendar months (Art. 12(3)): the answer is due on
the same date of the next month, or the month's last day when it has no such
date (31 January → 28/29 February), and a due date on a weekend moves to the
next working day. It may be extended by two further months with a reason told
to the person. The CCPA counts 45 calendar days, extendable once by 45, and
wants an acknowledgement within 10 business days. A declaration may shorten
a deadline (`rights.jurisdictions.<id>.deadline_days`), never lengthen it.

Public holidays differ by country and region and are not modelled: only
Saturdays and Sundays are non-working days here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from troth._errors import ConfigurationError
from troth.declaration import JURISDICTIONS, Jurisdiction

__all__ = ["Deadlines", "add_business_days", "add_months", "deadlines_for", "next_working_day"]


@dataclass(frozen=True)
class Deadlines:
    """The dates that bind one request."""

    jurisdiction: str
    received: dt.date
    #: the answer is due by the end of this day
    due: dt.date
    #: the latest due date an extension may set
    extended_due: dt.date
    #: the request must be acknowledged by the end of this day (CCPA), if at all
    acknowledge_by: dt.date | None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same date `months` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself on a weekday, else the Monday after."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th weekday after `day` (the day of receipt itself does not count)."""
    if count < 0:
        raise ValueError("count must not be negative")
    while count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _jurisdiction(jurisdiction_id: str) -> Jurisdiction:
    try:
        return JURISDICTIONS[jurisdiction_id]
    except KeyError:
        known = ", ".join(sorted(JURISDICTIONS))
        raise ConfigurationError(
            f"unknown jurisdiction {jurisdiction_id!r} for a request deadline; known: {known}"
        ) from None


def deadlines_for(jurisdiction_id: str, received: dt.date, *, declared_days: int | None = None) -> Deadlines:
    """The due dates of a request received on `received` under `jurisdiction_id`.

    `declared_days` is the declaration's own (shorter) deadline, if it sets one.
    """
    rules = _jurisdiction(jurisdiction_id)
    if rules.deadline_in_months:
        statutory = next_working_day(add_months(received, rules.deadline_in_months))
        longest = next_working_day(add_months(received, rules.deadline_in_months + rules.extension_in_months))
    else:
        statutory = received + dt.timedelta(days=rules.deadline_days)
        longest = statutory + dt.timedelta(days=rules.extension_days)
    due = statutory
    if declared_days is not None:
        declared = received + dt.timedelta(days=declared_days)
        if rules.deadline_in_months:
            declared = next_working_day(declared)
        due = min(statutory, declared)
    acknowledge = (
        add_business_days(received, rules.acknowledge_business_days)
        if rules.acknowledge_business_days
        else None
    )
    return Deadlines(
        jurisdiction=rules.id, received=received, due=due, extended_due=longest, acknowledge_by=acknowledge
    )
