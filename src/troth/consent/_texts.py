"""The banner's wording: troth's own in a few languages, overridden by the declaration's.

A declaration's `consent.texts` gives the wording per language; every field it
leaves empty falls back to troth's wording in that language, then in English.
The words a visitor saw are part of the proof of consent, so `shown_texts`
returns them as one dict and `texts_hash` fingerprints it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from troth.declaration._sections import BannerText

__all__ = ["CATEGORY_ORDER", "DEFAULT_TEXTS", "resolve_texts", "texts_hash"]

#: Consent categories in the order the banner lists them.
CATEGORY_ORDER: tuple[str, ...] = ("functional", "analytics", "advertising", "social", "embedded")

_EN: dict[str, Any] = {
    "title": "Your privacy choices",
    "body": (
        "We use cookies and similar tools. The necessary ones keep the site working; the others run only "
        "if you allow them. You can change your choice at any time."
    ),
    "accept_all": "Accept all",
    "reject_all": "Reject all",
    "customise": "Customise",
    "save": "Save choices",
    "privacy_choices": "Privacy choices",
    "gpc_honoured": "Your browser's opt-out signal was honoured: advertising and sharing stay off.",
    "withdraw": "Withdraw all consent",
    "close": "Close",
    "load": "Load this content",
    "blocked": "{name} is blocked until you allow it ({category}).",
    "labels": {
        "functional": "Functional",
        "analytics": "Analytics",
        "advertising": "Advertising",
        "social": "Social media",
        "embedded": "Embedded content",
    },
    "categories": {
        "functional": "Remember your preferences, such as language.",
        "analytics": "Measure how the site is used so we can improve it.",
        "advertising": "Show and measure advertising, also on other sites.",
        "social": "Let you share pages on social networks.",
        "embedded": "Show videos and other content hosted by other sites.",
    },
}

_FR: dict[str, Any] = {
    "title": "Vos choix de confidentialité",
    "body": (
        "Nous utilisons des cookies et des outils similaires. Les nécessaires font fonctionner le site ; "
        "les autres ne s'activent que si vous les autorisez. Vous pouvez changer d'avis à tout moment."
    ),
    "accept_all": "Tout accepter",
    "reject_all": "Tout refuser",
    "customise": "Personnaliser",
    "save": "Enregistrer",
    "privacy_choices": "Choix de confidentialité",
    "gpc_honoured": "Le signal d'opposition de votre navigateur a été respecté : publicité et partage restent désactivés.",
    "withdraw": "Retirer tout consentement",
    "close": "Fermer",
    "load": "Charger ce contenu",
    "blocked": "{name} est bloqué tant que vous ne l'autorisez pas ({category}).",
    "labels": {
        "functional": "Fonctionnels",
        "analytics": "Mesure d'audience",
        "advertising": "Publicité",
        "social": "Réseaux sociaux",
        "embedded": "Contenus intégrés",
    },
    "categories": {
        "functional": "Mémoriser vos préférences, comme la langue.",
        "analytics": "Mesurer l'utilisation du site pour l'améliorer.",
        "advertising": "Afficher et mesurer la publicité, y compris sur d'autres sites.",
        "social": "Partager des pages sur les réseaux sociaux.",
        "embedded": "Afficher des vidéos et contenus hébergés par d'autres sites.",
    },
}

_DE: dict[str, Any] = {
    "title": "Ihre Datenschutz-Einstellungen",
    "body": (
        "Wir verwenden Cookies und ähnliche Techniken. Die notwendigen halten die Website in Betrieb; die "
        "übrigen laufen nur mit Ihrer Erlaubnis. Sie können Ihre Wahl jederzeit ändern."
    ),
    "accept_all": "Alle akzeptieren",
    "reject_all": "Alle ablehnen",
    "customise": "Anpassen",
    "save": "Auswahl speichern",
    "privacy_choices": "Datenschutz-Einstellungen",
    "gpc_honoured": "Das Opt-out-Signal Ihres Browsers wurde beachtet: Werbung und Weitergabe bleiben aus.",
    "withdraw": "Alle Einwilligungen widerrufen",
    "close": "Schließen",
    "load": "Diesen Inhalt laden",
    "blocked": "{name} ist blockiert, bis Sie es erlauben ({category}).",
    "labels": {
        "functional": "Funktional",
        "analytics": "Statistik",
        "advertising": "Werbung",
        "social": "Soziale Medien",
        "embedded": "Eingebettete Inhalte",
    },
    "categories": {
        "functional": "Ihre Einstellungen speichern, etwa die Sprache.",
        "analytics": "Messen, wie die Website genutzt wird, um sie zu verbessern.",
        "advertising": "Werbung anzeigen und messen, auch auf anderen Websites.",
        "social": "Seiten in sozialen Netzwerken teilen.",
        "embedded": "Videos und Inhalte anderer Websites anzeigen.",
    },
}

#: troth's own wording by language; English is the last fallback.
DEFAULT_TEXTS: dict[str, dict[str, Any]] = {"en": _EN, "fr": _FR, "de": _DE}

_PLAIN_FIELDS = ("title", "body", "accept_all", "reject_all", "customise", "save", "privacy_choices")


def resolve_texts(
    language: str, custom: BannerText | None, categories: Sequence[str], services: dict[str, str]
) -> dict[str, Any]:
    """Every string the banner shows in `language`, for the declared categories and services."""
    base = DEFAULT_TEXTS.get(language.split("-")[0].lower(), _EN)
    texts: dict[str, Any] = {key: value for key, value in base.items() if key not in {"labels", "categories"}}
    if custom is not None:
        for name in (*_PLAIN_FIELDS, "gpc_honoured"):
            value = getattr(custom, name)
            if value:
                texts[name] = value
    described = dict(base["categories"]) | (dict(custom.categories) if custom is not None else {})
    texts["categories"] = {
        category: [base["labels"].get(category, category), described.get(category, "")]
        for category in categories
    }
    texts["services"] = dict(services)
    return texts


def texts_hash(texts: dict[str, Any]) -> str:
    """SHA-256 of the exact texts shown, independent of key order."""
    canonical = json.dumps(texts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
