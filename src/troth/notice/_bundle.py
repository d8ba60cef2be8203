"""Write the policy and every register into one folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from troth._errors import ConfigurationError
from troth.declaration import Declaration
from troth.notice._formats import FORMATS
from troth.notice._registers import cookies_csv, policy_json, recipients_csv, ropa_csv
from troth.notice._render import render_policy

__all__ = ["write_bundle"]

_REGISTERS: dict[str, Callable[[Declaration], str]] = {
    "ropa.csv": ropa_csv,
    "recipients.csv": recipients_csv,
    "cookies.csv": cookies_csv,
    "policy.json": policy_json,
}


def write_bundle(declaration: Declaration, out: Path, *, fmt: str = "html") -> list[Path]:
    """Write `policy.<fmt>` and the registers into `out` (created if missing); return the paths written."""
    if fmt not in FORMATS:
        raise ConfigurationError(f"unknown policy format `{fmt}`: use one of {', '.join(FORMATS)}")
    files = {f"policy.{FORMATS[fmt]}": render_policy(declaration, fmt=fmt)}
    files.update({name: build(declaration) for name, build in _REGISTERS.items()})
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            path = out / name
            # newline="" keeps the CSV files' CRLF row endings exactly as RFC 4180 writes them
            path.write_text(text, encoding="utf-8", newline="")
            written.append(path)
    except OSError as exc:
        raise ConfigurationError(f"cannot write the policy to {out}: {exc.strerror or exc}") from None
    return written
