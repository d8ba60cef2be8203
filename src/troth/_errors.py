"""troth's one exception tree.

Every error a user can cause or meet derives from `TrothError` and carries the
context needed to act on it (file and line, dataset and table, request id).
Errors of underlying libraries are translated where they enter troth; the web
layer maps this tree to HTTP status and page in exactly one place.

    TrothError
    ├── DeclarationError        a troth.yaml that cannot be loaded or is invalid
    ├── ConfigurationError      settings / environment problems
    ├── NotFoundError           a thing asked for does not exist
    ├── PermissionDeniedError   the caller's role does not allow the action
    ├── ConflictError           the action does not fit the current state
    ├── RateLimitedError        too many attempts; try again later
    ├── VerificationError       a wrong / expired code or signature
    ├── ConnectorError          a site datastore failed (names dataset, table, SQL)
    └── StoreError              troth's own database failed
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "ConnectorError",
    "DeclarationError",
    "Location",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitedError",
    "StoreError",
    "TrothError",
    "VerificationError",
]


class TrothError(Exception):
    """Base of every error troth raises on purpose."""

    #: HTTP status the web layer uses for this error.
    status_code: int = 500
    #: Stable machine-readable code for API clients.
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, order=True)
class Location:
    """A place in a declaration file (1-based line and column)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a declaration, with where it is and how to fix it."""

    location: Location
    path: str
    message: str
    hint: str = ""
    code: str = "TROTH001"
    severity: str = "error"
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def render(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.location}: {self.severity.upper()} {self.code} {self.message}{where}{hint}"


class DeclarationError(TrothError):
    """A declaration that cannot be loaded: carries every problem found."""

    status_code = 422
    code = "invalid_declaration"

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("DeclarationError needs at least one problem")
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first.render() + more)

    @property
    def location(self) -> Location:
        return self.problems[0].location


class ConfigurationError(TrothError):
    code = "configuration"


class NotFoundError(TrothError):
    status_code = 404
    code = "not_found"


class PermissionDeniedError(TrothError):
    status_code = 403
    code = "forbidden"


class ConflictError(TrothError):
    status_code = 409
    code = "conflict"


class RateLimitedError(TrothError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class VerificationError(TrothError):
    status_code = 400
    code = "verification_failed"


class ConnectorError(TrothError):
    """A site datastore failed; names the dataset, table and statement."""

    status_code = 502
    code = "connector"

    def __init__(self, message: str, *, dataset: str = "", table: str = "", sql: str = "") -> None:
        parts = [message]
        if dataset:
            parts.append(f"dataset={dataset}")
        if table:
            parts.append(f"table={table}")
        if sql:
            parts.append(f"sql={sql}")
        super().__init__("; ".join(parts))
        self.dataset = dataset
        self.table = table
        self.sql = sql


class StoreError(TrothError):
    code = "store"
