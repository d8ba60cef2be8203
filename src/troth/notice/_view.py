"""What the policy and the registers say, worked out once from a declaration.

`PolicyView` answers the questions the templates and the registers ask
("which recipients serve this purpose?", "how long is this category kept?"),
so that no template walks the declaration's cross-references itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from troth.declaration import JURISDICTIONS, RIGHTS, Cookie, Declaration, Purpose, Recipient, RetentionRule
from troth.declaration._countries import EEA, needs_transfer_safeguard
from troth.declaration._country_names import country_name
from troth.declaration._jurisdictions import GDPR_LAWS, US_STATE_LAWS
from troth.declaration._sections import Address, Contact, RequestChannel
from troth.declaration._taxonomy import is_within
from troth.notice._outline import Section, outline
from troth.notice._wording import (
    BASES,
    BREACH_CHANNELS,
    CHANNELS,
    COOKIE_CATEGORIES,
    COOKIE_CATEGORY_WORDS,
    ROLES,
    SAFEGUARD_NAMES,
    SAFEGUARDS,
    SOURCES,
    SOURCES_SHORT,
    VERIFICATION,
    and_list,
    deadline_words,
    is_international,
    lifetime_words,
    retention_words,
)

__all__ = ["CategoryRow", "PolicyView", "RightsBlock"]


@dataclass(frozen=True)
class CategoryRow:
    id: str
    label: str
    description: str
    sensitive: bool
    sources: list[str]
    purposes: list[str]

    @property
    def cells(self) -> list[str]:
        """The row of the table of data collected: what, where it comes from, what for."""
        what = self.label + (f" ({self.description.rstrip('.')})" if self.description else "")
        if self.sensitive:
            what += ": sensitive data, which the law protects more strictly"
        where = and_list(self.sources)
        return [what, where[:1].upper() + where[1:], and_list(self.purposes)]


@dataclass(frozen=True)
class RightsBlock:
    jurisdiction: str
    name: str
    rights: list[tuple[str, str]]  # (right id, plain words)
    deadline: str
    acknowledge_business_days: int


def _overlaps(a: list[str], b: list[str]) -> bool:
    return any(is_within(x, y) or is_within(y, x) for x in a for y in b)


class PolicyView:
    """The declaration as the policy reads it."""

    def __init__(self, declaration: Declaration) -> None:
        self.d = declaration
        self.org = declaration.organization

    @cached_property
    def sections(self) -> list[Section]:
        return outline(self.d)

    @property
    def language(self) -> str:
        return self.d.policy.languages[0] if self.d.policy.languages else "en"

    def country(self, code: str) -> str:
        return country_name(code)

    def countries(self, codes: list[str]) -> str:
        return and_list([country_name(c) for c in codes])

    def address(self, address: Address) -> str:
        parts = [
            address.street,
            address.locality,
            " ".join(p for p in (address.region, address.postal_code) if p),
        ]
        return ", ".join([*(p for p in parts if p), country_name(address.country, article=False)])

    def contact_line(self, contact: Contact) -> str:
        """A contact's ways to be reached, in one line: email, phone, address, web page."""
        parts = [str(contact.email) if contact.email else "", contact.phone]
        if contact.postal_address:
            parts.append(self.address(contact.postal_address))
        if contact.url:
            parts.append(str(contact.url))
        return "; ".join(p for p in parts if p) or "through our own contact details"

    def jurisdiction_name(self, jurisdiction: str) -> str:
        return JURISDICTIONS[jurisdiction].name if jurisdiction in JURISDICTIONS else jurisdiction

    def basis(self, purpose: Purpose) -> str:
        return BASES[purpose.lawful_basis]

    def label(self, category_id: str) -> str:
        return self.d.category_label(category_id)

    def labels(self, category_ids: list[str]) -> str:
        return and_list([self.label(c) for c in category_ids])

    # ------------------------------------------------------------ collection

    @cached_property
    def categories(self) -> list[CategoryRow]:
        """Every category the site processes, first-mention order, with how it is obtained and why."""
        order: dict[str, None] = dict.fromkeys(self.d.used_categories)
        for recipient in self.d.recipients:
            order.update(dict.fromkeys(recipient.categories))
        for dataset in self.d.datasets:
            for collection in dataset.collections:
                for fld in collection.fields:
                    order.update(dict.fromkeys(fld.categories))
        rows = []
        for category_id in order:
            users = [p for p in self.d.purposes if _overlaps([category_id], p.categories)]
            sources = dict.fromkeys(s for p in users for s in p.sources)
            found = self.d.categories.get(category_id)
            rows.append(
                CategoryRow(
                    id=category_id,
                    label=self.label(category_id),
                    description=found.description if found else "",
                    sensitive=bool(found and found.sensitive),
                    sources=[SOURCES_SHORT[s] for s in sources],
                    purposes=[p.name for p in users],
                )
            )
        return rows

    def subjects(self, purpose: Purpose) -> str:
        known = {s.id: s.label for s in self.d.data_subjects}
        return and_list([known.get(s, s) for s in purpose.subjects])

    def sources(self, purpose: Purpose) -> str:
        return and_list([SOURCES[s] for s in purpose.sources])

    # ------------------------------------------------------------ recipients and transfers

    def serves(self, recipient: Recipient, purpose: Purpose) -> bool:
        """A recipient serves the purposes it lists; one that lists none, those its categories touch."""
        if recipient.purposes:
            return purpose.id in recipient.purposes
        if recipient.categories:
            return _overlaps(recipient.categories, purpose.categories)
        return True

    def recipients_of(self, purpose: Purpose) -> list[Recipient]:
        return [r for r in self.d.recipients if self.serves(r, purpose)]

    def purposes_of(self, recipient: Recipient) -> list[Purpose]:
        return [p for p in self.d.purposes if self.serves(recipient, p)]

    def sold_words(self, purpose: Purpose) -> str:
        return and_list([w for w, on in (("sell", purpose.sold), ("share", purpose.shared)) if on], "and")

    @property
    def recipient_rows(self) -> list[list[str]]:
        rows = []
        for r in self.d.recipients:
            data = self.labels(self.received(r))
            if not self.international(r):
                safeguard = "Not needed"
            elif r.transfer_safeguard:
                safeguard = SAFEGUARD_NAMES[r.transfer_safeguard]
            else:
                safeguard = "Not needed: adequate protection" if self.adequate(r) else "None stated"
            rows.append(
                [r.name, ROLES[r.role], r.service, data, country_name(r.country, article=False), safeguard]
            )
        return rows

    def received(self, recipient: Recipient) -> list[str]:
        """The categories a recipient receives: as declared, or else everything its purposes use."""
        if recipient.categories:
            return list(recipient.categories)
        return list(dict.fromkeys(c for p in self.purposes_of(recipient) for c in p.categories))

    def adequate(self, recipient: Recipient) -> bool:
        """Whether EU / UK law already treats the recipient's country as protecting data adequately."""
        return self.eu_served and not needs_transfer_safeguard(
            recipient.country, jurisdictions=self.d.jurisdictions
        )

    def safeguard_words(self, recipient: Recipient) -> str:
        if recipient.transfer_safeguard is None and self.adequate(recipient):
            return "no further safeguard is needed, as the law there is recognised as protecting personal data adequately"
        if recipient.transfer_safeguard is None:
            return "we rely on no specific transfer safeguard"
        return f"we rely on {SAFEGUARDS[recipient.transfer_safeguard]}"

    @property
    def copy_of_safeguards(self) -> bool:
        return any(r.transfer_safeguard in {"scc", "uk_idta", "bcr"} for r in self.transfers)

    @property
    def home_region(self) -> str:
        return "the European Economic Area" if self.org.country in EEA else country_name(self.org.country)

    def international(self, recipient: Recipient) -> bool:
        return is_international(recipient.country, home=self.org.country, jurisdictions=self.d.jurisdictions)

    @property
    def transfers(self) -> list[Recipient]:
        return [r for r in self.d.recipients if self.international(r)]

    @property
    def processing_abroad(self) -> list[str]:
        return [
            c
            for c in self.org.processing_countries
            if is_international(c, home=self.org.country, jurisdictions=self.d.jurisdictions)
        ]

    # ------------------------------------------------------------ cookies

    @property
    def cookie_groups(self) -> list[tuple[str, str, list[Cookie]]]:
        """(category id, plain name, cookies) in a fixed order: necessary first."""
        groups = []
        for category, name in COOKIE_CATEGORIES.items():
            cookies = [c for c in self.d.cookies if c.category == category]
            if cookies:
                groups.append((category, name, cookies))
        return groups

    @property
    def cookie_categories(self) -> list[tuple[str, str]]:
        """(category id, plain name) of every category in use: by a cookie, a script, or a consent purpose."""
        used: set[str] = {c.category for c in self.d.cookies} | {s.category for s in self.d.scripts}
        used |= {p.consent_category for p in self.consent_purposes if p.consent_category}
        return [(category, name) for category, name in COOKIE_CATEGORIES.items() if category in used]

    @property
    def cookie_rows(self) -> list[list[str]]:
        rows = []
        for _, category, cookies in self.cookie_groups:
            for c in cookies:
                kind = "" if c.type == "cookie" else f" ({c.type.replace('_', ' ')})"
                party = "First" if c.party == "first" else "Third"
                rows.append(
                    [c.name + kind, c.provider, category, c.purpose, lifetime_words(c.lifetime), party]
                )
        return rows

    def cookie_category(self, category: str) -> str:
        return COOKIE_CATEGORIES.get(category, category)

    def cookie_category_words(self, category: str) -> str:
        return COOKIE_CATEGORY_WORDS[category]

    def scripts_waiting(self) -> list[tuple[str, str, str, str]]:
        """(name, category it waits for, provider, purpose) for every script held back until consent."""
        return [
            (s.name, COOKIE_CATEGORIES[s.category], s.provider, s.purpose)
            for s in self.d.scripts
            if s.category != "necessary"
        ]

    @property
    def privacy_choices_label(self) -> str:
        texts = self.d.consent.texts.get(self.language)
        return texts.privacy_choices if texts and texts.privacy_choices else "Privacy choices"

    @property
    def consent_purposes(self) -> list[Purpose]:
        return [p for p in self.d.purposes if p.lawful_basis == "consent"]

    # ------------------------------------------------------------ retention

    def retention(self, rule: RetentionRule) -> str:
        return retention_words(rule)

    def covers(self, rule: RetentionRule) -> str:
        return and_list([*(self.label(c) for c in rule.categories), *rule.collections])

    def covers_in(self, rule: RetentionRule, purpose: Purpose) -> str:
        """The part of a purpose's data a rule covers: a purpose states how long its own data is kept."""
        ids = [c for c in purpose.categories if any(is_within(c, r) for r in rule.categories)]
        ids += [r for r in rule.categories if any(is_within(r, c) for c in purpose.categories)]
        return self.labels(list(dict.fromkeys(ids)))

    def rules_for(self, purpose: Purpose) -> list[RetentionRule]:
        return [r for r in self.d.retention if r.categories and _overlaps(r.categories, purpose.categories)]

    @property
    def without_retention(self) -> list[str]:
        """Labels of categories no retention rule covers (a rule on a parent category covers its children)."""
        covered = [c for r in self.d.retention for c in r.categories]
        return [row.label for row in self.categories if not any(is_within(row.id, c) for c in covered)]

    # ------------------------------------------------------------ rights

    @cached_property
    def rights_blocks(self) -> list[RightsBlock]:
        blocks = []
        for jurisdiction in self.org.jurisdictions:
            rules = JURISDICTIONS[jurisdiction]
            offer = self.d.rights.jurisdictions.get(jurisdiction)
            offered = offer.offered if offer else list(rules.rights)
            blocks.append(
                RightsBlock(
                    jurisdiction=jurisdiction,
                    name=rules.name,
                    rights=[(r, RIGHTS[r]) for r in offered if r in RIGHTS],
                    deadline=deadline_words(jurisdiction, offer.deadline_days if offer else None),
                    acknowledge_business_days=rules.acknowledge_business_days,
                )
            )
        return blocks

    def channel(self, channel: RequestChannel) -> str:
        return CHANNELS[channel.kind]

    @property
    def verification(self) -> str:
        check = self.d.rights.verification
        ways = [VERIFICATION[m] for m in check.methods]
        if "email_code" in check.methods:
            at = check.methods.index("email_code")
            ways[at] += f" (it works for {check.code_ttl_minutes} minutes)"
        return and_list(ways, "or")

    @property
    def complaint_right(self) -> bool:
        return any(right == "complaint" for block in self.rights_blocks for right, _ in block.rights)

    @property
    def breach_channels(self) -> str:
        return and_list([BREACH_CHANNELS[c] for c in self.d.security.breach_channels], "and")

    @property
    def change_notices(self) -> str:
        """ ", and we email you about it" etc.: how people hear of a change, as the end of a sentence."""
        policy = self.d.policy
        ways = [
            "email you about it" if policy.notify_changes_by_email else "",
            "show a notice of the change on the site" if policy.notify_changes_on_site else "",
        ]
        said = and_list(ways)
        return f", and we {said}" if said else ""

    @property
    def eu_served(self) -> bool:
        return bool(self.d.jurisdictions & GDPR_LAWS)

    @property
    def us_served(self) -> bool:
        return bool(self.d.jurisdictions & US_STATE_LAWS)

    def served(self, jurisdiction: str) -> bool:
        return jurisdiction in self.d.jurisdictions

    @property
    def sold_or_shared(self) -> list[Purpose]:
        return [p for p in self.d.purposes if p.sold or p.shared]

    @property
    def sensitive_used(self) -> list[str]:
        return [row.label for row in self.categories if row.sensitive]
