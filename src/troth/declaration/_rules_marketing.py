"""Rules on marketing email (CAN-SPAM, PECR reg. 22, ePrivacy Art. 13)."""

from __future__ import annotations

from collections.abc import Iterator

from troth.declaration._declaration import Declaration
from troth.declaration._lint import Finding, eu_audience, rule


def _sends_email(d: Declaration) -> bool:
    return d.marketing.email or bool(d.marketing.newsletters)


@rule(
    "TROTH133",
    "warning",
    "marketing email offers no way to unsubscribe",
    """
    Every commercial email must carry a working opt-out honoured within 10 business days
    (CAN-SPAM Act, 15 U.S.C. §7704(a)(3)-(5)); each marketing message must give a simple
    way to refuse further messages (PECR reg. 22(3); ePrivacy Art. 13(2)); and the right
    to object to direct marketing is absolute (GDPR Art. 21(2)-(3)). Set
    `marketing.unsubscribe` to `one_click` (RFC 8058) or `link`.
    """,
)
def no_unsubscribe(d: Declaration) -> Iterator[Finding]:
    if _sends_email(d) and d.marketing.unsubscribe == "none":
        yield (("marketing", "unsubscribe"), "marketing email is sent with no way to unsubscribe")


@rule(
    "TROTH134",
    "warning",
    "marketing email gives no postal address",
    """
    Commercial email must include the sender's valid physical postal address (CAN-SPAM
    Act, 15 U.S.C. §7704(a)(5)(A)(iii)), and electronic marketing must not conceal the
    sender's identity (PECR reg. 23; ePrivacy Art. 13(4)). Give `marketing.postal_address`
    or `organization.postal_address`.
    """,
)
def no_postal_address(d: Declaration) -> Iterator[Finding]:
    if _sends_email(d) and d.marketing.postal_address is None and d.organization.postal_address is None:
        yield (("marketing",), "marketing email is sent, but no postal address is declared to put in it")


@rule(
    "TROTH135",
    "warning",
    "a newsletter relies on legitimate interests for an EU/UK audience",
    """
    Unsolicited marketing email to individuals needs their prior consent (ePrivacy
    Art. 13(1); PECR reg. 22(2)). The only exception, the "soft opt-in", covers a
    business's own similar products sent to existing customers whose details were
    obtained in a sale, with a refusal offered at collection and in every message
    (Art. 13(2); reg. 22(3)). A newsletter open to anyone must rest on consent.
    """,
)
def newsletter_without_consent(d: Declaration) -> Iterator[Finding]:
    if not eu_audience(d):
        return
    for i, newsletter in enumerate(d.marketing.newsletters):
        if newsletter.lawful_basis == "legitimate_interests":
            yield (
                ("marketing", "newsletters", i, "lawful_basis"),
                f"newsletter `{newsletter.id}` is sent on legitimate interests; outside the soft opt-in "
                "for existing customers it needs consent",
            )


@rule(
    "TROTH142",
    "info",
    "newsletter consent is collected without double opt-in",
    """
    The controller must be able to prove consent (GDPR Art. 7(1)). For email sign-ups, a
    confirmation message the subscriber must click (double opt-in) is the accepted proof
    that the address belongs to the person who consented: German courts require it
    (BGH, 10 Feb. 2011, I ZR 164/09) and the CNIL recommends it. Set
    `marketing.double_opt_in: true`.
    """,
)
def single_opt_in(d: Declaration) -> Iterator[Finding]:
    if not eu_audience(d) or d.marketing.double_opt_in:
        return
    for i, newsletter in enumerate(d.marketing.newsletters):
        if newsletter.lawful_basis == "consent":
            yield (
                ("marketing", "newsletters", i),
                f"sign-ups to `{newsletter.id}` are not confirmed by double opt-in",
            )
            return
