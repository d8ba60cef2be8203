"""Small value types shared by the declaration's sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, WithJsonSchema

__all__ = ["Duration", "DurationField", "Slug", "Strict", "parse_duration"]


class Strict(BaseModel):
    """Base of every declaration section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


_UNITS: dict[str, float] = {
    "minute": 1 / 1440,
    "min": 1 / 1440,
    "hour": 1 / 24,
    "h": 1 / 24,
    "day": 1,
    "d": 1,
    "week": 7,
    "w": 7,
    "month": 30.4375,
    "mo": 30.4375,
    "year": 365.25,
    "y": 365.25,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$")


@dataclass(frozen=True)
class Duration:
    """A period such as `13 months`, `2 years`, `30 minutes`, or `session`."""

    amount: float
    unit: str  # canonical unit name, or "session"

    @property
    def days(self) -> float:
        if self.unit == "session":
            return 0.0
        return self.amount * _UNITS[self.unit]

    @property
    def months(self) -> float:
        return self.days / _UNITS["month"]

    @property
    def is_session(self) -> bool:
        return self.unit == "session"

    def __str__(self) -> str:
        if self.is_session:
            return "session"
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount} {self.unit}{'' if amount == 1 else 's'}"


_CANONICAL = {"min": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}


def parse_duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected a period such as '30 days', '13 months', '2 years' or 'session'")
    if isinstance(value, int):
        return Duration(float(value), "day")
    text = value.strip().lower()
    if text in {"session", "browser session"}:
        return Duration(0, "session")
    match = _DURATION.match(text)
    if not match or match.group(2) not in _UNITS:
        raise ValueError(
            f"{value!r} is not a period: write a number and a unit (minutes, hours, days, weeks, months, "
            "years), e.g. '13 months', or 'session'"
        )
    unit = _CANONICAL.get(match.group(2), match.group(2))
    return Duration(float(match.group(1)), unit)


DurationField = Annotated[
    Duration,
    PlainValidator(parse_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["13 months", "session"]}),
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lower-case letters, digits, '.', '_' or '-', e.g. 'newsletter'"
        )
    return value


Slug = Annotated[str, PlainValidator(_slug), WithJsonSchema({"type": "string", "pattern": _SLUG.pattern})]
