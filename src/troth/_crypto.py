"""Keyed hashes and encryption from the one secret key.

Every use derives its own sub-key from `TROTH_SECRET_KEY` with HKDF and a
purpose label, so a hash made for the audit log cannot be matched against one
made for the consent ledger, and rotating one use never weakens another.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from troth._errors import VerificationError

__all__ = ["constant_time_equal", "decrypt", "derive_key", "encrypt", "keyed_hash", "new_token", "token_hash"]


@functools.lru_cache(maxsize=64)
def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte sub-key of `secret` for one `purpose` (e.g. "audit.subject")."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"troth.v1", info=purpose.encode())
    return hkdf.derive(secret.encode())


def keyed_hash(secret: str, value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of `value` under the sub-key for `purpose`, as hex."""
    return hmac.new(derive_key(secret, purpose), value.encode(), hashlib.sha256).hexdigest()


def _fernet(secret: str, purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret, purpose)))


def encrypt(secret: str, data: bytes, *, purpose: str) -> bytes:
    """Authenticated encryption (Fernet) of `data` under the sub-key for `purpose`."""
    return _fernet(secret, purpose).encrypt(data)


def decrypt(secret: str, token: bytes, *, purpose: str) -> bytes:
    try:
        return _fernet(secret, purpose).decrypt(token)
    except InvalidToken:
        raise VerificationError(
            f"cannot decrypt {purpose} data: it was encrypted with another secret key or altered"
        ) from None


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe token (API tokens, consent ids, download links)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """How a bearer token is stored: SHA-256, since the token itself is random and long."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
