"""Every error that reaches a client is rendered here: JSON for the API, a page for browsers.

`TrothError` subclasses carry their HTTP status and code; validation errors
keep FastAPI's documented `detail` list (so the OpenAPI schema stays true) and
add troth's `error` object; anything unexpected is logged with its traceback
and answered with a plain 500 that reveals nothing.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from troth._errors import DeclarationError, PermissionDeniedError, RateLimitedError, TrothError

__all__ = [
    "BadRequestError",
    "ErrorBody",
    "NotAuthenticatedError",
    "api_error_responses",
    "install_error_handlers",
]

log = logging.getLogger("troth.web")


class NotAuthenticatedError(TrothError):
    """No credentials, or credentials that are not valid (any more)."""

    status_code = 401
    code = "unauthenticated"


class CsrfError(PermissionDeniedError):
    """A state-changing browser request without this site's CSRF token."""

    code = "csrf_failed"


class BadRequestError(TrothError):
    """A request that cannot be answered as asked (e.g. comparing a version with itself)."""

    status_code = 400
    code = "bad_request"


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """The body of every API error."""

    error: ErrorDetail


def api_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the error statuses a route may answer."""
    described = {
        400: "bad request",
        401: "credentials missing or invalid",
        403: "the role does not allow this",
        404: "not found",
        409: "conflicts with the current state",
        422: "invalid input",
        429: "too many attempts",
    }
    return {
        status: {"model": ErrorBody, "description": described.get(status, "error")} for status in statuses
    }


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path in {"/healthz", "/openapi.json"}:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _page(request: Request, status: int, code: str, message: str) -> Response:
    from troth.web._templates import render

    response = render(request, "error.html", {"status": status, "code": code, "message": message})
    response.status_code = status
    return response


def _respond(
    request: Request, status: int, code: str, message: str, extra: dict[str, Any] | None = None
) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        body.update(extra or {})
        return JSONResponse(jsonable_encoder(body), status_code=status)
    if status == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/admin/login?next={quote(target, safe='')}", status_code=303)
    return _page(request, status, code, message)


async def _troth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TrothError)
    status = exc.status_code
    if status >= 500:
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc.message)
    extra = (
        {"problems": [problem.render() for problem in exc.problems]}
        if isinstance(exc, DeclarationError)
        else None
    )
    response = _respond(request, status, exc.code, exc.message, extra)
    if isinstance(exc, RateLimitedError):
        response.headers["Retry-After"] = str(exc.retry_after)
    if status == 401 and wants_json(request):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid input"))
    # `input` may hold whatever the client sent (bytes, huge strings): keep it out of the answer.
    detail = [{k: v for k, v in error.items() if k in {"loc", "msg", "type"}} for error in errors]
    return _respond(request, 422, "invalid_request", message, {"detail": detail})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    response = _respond(request, exc.status_code, code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _store_failed(request: Request, exc: Exception) -> Response:
    # The statement goes to the log (for the operator), never to the client.
    statement = getattr(exc, "statement", "") or ""
    log.error("store failed on %s %s: %s [SQL: %s]", request.method, request.url.path, exc, statement[:500])
    response = _respond(request, 503, "store", "troth's store is not answering; try again shortly")
    response.headers["Retry-After"] = "5"
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, 500, "internal", "troth met an unexpected error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TrothError, _troth_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _store_failed)
    app.add_exception_handler(Exception, _unexpected)
