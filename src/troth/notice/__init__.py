"""The notice: the privacy policy people read, and the registers a regulator asks for.

from troth.notice import render_policy, write_bundle
html = render_policy(declaration)                  # a complete, printable page
fragment = render_policy(declaration, standalone=False)
write_bundle(declaration, Path("out"))             # policy + ropa/recipients/cookies CSV + policy.json
"""

from troth.notice._bundle import write_bundle
from troth.notice._outline import SECTION_IDS
from troth.notice._registers import cookies_csv, policy_json, recipients_csv, ropa_csv
from troth.notice._render import render_cookie_table, render_policy

__all__ = [
    "SECTION_IDS",
    "cookies_csv",
    "policy_json",
    "recipients_csv",
    "render_cookie_table",
    "render_policy",
    "ropa_csv",
    "write_bundle",
]
