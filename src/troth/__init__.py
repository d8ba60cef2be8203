"""troth: privacy policy as code.

The public Python API: load a declaration and work with it. Everything else
(server, consent, requests) is reached through the CLI or the web app.
"""

from troth._errors import (
    ConfigurationError,
    ConflictError,
    ConnectorError,
    DeclarationError,
    Location,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    RateLimitedError,
    StoreError,
    TrothError,
    VerificationError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "ConnectorError",
    "DeclarationError",
    "Location",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitedError",
    "StoreError",
    "TrothError",
    "VerificationError",
    "__version__",
]
