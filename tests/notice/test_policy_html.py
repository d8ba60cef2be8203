"""The HTML policy: valid structure, accessible landmarks and tables, and inert hostile strings."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest

from troth.declaration import Declaration
from troth.notice import SECTION_IDS, render_cookie_table, render_policy
from troth.notice._view import PolicyView

VOID = {"meta", "link", "br", "img", "hr", "input"}


class Outline(HTMLParser):
    """Collects what an accessibility checker looks at, and fails on mis-nested tags."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: Counter[str] = Counter()
        self.ids: list[str] = []
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        found = dict(attrs)
        self.attrs.append((tag, found))
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Outline:
    outline = Outline()
    outline.feed(html)
    outline.close()
    assert outline.errors == []
    assert outline.stack == []
    return outline


def test_standalone_page_structure(rich: Declaration) -> None:
    html = render_policy(rich)
    page = parse(html)
    assert html.startswith("<!doctype html>")
    assert page.tags["h1"] == 1
    assert page.tags["main"] == 1 and page.tags["nav"] == 1 and page.tags["footer"] == 1
    assert ("html", {"lang": "en-GB"}) in page.attrs
    assert len(page.ids) == len(set(page.ids)), [i for i, n in Counter(page.ids).items() if n > 1]
    h2_ids = [a["id"] for tag, a in page.attrs if tag == "h2"]
    assert [i for i in h2_ids if i in SECTION_IDS] == list(SECTION_IDS)
    anchors = {a["href"] for tag, a in page.attrs if tag == "a" and str(a.get("href", "")).startswith("#")}
    assert {f"#{i}" for i in h2_ids if i != "contents"} <= anchors  # the table of contents links every one
    assert "@media print" in html


def test_fragment_has_no_document_wrapper(rich: Declaration) -> None:
    fragment = render_policy(rich, standalone=False)
    outline = parse(fragment)
    assert outline.tags["html"] == outline.tags["head"] == outline.tags["body"] == 0
    assert outline.tags["style"] == 0 and outline.tags["main"] == 0
    assert outline.tags["article"] == 1 and outline.tags["h1"] == 1
    assert fragment.lstrip().startswith('<article class="troth-policy" lang="en-GB"')


def test_tables_have_captions_and_scoped_headers(rich: Declaration) -> None:
    page = parse(render_policy(rich))
    assert page.tags["table"] == page.tags["caption"] == 3
    scopes = Counter(a.get("scope") for tag, a in page.attrs if tag == "th")
    assert scopes["col"] == 3 + 6 + 6  # data collected; recipients; cookies
    assert scopes["row"] == len(PolicyView(rich).categories) + len(rich.cookies) + len(rich.recipients)
    assert None not in scopes


def test_cookie_table_fragment(rich: Declaration) -> None:
    table = parse(render_cookie_table(rich))
    assert table.tags["table"] == 1 and table.tags["caption"] == 1 and table.tags["h1"] == 0
    names = [c.name for c in rich.cookies]
    text = "".join(table.text)
    assert all(name in text for name in names)


def test_cookie_table_without_cookies_says_so(variant: Any) -> None:
    def no_cookies(data: dict[str, Any]) -> None:
        data.pop("cookies")
        data.pop("scripts")

    assert "does not use cookies" in render_cookie_table(variant(no_cookies))


HOSTILE = '<script>alert("x")</script> *bold* [link](javascript:alert(1)) | pipe & amp'


def _hostile(data: dict[str, Any]) -> None:
    data["purposes"][0]["name"] = HOSTILE
    data["cookies"][0]["purpose"] = HOSTILE
    data["recipients"][0]["name"] = HOSTILE
    data["organization"]["legal_name"] = HOSTILE
    data["rights"]["channels"].append({"kind": "form", "address": "javascript:alert(1)"})
    data["policy"]["sections"][0]["body"] = HOSTILE


def test_html_escapes_hostile_strings(variant: Any) -> None:
    declaration = variant(_hostile)
    for html in (render_policy(declaration), render_policy(declaration, standalone=False)):
        assert "<script" not in html
        assert "&lt;script&gt;" in html
        assert 'href="javascript:' not in html
        page = parse(html)
        assert page.tags["script"] == 0
    assert "<script" not in render_cookie_table(declaration)


def test_markdown_escapes_hostile_strings(variant: Any) -> None:
    md = render_policy(variant(_hostile), fmt="md")
    assert "<script>" not in md
    assert "\\<script\\>" in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # every bracket is escaped: no live link
    assert "\\*bold\\*" in md
    # a pipe in a cell does not split the row
    row = next(line for line in md.splitlines() if line.startswith("| \\<script"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 7  # six cells


def test_text_keeps_hostile_strings_as_written(variant: Any) -> None:
    txt = render_policy(variant(_hostile), fmt="txt")
    assert '<script>alert("x")</script> *bold*' in " ".join(txt.split())
    assert "&lt;" not in txt


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_rendering_is_deterministic(rich: Declaration, fmt: str) -> None:
    assert render_policy(rich, fmt=fmt) == render_policy(rich, fmt=fmt)


def test_each_purpose_fact_is_led_by_a_bold_label(rich: Declaration) -> None:
    html = render_policy(rich)
    assert html.count("<strong>Legal basis:</strong>") == len(rich.purposes)
    assert html.count("<strong>Data we use:</strong>") == len(rich.purposes)


def test_table_scrollers_can_be_reached_by_keyboard(rich: Declaration) -> None:
    page = parse(render_policy(rich))
    scrollers = [a for tag, a in page.attrs if tag == "div" and a.get("class") == "troth-table"]
    assert len(scrollers) == 3
    assert all(
        a.get("tabindex") == "0" and a.get("role") == "region" and a.get("aria-label") for a in scrollers
    )
