"""What the request services need from the running troth, passed explicitly to each call."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from troth._crypto import decrypt, encrypt, keyed_hash
from troth.declaration import Declaration
from troth.jobs import Dispatcher
from troth.settings import Settings

__all__ = ["ContextProvider", "RequestContext", "identity_hash", "status_token_for"]


def identity_hash(secret: str, email: str) -> str:
    """How an address is looked up (rate limits, minimised records) without being stored."""
    return keyed_hash(secret, email.strip().lower(), purpose="dsr.identity")


def status_token_for(secret: str, request_id: str) -> str:
    """The capability in a request's status link: derived, so every email can carry it."""
    return keyed_hash(secret, request_id, purpose="dsr.status")[:32]


@dataclass(frozen=True)
class RequestContext:
    """The settings, the live declaration and where to send background steps."""

    settings: Settings
    declaration: Declaration
    dispatcher: Dispatcher | None = None

    @property
    def secret(self) -> str:
        return self.settings.secret_key

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def seal(self, value: dict[str, Any]) -> bytes:
        return encrypt(self.secret, json.dumps(value).encode(), purpose="dsr.record")

    def unseal(self, sealed: bytes | None) -> dict[str, Any]:
        if sealed is None:
            return {}
        loaded: dict[str, Any] = json.loads(decrypt(self.secret, sealed, purpose="dsr.record"))
        return loaded

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def status_url(self, request_id: str) -> str:
        return self.url(
            f"/privacy-center/requests/{request_id}?s={status_token_for(self.secret, request_id)}"
        )

    def staff_address(self) -> str:
        """Where reminders to staff go: the request channel's address, else the contact address."""
        for channel in self.declaration.rights.channels:
            if channel.kind == "email" and "@" in channel.address:
                return channel.address
        return str(self.declaration.organization.contact_email)


#: the live context (the declaration may be reloaded while workers run)
ContextProvider = Callable[[], RequestContext]
