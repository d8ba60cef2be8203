"""Consent statistics over time, the chart drawn server-side, and retention pruning.

Pruning deletes whole chains (every event of a consent id whose latest event
is older than the ledger's retention period), so every chain left verifies;
before deleting, it adds the pruned events to `consent_tallies`, so the
statistics of past days do not change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from troth.consent._models import ConsentEvent, ConsentTally
from troth.declaration import Duration
from troth.store import utcnow

__all__ = ["DayStats", "PruneReport", "line_chart", "prune", "statistics"]


@dataclass
class DayStats:
    events: int = 0
    actions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    granted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    denied: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def grant_rate(self, category: str) -> float | None:
        asked = self.granted[category] + self.denied[category]
        return self.granted[category] / asked if asked else None

    def action_rate(self, action: str) -> float | None:
        return self.actions[action] / self.events if self.events else None


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def statistics(
    session: Session, categories: Sequence[str], *, days: int = 30, now: dt.datetime | None = None
) -> dict[dt.date, DayStats]:
    """Events, actions and per-category outcomes per day (live events plus pruned tallies)."""
    since = (now or utcnow()) - dt.timedelta(days=days)
    result: dict[dt.date, DayStats] = defaultdict(DayStats)
    day = func.date(ConsentEvent.created_at)
    counts = [func.sum(case((ConsentEvent.granted.like(f"%,{c},%"), 1), else_=0)) for c in categories]
    counts += [func.sum(case((ConsentEvent.denied.like(f"%,{c},%"), 1), else_=0)) for c in categories]
    query = (
        select(day, ConsentEvent.action, func.count(), *counts)
        .where(ConsentEvent.created_at >= since)
        .group_by(day, ConsentEvent.action)
    )
    for row in session.execute(query):
        stats = result[_day(row[0])]
        stats.events += row[2]
        stats.actions[row[1]] += row[2]
        for i, category in enumerate(categories):
            stats.granted[category] += row[3 + i] or 0
            stats.denied[category] += row[3 + len(categories) + i] or 0
    tallies = select(ConsentTally).where(ConsentTally.day >= since.date())
    for tally in session.scalars(tallies):
        stats = result[tally.day]
        if tally.outcome == "event":
            stats.events += tally.count
            stats.actions[tally.action] += tally.count
        elif tally.outcome == "granted":
            stats.granted[tally.category] += tally.count
        else:
            stats.denied[tally.category] += tally.count
    return dict(sorted(result.items()))


@dataclass(frozen=True)
class PruneReport:
    consent_ids: int
    events: int
    cutoff: dt.datetime


def prune(
    session: Session, *, retention: Duration, now: dt.datetime | None = None, batch: int = 500
) -> PruneReport:
    """Delete chains whose latest event is older than `retention`, keeping their counts."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention.days)
    stale = list(
        session.scalars(
            select(ConsentEvent.consent_id)
            .group_by(ConsentEvent.consent_id)
            .having(func.max(ConsentEvent.created_at) < cutoff)
        )
    )
    events = 0
    for start in range(0, len(stale), batch):
        ids = stale[start : start + batch]
        counts: dict[tuple[dt.date, str, str, str], int] = defaultdict(int)
        rows = session.execute(
            select(
                ConsentEvent.created_at, ConsentEvent.action, ConsentEvent.granted, ConsentEvent.denied
            ).where(ConsentEvent.consent_id.in_(ids))
        )
        for created_at, action, granted, denied in rows:
            day = created_at.date()
            counts[(day, action, "*", "event")] += 1
            for category in filter(None, granted.split(",")):
                counts[(day, action, category, "granted")] += 1
            for category in filter(None, denied.split(",")):
                counts[(day, action, category, "denied")] += 1
            events += 1
        _add_tallies(session, counts)
        session.execute(delete(ConsentEvent).where(ConsentEvent.consent_id.in_(ids)))
    return PruneReport(consent_ids=len(stale), events=events, cutoff=cutoff)


def _add_tallies(session: Session, counts: dict[tuple[dt.date, str, str, str], int]) -> None:
    for (day, action, category, outcome), count in counts.items():
        existing = session.scalar(
            select(ConsentTally).where(
                ConsentTally.day == day,
                ConsentTally.action == action,
                ConsentTally.category == category,
                ConsentTally.outcome == outcome,
            )
        )
        if existing is None:
            session.add(ConsentTally(day=day, action=action, category=category, outcome=outcome, count=count))
        else:
            existing.count += count
    session.flush()


_COLOURS = ("#0b57d0", "#b3261e", "#146c2e", "#8e4ec6", "#a15c00", "#00696f")


def line_chart(title: str, labels: Sequence[str], series: dict[str, list[float | None]]) -> Markup:
    """An accessible inline SVG line chart of rates (0 to 1) over `labels`; no script, no external file."""
    width, height, left, bottom, top = 640, 220, 40, 30, 10
    plot_w, plot_h = width - left - 10, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 20 * len(series)}" '
        f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
    ]
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{pct}%</text>')
    for i, label in enumerate(labels):
        if len(labels) <= 10 or i % max(len(labels) // 8, 1) == 0:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{height - 8}" text-anchor="middle" font-size="11">{escape(label)}</text>'
            )
    for n, (name, values) in enumerate(series.items()):
        colour = _COLOURS[n % len(_COLOURS)]
        points = [
            f"{left + i * step:.1f},{top + plot_h * (1 - v):.1f}"
            for i, v in enumerate(values)
            if v is not None
        ]
        if len(points) == 1:
            cx, cy = points[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
        elif points:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>'
            )
        legend_y = height + 14 + 20 * n
        parts.append(f'<rect x="{left}" y="{legend_y - 9}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{left + 18}" y="{legend_y + 1}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above
