"""Render the policy and the cookie table from a declaration."""

from __future__ import annotations

from troth._errors import ConfigurationError
from troth.declaration import Declaration
from troth.notice._formats import FORMATS, environment, tidy
from troth.notice._view import PolicyView

__all__ = ["render_cookie_table", "render_policy"]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ConfigurationError(f"unknown policy format `{fmt}`: use one of {', '.join(FORMATS)}")


def render_policy(declaration: Declaration, *, fmt: str = "html", standalone: bool = True) -> str:
    """The full privacy policy as `fmt` (html, md or txt).

    With `standalone=False` the html is a fragment (an `<article>` with its own
    table of contents, one `<h1>` and an `<h2>` per section) for embedding in a
    page layout; md and txt are always complete documents.
    """
    _check_format(fmt)
    template = environment(fmt).get_template(f"policy.{fmt}.j2")
    text = template.render(d=declaration, v=PolicyView(declaration), standalone=standalone)
    return tidy(text)


def render_cookie_table(declaration: Declaration) -> str:
    """The cookie table alone, as an HTML fragment (`<table>` with caption and header cells)."""
    template = environment("html").get_template("cookie_table.html.j2")
    return tidy(template.render(d=declaration, v=PolicyView(declaration)))
