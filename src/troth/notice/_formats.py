"""One Jinja2 environment per output format, sharing the same section templates.

Section templates say *what* to write; each format supplies a small kit of
macros (`k.para`, `k.item`, `k.table`, `k.link`, ...) saying *how*. Every
value a template prints passes through the format's escaping, so a hostile
string in a declaration is inert in all three formats:

- html: HTML escaping (Jinja's autoescape);
- md:   Markdown backslash escapes, so `<script>` or `*` stay literal text;
- txt:  nothing to escape.

All three environments run with autoescape on, so macro output is `Markup`
(already safe) and is never escaped twice; `finalize` escapes plain values
for md and txt with that format's own rule before autoescape sees them.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from troth.notice._wording import and_list

__all__ = ["FORMATS", "WIDTH", "environment", "text_table", "tidy"]

FORMATS: dict[str, str] = {"html": "html", "md": "md", "txt": "txt"}  # format -> file extension
WIDTH = 78
_MAX_CELL_LINES = 4

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")


def _trusted(text: str) -> Markup:
    """Mark text as final output: only ever called on text built from already-escaped parts."""
    return Markup(text)  # noqa: S704 - every caller escapes first


def md_escape(value: object) -> Markup:
    return _trusted(_MD_SPECIAL.sub(r"\\\1", str(value)))


def _plain(value: object) -> Markup:
    return _trusted(str(value))  # plain text has nothing to escape


def _escaper(fmt: str) -> Callable[[object], Markup]:
    return {"html": escape, "md": md_escape, "txt": _plain}[fmt]


def _safe(value: object, esc: Callable[[object], Markup]) -> str:
    """`value` as escaped text: macro output is already escaped, anything else is escaped now."""
    return str(value if hasattr(value, "__html__") else esc(value))


def _finalizer(fmt: str) -> Callable[[Any], Any]:
    esc = _escaper(fmt)

    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if fmt == "html" or hasattr(value, "__html__"):
            return value
        return esc(value)

    return finalize


def _collapse(esc: Callable[[object], Markup]) -> Callable[[object], Markup]:
    def collapse(value: object) -> Markup:
        """Join a template's lines into one: paragraphs in md and txt are single logical lines."""
        return _trusted(" ".join(_safe(value, esc).split()))

    return collapse


def _clause(esc: Callable[[object], Markup]) -> Callable[[object], Markup]:
    def clause(value: object) -> Markup:
        """Free text that a template ends with its own full stop: drop the writer's one."""
        text = _safe(value, esc).rstrip()
        return _trusted(text[:-1] if text.endswith(".") and not text.endswith("..") else text)

    return clause


def _wrap(esc: Callable[[object], Markup]) -> Callable[..., Markup]:
    def wrap(value: object, first: str = "", rest: str = "", width: int = WIDTH) -> Markup:
        text = " ".join(_safe(value, esc).split())
        lines = textwrap.wrap(
            text,
            width=width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,  # a URL or an email address stays whole
            break_on_hyphens=False,
        )
        return _trusted("\n".join(lines) if lines else first.rstrip())

    return wrap


def href(value: object) -> str:
    """A link target, or "" when it is not a web, mail or phone address (never `javascript:`)."""
    url = str(value or "").strip()
    return url if url.lower().startswith(_SAFE_SCHEMES) else ""


def md_url(value: object) -> Markup:
    # percent-encoding leaves nothing that could end a Markdown link destination early
    return _trusted(quote(href(value), safe=":/?#[]@!$&'*+,;=%-._~"))


def text_table(headers: Sequence[object], rows: Sequence[Sequence[object]], width: int = WIDTH) -> str:
    """Rows as aligned columns, cells wrapped so the table fits `width` where words allow."""
    head = [" ".join(str(h).split()) for h in headers]
    body = [[" ".join(str(c).split()) for c in row] for row in rows]
    columns = list(zip(head, *body, strict=True))
    natural = [max(len(c) for c in col) for col in columns]
    longest_word = [max((len(w) for c in col for w in c.split()), default=1) for col in columns]
    # a column may shrink to its longest word, never below: words (names, URLs) are not split
    minimum = [max(min(n, 8), w) for n, w in zip(natural, longest_word, strict=True)]
    room = width - 2 * (len(columns) - 1)
    if sum(minimum) > room:
        return _stacked(head, body, width)
    widths = list(natural)
    if sum(natural) > room:
        spare = room - sum(minimum)
        wants = [n - m for n, m in zip(natural, minimum, strict=True)]
        total = sum(wants) or 1
        widths = [m + spare * want // total for m, want in zip(minimum, wants, strict=True)]

    def lines_of(cells: list[str]) -> list[str]:
        wrapped = [
            textwrap.wrap(cell, width=w, break_long_words=False, break_on_hyphens=False) or [""]
            for cell, w in zip(cells, widths, strict=True)
        ]
        height = max(len(w) for w in wrapped)
        out = []
        for i in range(height):
            parts = [
                (w[i] if i < len(w) else "").ljust(size) for w, size in zip(wrapped, widths, strict=True)
            ]
            out.append("  ".join(parts).rstrip())
        return out

    rows_lines = [lines_of(row) for row in body]
    if any(len(lines) > _MAX_CELL_LINES for lines in rows_lines):
        return _stacked(head, body, width)  # columns so narrow that rows read like word lists
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([*lines_of(head), rule, *(line for lines in rows_lines for line in lines)])


def _stacked(head: list[str], body: list[list[str]], width: int) -> str:
    """A table too wide for the page: one block per row, a label and its value on each line."""
    label = max(len(h) for h in head) + 2
    blocks = []
    for row in body:
        lines = []
        for title, cell in zip(head, row, strict=True):
            wrapped = textwrap.wrap(
                cell, width=width - label, break_long_words=False, break_on_hyphens=False
            ) or [""]
            lines.append(f"{title + ':':<{label}}{wrapped[0]}".rstrip())
            lines.extend(" " * label + more for more in wrapped[1:])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def tidy(text: str) -> str:
    """No trailing spaces, no runs of blank lines, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return out + "\n"


def _and_list_filter(fmt: str) -> Callable[[Iterable[object]], Markup]:
    esc = _escaper(fmt)

    def and_list_filter(items: Iterable[object], conjunction: str = "and") -> Markup:
        return _trusted(and_list([_safe(i, esc) for i in items], conjunction))

    return and_list_filter


@cache
def environment(fmt: str) -> Environment:
    """The environment for `fmt` (html, md or txt), with that format's kit as the global `k`."""
    env = Environment(
        loader=PackageLoader("troth.notice", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_finalizer(fmt),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    esc = _escaper(fmt)
    env.filters.update(
        and_list=_and_list_filter(fmt),
        collapse=_collapse(esc),
        clause=_clause(esc),
        wrap=_wrap(esc),
        href=href,
        long_date=lambda day: f"{day.day} {day:%B} {day.year}",
    )
    if fmt == "md":
        env.filters.update(md_url=md_url, md_cell=_collapse(esc))
    if fmt == "txt":
        # cells of a plain-text table need no escaping
        env.filters["text_table"] = lambda rows, headers: _plain(text_table(headers, rows))
    env.globals["fmt"] = fmt
    env.globals["k"] = env.get_template(f"kit/{fmt}.j2").module
    return env
