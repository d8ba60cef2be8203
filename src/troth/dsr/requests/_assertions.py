"""Signed identity assertions: the site's back end vouches for a signed-in person.

The site signs a JWT (HS256) with the shared key troth derives from its
secret (shown to admins in the console) and passes it with the request:

    {"email": "ana@example.com", "sub": "user-42", "aud": "troth", "iat": ..., "exp": ...}

troth accepts it as verified identity when the signature, audience and
expiry check out. Lifetimes are capped so a leaked assertion is short-lived.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from troth._crypto import constant_time_equal, derive_key
from troth._errors import VerificationError

__all__ = [
    "AUDIENCE",
    "MAX_LIFETIME_SECONDS",
    "AssertedIdentity",
    "assertion_key",
    "sign_assertion",
    "verify_assertion",
]

AUDIENCE = "troth"
MAX_LIFETIME_SECONDS = 900
_LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class AssertedIdentity:
    email: str
    user_id: str


def assertion_key(secret: str) -> str:
    """The shared key the site signs assertions with (derived, so it needs no setting of its own)."""
    return base64.urlsafe_b64encode(derive_key(secret, "dsr.assertion")).decode().rstrip("=")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise VerificationError("the identity assertion is not valid base64url") from None


def sign_assertion(key: str, claims: dict[str, Any]) -> str:
    """Sign `claims` as an HS256 JWT (what a site's back end does; used in tests and examples)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _claims(token: str, key: str) -> dict[str, Any]:
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise VerificationError("the identity assertion is not a JWT (header.payload.signature)")
    header_b64, payload_b64, signature_b64 = parts
    try:
        header = json.loads(_unb64(header_b64))
        claims = json.loads(_unb64(payload_b64))
    except json.JSONDecodeError:
        raise VerificationError("the identity assertion does not hold JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise VerificationError("the identity assertion must be signed with HS256")
    expected = hmac.new(key.encode(), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
    if not constant_time_equal(_b64(expected), signature_b64):
        raise VerificationError("the identity assertion's signature does not match the shared key")
    if not isinstance(claims, dict):
        raise VerificationError("the identity assertion's payload must be a JSON object")
    return claims


def verify_assertion(token: str, key: str, *, now: float | None = None) -> AssertedIdentity:
    """Check signature, audience and lifetime; the verified email (and user id, if given)."""
    claims = _claims(token, key)
    now = time.time() if now is None else now
    if claims.get("aud") != AUDIENCE:
        raise VerificationError(f'the identity assertion must carry "aud": "{AUDIENCE}"')
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise VerificationError("the identity assertion needs numeric `iat` and `exp` claims")
    if expires < now - _LEEWAY_SECONDS:
        raise VerificationError("the identity assertion has expired; sign a fresh one for each request")
    if issued > now + _LEEWAY_SECONDS or expires - issued > MAX_LIFETIME_SECONDS:
        raise VerificationError(
            f"the identity assertion must be issued now and live at most {MAX_LIFETIME_SECONDS} seconds"
        )
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise VerificationError("the identity assertion needs the person's `email`")
    subject = claims.get("sub", "")
    return AssertedIdentity(email=email.strip(), user_id=str(subject) if subject else "")
