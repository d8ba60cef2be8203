"""The demo shop at `/demo/`: the banner at work on the declaration's own services.

Every declared service gets a local stand-in (no network): a script that sets
the service's declared first-party cookies and notes that it ran, an embed
page for iframes, a pixel for images. The page loads analytics and social
scripts as blocked `text/plain` tags, and a tag-manager-like site script
inserts the advertising scripts dynamically, as real tag managers do, so the
banner's MutationObserver / createElement guard is exercised too.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from troth.consent._banner import BannerConfig
from troth.declaration import Declaration

__all__ = ["DEMO_CSP", "PIXEL_GIF", "DemoShop"]

#: The demo runs under a strict policy: no inline script or style anywhere.
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)

PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")

_STAND_IN = """(function () {
var id = %(id)s, name = %(name)s, d = document, w = window;
w.trothDemo = w.trothDemo || {};
w.trothDemo[id] = (w.trothDemo[id] || 0) + 1;
%(cookies)s.forEach(function (n) { d.cookie = n + "=demo." + Date.now() + "; Path=/; Max-Age=86400; SameSite=Lax"; });
(w.dataLayer = w.dataLayer || []).push({event: "demo_tag_ran", service: id});
function note() {
  var log = d.getElementById("demo-log");
  if (log) { var li = d.createElement("li"); li.textContent = name + " ran"; log.append(li); }
  if (%(social)s) d.querySelectorAll("[data-demo-social]").forEach(function (box) {
    var a = d.createElement("a"); a.href = "#"; a.className = "demo-share"; a.textContent = "Share (" + name + ")"; box.append(a);
  });
}
if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", note); else note();
})();
"""

_EMBED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{name}</title><link rel="stylesheet" href="/demo/shop.css"></head>
<body class="demo-embed"><p>&#9654; {name} &mdash; a local stand-in for {provider}'s player.</p></body></html>
"""

_SHOP_CSS = """body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:1rem 1rem 6rem;color:#1b1b1b}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #ccc}
iframe{width:100%;height:14rem;border:1px solid #ccc}
.demo-embed{background:#111;color:#fff;display:flex;align-items:center;justify-content:center;height:90vh}
.demo-share{display:inline-block;padding:.25rem .75rem;border:1px solid #0b57d0;border-radius:4px}
"""


@dataclass(frozen=True)
class DemoService:
    id: str
    name: str
    provider: str
    category: str
    kind: str
    cookies: tuple[str, ...]


class DemoShop:
    """Markup and stand-ins for the demo page of one declaration."""

    def __init__(self, declaration: Declaration, config: BannerConfig) -> None:
        self.name = declaration.organization.display_name
        self.config = config
        self.services = tuple(
            DemoService(s.id, s.name, s.provider, s.category, s.kind, tuple(s.cookies))
            for s in declaration.scripts
            if s.category != "necessary"
        )

    def service(self, service_id: str) -> DemoService | None:
        return next((s for s in self.services if s.id == service_id), None)

    @property
    def local_sources(self) -> dict[str, str]:
        """Declared sources replaced by the stand-ins, for the demo's copy of the banner."""
        suffix = {"script": "js", "iframe": "html", "image": "gif"}
        return {s.id: f"/demo/vendor/{s.id}.{suffix[s.kind]}" for s in self.services}

    @property
    def tagged_scripts(self) -> list[DemoService]:
        return [s for s in self.services if s.kind == "script" and s.category != "advertising"]

    @property
    def injected_scripts(self) -> list[DemoService]:
        return [s for s in self.services if s.kind == "script" and s.category == "advertising"]

    @property
    def embeds(self) -> list[DemoService]:
        return [s for s in self.services if s.kind == "iframe"]

    @property
    def pixels(self) -> list[DemoService]:
        return [s for s in self.services if s.kind == "image"]

    def stand_in_script(self, service: DemoService) -> str:
        cookies = [name.replace("*", "DEMO") for name in service.cookies]
        return _STAND_IN % {
            "id": json.dumps(service.id),
            "name": json.dumps(service.name),
            "cookies": json.dumps(cookies),
            "social": json.dumps(service.category == "social"),
        }

    def embed_page(self, service: DemoService) -> str:
        from markupsafe import escape

        return _EMBED.format(name=escape(service.name), provider=escape(service.provider))

    def site_script(self) -> str:
        """The shop's own script: a tag manager that inserts the advertising tags later."""
        sources = json.dumps([self.local_sources[s.id] for s in self.injected_scripts])
        return (
            "(function () {\n"
            f"{sources}.forEach(function (src) {{\n"
            "var s = document.createElement('script'); s.src = src; document.head.appendChild(s);\n"
            "});\n"
            "})();\n"
        )

    @staticmethod
    def stylesheet() -> str:
        return _SHOP_CSS
