"""Deadline arithmetic per jurisdiction: months, days, extensions, business-day acknowledgement."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from troth import ConfigurationError
from troth.dsr.requests import add_business_days, add_months, deadlines_for

D = dt.date


@pytest.mark.parametrize(
    ("jurisdiction", "received", "due", "extended"),
    [
        # same date next month; extension: same date three months after receipt
        ("gdpr", D(2026, 3, 4), D(2026, 4, 6), D(2026, 6, 4)),  # 4 Apr 2026 is a Saturday → Monday
        ("gdpr", D(2026, 9, 3), D(2026, 10, 5), D(2026, 12, 3)),  # 3 Oct is a Saturday
        ("gdpr", D(2026, 9, 10), D(2026, 10, 12), D(2026, 12, 10)),  # 10 Oct Saturday
        ("gdpr", D(2026, 6, 10), D(2026, 7, 10), D(2026, 9, 10)),  # a Friday: no roll
        # no corresponding date: the month's last day (28 Feb 2027 is a Sunday → 1 March)
        ("gdpr", D(2027, 1, 31), D(2027, 3, 1), D(2027, 4, 30)),
        ("uk_gdpr", D(2028, 1, 31), D(2028, 2, 29), D(2028, 5, 1)),  # leap year; 30 Apr 2028 Sunday
        ("uk_gdpr", D(2026, 12, 15), D(2027, 1, 15), D(2027, 3, 15)),  # across the year end
        # CCPA: 45 calendar days, plus 45 more; weekends do not move it
        ("ccpa", D(2026, 1, 1), D(2026, 2, 15), D(2026, 4, 1)),
        ("ccpa", D(2026, 11, 22), D(2027, 1, 6), D(2027, 2, 20)),
        ("lgpd", D(2026, 5, 1), D(2026, 5, 16), D(2026, 5, 16)),  # no extension
    ],
)
def test_due_and_extended_dates(
    jurisdiction: str, received: dt.date, due: dt.date, extended: dt.date
) -> None:
    deadlines = deadlines_for(jurisdiction, received)
    assert (deadlines.due, deadlines.extended_due) == (due, extended)


@pytest.mark.parametrize(
    ("received", "acknowledge_by"),
    [
        (D(2026, 11, 23), D(2026, 12, 7)),  # Monday → two weeks later
        (D(2026, 11, 20), D(2026, 12, 4)),  # Friday → Friday two weeks on
        (D(2026, 11, 22), D(2026, 12, 4)),  # Sunday: Monday is business day 1
        (D(2026, 11, 21), D(2026, 12, 4)),  # Saturday likewise
    ],
)
def test_ccpa_acknowledgement_in_ten_business_days(received: dt.date, acknowledge_by: dt.date) -> None:
    assert deadlines_for("ccpa", received).acknowledge_by == acknowledge_by


def test_gdpr_has_no_acknowledgement_deadline() -> None:
    assert deadlines_for("gdpr", D(2026, 1, 5)).acknowledge_by is None


def test_declaration_may_shorten_never_lengthen() -> None:
    received = D(2026, 6, 1)  # a Monday
    assert deadlines_for("ccpa", received, declared_days=30).due == D(2026, 7, 1)
    assert deadlines_for("ccpa", received, declared_days=90).due == D(2026, 7, 16)
    # GDPR in days still rolls off a weekend: 1 June + 12 days is Saturday 13 June
    assert deadlines_for("gdpr", received, declared_days=12).due == D(2026, 6, 15)
    assert deadlines_for("gdpr", received, declared_days=60).due == D(2026, 7, 1)


def test_unknown_jurisdiction_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown jurisdiction 'gdrp'"):
        deadlines_for("gdrp", D(2026, 1, 1))


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 1, 1)), st.integers(0, 40))
def test_business_days_skip_weekends(start: dt.date, count: int) -> None:
    end = add_business_days(start, count)
    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(d.weekday() < 5 for d in days) == count
    assert count == 0 or end.weekday() < 5


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 1, 1)), st.integers(1, 3))
def test_a_month_later_is_never_early_nor_past_the_months_end(start: dt.date, months: int) -> None:
    later = add_months(start, months)
    assert (later.year * 12 + later.month) - (start.year * 12 + start.month) == months
    assert later.day == start.day or (later.day < start.day and (later + dt.timedelta(days=1)).day == 1)
