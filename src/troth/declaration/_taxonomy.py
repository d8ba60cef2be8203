"""The built-in taxonomy of personal-data categories.

Categories form a dotted hierarchy (`contact.email` is a kind of `contact`).
A declaration may use any built-in id and add its own under `data_categories`.
Labels are the plain-language names shown to people in the policy and in
exports; `sensitive` marks GDPR Art. 9/10 data and CPRA "sensitive personal
information".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BUILTIN_CATEGORIES", "Category", "ancestors", "is_within"]


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    description: str = ""
    sensitive: bool = False


def _c(id: str, label: str, description: str = "", *, sensitive: bool = False) -> Category:
    return Category(id=id, label=label, description=description, sensitive=sensitive)


_ALL: tuple[Category, ...] = (
    _c("identity", "Identity", "Who you are."),
    _c("identity.name", "Name"),
    _c("identity.name.first", "First name"),
    _c("identity.name.last", "Last name"),
    _c("identity.username", "Username"),
    _c("identity.user_id", "Account identifier"),
    _c("identity.date_of_birth", "Date of birth"),
    _c("identity.gender", "Gender"),
    _c("identity.photo", "Photo or avatar"),
    _c("identity.government_id", "Government identifier", "Passport, ID card or tax number.", sensitive=True),
    _c("identity.signature", "Signature"),
    _c("contact", "Contact details"),
    _c("contact.email", "Email address"),
    _c("contact.phone", "Phone number"),
    _c("contact.postal_address", "Postal address"),
    _c("contact.social_handle", "Social media handle"),
    _c("account", "Account data"),
    _c("account.credentials", "Password and login credentials"),
    _c("account.preferences", "Settings and preferences"),
    _c("account.membership", "Membership and subscription status"),
    _c("professional", "Professional information"),
    _c("professional.employer", "Employer or organisation"),
    _c("professional.job_title", "Job title"),
    _c("professional.certification", "Certificates and qualifications"),
    _c("financial", "Financial information"),
    _c("financial.payment_card", "Payment card details"),
    _c("financial.bank_account", "Bank account details"),
    _c("financial.billing_address", "Billing address"),
    _c("financial.transactions", "Purchases and transactions"),
    _c("financial.invoices", "Invoices"),
    _c("device", "Device information"),
    _c("device.ip_address", "IP address"),
    _c("device.browser", "Browser type and version"),
    _c("device.operating_system", "Operating system"),
    _c("device.identifier", "Device identifier"),
    _c("device.time_zone", "Time zone"),
    _c("device.cookie_id", "Cookie identifiers"),
    _c("usage", "Usage of the site"),
    _c("usage.pages_viewed", "Pages viewed"),
    _c("usage.search_terms", "Search terms"),
    _c("usage.interactions", "How you interact with the site"),
    _c("usage.visit_times", "Time and date of visits"),
    _c("usage.referrer", "Referring site"),
    _c("usage.watch_history", "Viewing history"),
    _c("usage.logs", "Server and error logs"),
    _c("location", "Location"),
    _c("location.approximate", "Approximate location"),
    _c("location.precise", "Precise location", sensitive=True),
    _c("content", "Content you provide"),
    _c("content.user_posts", "Posts and comments"),
    _c("content.messages", "Messages and support conversations"),
    _c("content.uploads", "Files you upload"),
    _c("content.reviews", "Reviews"),
    _c("content.form_submissions", "Form submissions"),
    _c("commercial", "Commercial information"),
    _c("commercial.orders", "Orders"),
    _c("commercial.products_interested", "Products you are interested in"),
    _c("marketing", "Marketing data"),
    _c("marketing.preferences", "Marketing preferences"),
    _c("marketing.consent_records", "Consent records"),
    _c("marketing.campaign_interactions", "Email opens and clicks"),
    _c("inference", "Inferences and profiles"),
    _c("inference.profile", "Profile drawn from your activity"),
    _c("children", "Children's data"),
    _c("children.age", "Age"),
    _c("children.parental_consent", "Parental consent record"),
    _c("special", "Special categories", "GDPR Art. 9 data.", sensitive=True),
    _c("special.health", "Health data", sensitive=True),
    _c("special.biometric", "Biometric data", sensitive=True),
    _c("special.genetic", "Genetic data", sensitive=True),
    _c("special.racial_ethnic_origin", "Racial or ethnic origin", sensitive=True),
    _c("special.political_opinions", "Political opinions", sensitive=True),
    _c("special.religious_beliefs", "Religious or philosophical beliefs", sensitive=True),
    _c("special.trade_union", "Trade union membership", sensitive=True),
    _c("special.sex_life", "Sex life or sexual orientation", sensitive=True),
    _c("special.criminal", "Criminal convictions and offences", sensitive=True),
)

BUILTIN_CATEGORIES: dict[str, Category] = {c.id: c for c in _ALL}


def ancestors(category_id: str) -> list[str]:
    """`a.b.c` -> [`a.b`, `a`]: the categories this one is a kind of."""
    parts = category_id.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def is_within(category_id: str, other: str) -> bool:
    """True when `category_id` is `other` or one of its descendants."""
    return category_id == other or category_id.startswith(other + ".")
