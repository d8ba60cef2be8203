"""The fast path of `POST /api/v1/consent`: the busiest public endpoint, answered without the router.

Every visitor's choice goes through this one endpoint, so it is served by a
plain ASGI middleware: it reads the body, validates it once with
`ConsentSubmission.model_validate_json`, records it through the same
`prepare` and `commit` as the route and writes a ready-made JSON answer. It skips
route matching over every other path, dependency resolution and response-model
serialisation, which together cost far more than the decision itself.

Anything off the common path (another content type, a body that does not
validate, a category the banner does not know) is handed on unchanged to the
regular FastAPI route, which answers with troth's usual error documents; that
route also describes the endpoint in the OpenAPI document.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from troth._errors import TrothError
from troth.consent._events import ConsentSubmission, InvalidConsentError, PreparedEvent
from troth.consent._recording import commit, prepare
from troth.consent._routes import site
from troth.web._runtime import Runtime

__all__ = ["ConsentIngest"]

PATH = "/api/v1/consent"


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole request body, and the messages it came in (to replay them to the app)."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return b"".join(chunks), messages
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _answer(status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]]) -> list[Message]:
    # The same compact JSON as FastAPI's JSONResponse.
    content = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    headers = [
        (b"content-length", str(len(content)).encode()),
        (b"content-type", b"application/json"),
        *extra,
    ]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": content},
    ]


class ConsentIngest:
    """ASGI middleware answering `POST /api/v1/consent` directly; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for name, value in reversed(scope["headers"]):  # the first of repeated headers wins, as in Starlette
            headers[name.decode("latin-1")] = value.decode("latin-1")
        body, messages = await _read_body(receive)
        runtime: Runtime = scope["app"].state.runtime
        current = site(runtime)
        client = scope.get("client")
        event: PreparedEvent | None = None
        if headers.get("content-type", "").split(";")[0].strip() == "application/json":
            try:
                submission = ConsentSubmission.model_validate_json(body)
                event = prepare(
                    runtime,
                    current.config,
                    submission,
                    client_host=client[0] if client else "",
                    headers=headers,
                )
            except (ValidationError, InvalidConsentError):
                event = None  # the route refuses it in troth's words
        if event is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        extra: list[tuple[bytes, bytes]] = []
        origin = headers.get("origin", "")
        if origin and origin == current.config.site_origin:
            extra = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
        try:
            answer = await commit(runtime, current.config, event)
        except TrothError as exc:
            # troth's own error document, from the handler the app installed for TrothError.
            handler = scope["app"].exception_handlers[TrothError]
            response = await handler(Request(scope, _replay(messages, receive)), exc)
            await response(scope, receive, send)
            return
        for message in _answer(201, answer, extra):
            await send(message)
