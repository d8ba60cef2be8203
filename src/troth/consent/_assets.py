"""The banner as served: the static script with the site's settings baked in.

The script is hand-written and needs no build step; serving it only inlines the
settings object generated from the declaration (so a strict CSP needs no inline
script) and drops indentation and whole-line comments, which keeps JS + CSS
well under the 8 KB gzipped budget.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from troth.consent._banner import BannerConfig

__all__ = ["BannerAssets", "build_assets"]

_SETTINGS_MARK = "TROTH_SETTINGS"


@cache
def _static(name: str) -> str:
    return resources.files("troth.consent").joinpath("static", name).read_text(encoding="utf-8")


def _compact(source: str) -> str:
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


@dataclass(frozen=True)
class BannerAssets:
    script: str
    stylesheet: str

    @property
    def script_etag(self) -> str:
        return '"' + hashlib.sha256(self.script.encode()).hexdigest()[:32] + '"'

    @property
    def stylesheet_etag(self) -> str:
        return '"' + hashlib.sha256(self.stylesheet.encode()).hexdigest()[:32] + '"'

    def gzipped_size(self) -> int:
        """Bytes of script + stylesheet, each gzipped as a server would send them."""
        return sum(len(gzip.compress(text.encode(), 9)) for text in (self.script, self.stylesheet))


def build_assets(
    config: BannerConfig, *, api: str = "", service_src: dict[str, str] | None = None
) -> BannerAssets:
    """The banner script and stylesheet for `config`.

    `api` is the origin of troth's consent API (empty: the script's own origin);
    `service_src` replaces declared sources, as the demo does with local stand-ins.
    """
    settings = json.dumps(
        config.client(api=api, service_src=service_src), ensure_ascii=False, separators=(",", ":")
    )
    # "</" must not appear in a script body that a page might inline.
    settings = settings.replace("</", "<\\/")
    script = _compact(_static("troth.js")).replace(_SETTINGS_MARK, settings, 1)
    return BannerAssets(script=script, stylesheet=_compact(_static("troth.css")))
