"""The privacy center's words in the declaration's languages (English is the fallback).

Pages call `t("English text", **values)`; a language missing a phrase shows
the English one rather than nothing.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["CATALOGUES", "choose_language", "translator"]

_DE: dict[str, str] = {
    "Privacy center": "Datenschutz-Center",
    "Make a request about your personal data": "Eine Anfrage zu Ihren personenbezogenen Daten stellen",
    "Where do you live?": "Wo wohnen Sie?",
    "Continue": "Weiter",
    "What would you like to do?": "Was möchten Sie tun?",
    "Your email address": "Ihre E-Mail-Adresse",
    "We send a one-time code to this address to confirm it is you.": (
        "Wir senden einen Einmalcode an diese Adresse, um zu bestätigen, dass Sie es sind."
    ),
    "Corrections (for a correction request)": "Korrekturen (bei einer Berichtigung)",
    "Which data is wrong": "Welche Angabe ist falsch",
    "The correct value": "Der richtige Wert",
    "Anything we should know? (optional)": "Möchten Sie uns noch etwas mitteilen? (optional)",
    "I am an authorized agent acting for this person": "Ich handle als bevollmächtigte Person",
    "Agent name": "Name der bevollmächtigten Person",
    "Agent email": "E-Mail der bevollmächtigten Person",
    "Signed permission document": "Unterschriebene Vollmacht",
    "Send request": "Anfrage senden",
    "Check your email": "Sehen Sie in Ihr E-Mail-Postfach",
    "If this address can receive email, a code is on its way. Enter it here:": (
        "Wenn diese Adresse E-Mails empfangen kann, ist ein Code unterwegs. Geben Sie ihn hier ein:"
    ),
    "Code": "Code",
    "Confirm": "Bestätigen",
    "Send a new code": "Neuen Code senden",
    "Wrong code. Attempts left: {n}.": "Falscher Code. Verbleibende Versuche: {n}.",
    "Too many wrong codes: this request is locked. Please make a new request.": (
        "Zu viele falsche Codes: Diese Anfrage ist gesperrt. Bitte stellen Sie eine neue Anfrage."
    ),
    "This code has expired. Ask for a new one.": "Dieser Code ist abgelaufen. Fordern Sie einen neuen an.",
    "Your request": "Ihre Anfrage",
    "Reference": "Referenz",
    "Status": "Status",
    "Received": "Eingegangen",
    "We will answer by": "Wir antworten bis",
    "Download your data": "Ihre Daten herunterladen",
    "Email me a code to download": "Code zum Herunterladen per E-Mail senden",
    "Download": "Herunterladen",
    "Something needs fixing:": "Bitte korrigieren Sie:",
    "Confirm your request": "Anfrage bestätigen",
}

_FR: dict[str, str] = {
    "Privacy center": "Centre de confidentialité",
    "Make a request about your personal data": "Faire une demande concernant vos données personnelles",
    "Where do you live?": "Où habitez-vous ?",
    "Continue": "Continuer",
    "What would you like to do?": "Que souhaitez-vous faire ?",
    "Your email address": "Votre adresse e-mail",
    "We send a one-time code to this address to confirm it is you.": (
        "Nous envoyons un code à usage unique à cette adresse pour confirmer qu'il s'agit bien de vous."
    ),
    "Send request": "Envoyer la demande",
    "Check your email": "Consultez vos e-mails",
    "Code": "Code",
    "Confirm": "Confirmer",
    "Send a new code": "Envoyer un nouveau code",
    "Wrong code. Attempts left: {n}.": "Code incorrect. Essais restants : {n}.",
    "Your request": "Votre demande",
    "Reference": "Référence",
    "Status": "Statut",
    "Received": "Reçue",
    "We will answer by": "Nous répondrons avant le",
    "Download your data": "Télécharger vos données",
    "Download": "Télécharger",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": {}, "de": _DE, "fr": _FR}


def choose_language(offered: list[str], asked: str = "", accept_language: str = "") -> str:
    """The page language: `?lang=` if offered, else the browser's first offered preference, else the first."""
    if asked in offered:
        return asked
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()
        for candidate in (code, code.split("-")[0]):
            if candidate in offered:
                return candidate
    return offered[0] if offered else "en"


def translator(language: str) -> Callable[..., str]:
    catalogue = CATALOGUES.get(language, {})

    def t(text: str, **values: object) -> str:
        return catalogue.get(text, text).format(**values) if values else catalogue.get(text, text)

    return t
