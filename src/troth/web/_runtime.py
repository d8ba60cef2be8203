"""What a running troth holds: settings, the store, and the live declaration.

The declaration is swapped only for one that loads and passes `troth check`
(no lint errors); a broken edit is reported and the old version stays live.
Every successful load publishes a policy version when the content changed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from troth._errors import ConfigurationError, DeclarationError, StoreError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from troth.declaration import LoadedDeclaration
    from troth.settings import Settings

__all__ = ["ReloadResult", "Runtime", "load_checked"]

log = logging.getLogger("troth")


def load_checked(path: Path) -> LoadedDeclaration:
    """Load `path` and refuse it when `troth check` reports an error."""
    from troth.declaration import _lint, read

    loaded = read(path)
    errors = [problem for problem in _lint.run(loaded) if problem.severity == "error"]
    if errors:
        raise DeclarationError(errors)
    return loaded


@dataclass(frozen=True)
class ReloadResult:
    digest: str
    published_version: int | None

    def describe(self) -> str:
        if self.published_version is None:
            return "declaration reloaded; content unchanged"
        return f"declaration reloaded; published policy version {self.published_version}"


class Runtime:
    """The state one troth process serves from."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], loaded: LoadedDeclaration
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self._loaded = loaded
        self._lock = threading.Lock()

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        """Load the declaration (it must pass `troth check`), open the store, publish its version."""
        from troth.store import open_store

        if settings.declaration_path is None:
            raise ConfigurationError("no declaration: give --config troth.yaml")
        from sqlalchemy.exc import SQLAlchemyError

        loaded = load_checked(settings.declaration_path)
        sessions = open_store(settings)
        runtime = cls(settings, sessions, loaded)
        try:
            runtime._publish(loaded, actor="system")
        except SQLAlchemyError as exc:
            sessions.kw["bind"].dispose()
            raise StoreError(
                f"troth's store at {settings.database_url} does not answer as expected: "
                f"{getattr(exc, 'orig', exc)}; run `troth db upgrade`, or start from an empty store"
            ) from None
        return runtime

    @property
    def loaded(self) -> LoadedDeclaration:
        return self._loaded

    @property
    def secret(self) -> str:
        return self.settings.secret_key

    def reload(self, *, actor: str = "system") -> ReloadResult:
        """Re-read the declaration; on any problem raise and keep the current one live."""
        assert self.settings.declaration_path is not None
        with self._lock:
            try:
                loaded = load_checked(self.settings.declaration_path)
            except DeclarationError as exc:
                self._audit(
                    actor, "declaration.reload_refused", {"problems": len(exc.problems), "first": exc.message}
                )
                raise
            number = self._publish(loaded, actor=actor)
            self._loaded = loaded
        self._audit(actor, "declaration.reload", {"digest": loaded.digest, "published_version": number})
        return ReloadResult(digest=loaded.digest, published_version=number)

    def _audit(self, actor: str, action: str, detail: dict[str, object]) -> None:
        from troth import audit

        with self.sessions.begin() as session:
            audit.record(session, secret=self.secret, actor=actor, action=action, detail=detail)

    def reload_logged(self) -> None:
        """SIGHUP: reload, and log instead of raising (a signal has nobody to answer)."""
        try:
            log.info(self.reload(actor="signal:SIGHUP").describe())
        except DeclarationError as exc:
            log.error("declaration NOT reloaded, the previous one stays live:\n%s", _problems(exc))
        except Exception:
            log.exception("declaration NOT reloaded, the previous one stays live")

    def _publish(self, loaded: LoadedDeclaration, *, actor: str) -> int | None:
        from sqlalchemy.exc import IntegrityError

        try:
            return self._publish_once(loaded, actor=actor)
        except IntegrityError:
            # Another replica published the same content a moment earlier (same version
            # number): read again, and there is nothing left to publish.
            return self._publish_once(loaded, actor=actor)

    def _publish_once(self, loaded: LoadedDeclaration, *, actor: str) -> int | None:
        from troth import audit
        from troth.notice._versions import publish

        with self.sessions.begin() as session:
            version = publish(session, loaded)
            if version is None:
                return None
            audit.record(
                session,
                secret=self.secret,
                actor=actor,
                action="policy.publish",
                detail={
                    "version": version.number,
                    "label": version.label,
                    "effective_date": version.effective_date.isoformat(),
                    "material": version.material,
                },
            )
            return version.number


def _problems(exc: DeclarationError) -> str:
    return "\n".join(problem.render() for problem in exc.problems)
