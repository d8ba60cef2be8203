"""What the privacy center's, the API's and the queue's routes share: the desk, one transaction, the client.

The desk (the request lifecycle's worker and engine) is built once per app, at
start-up, so steps left over from a restart resume without waiting for a
visitor; it stops with the app.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session

from troth.dsr.requests._desk import RequestDesk

__all__ = ["DeskDep", "client_address", "get_desk", "lifespan", "transaction"]

_CREATE_LOCK = threading.Lock()
MAX_UPLOAD = 5 * 1024 * 1024


def _desk_for(app: FastAPI) -> RequestDesk:
    desk: RequestDesk | None = getattr(app.state, "request_desk", None)
    if desk is None:
        with _CREATE_LOCK:
            desk = getattr(app.state, "request_desk", None)
            if desk is None:
                runtime = app.state.runtime
                desk = RequestDesk(
                    runtime.settings, runtime.sessions, lambda: runtime.loaded.declaration
                ).start()
                app.state.request_desk = desk
    return desk


def get_desk(request: Request) -> RequestDesk:
    return _desk_for(request.app)


DeskDep = Annotated[RequestDesk, Depends(get_desk)]


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # start the worker with the app, so steps left over from a restart resume without waiting for a visitor
    if getattr(app.state, "runtime", None) is not None:
        _desk_for(app)
    yield
    desk: RequestDesk | None = getattr(app.state, "request_desk", None)
    if desk is not None:
        desk.stop()
        app.state.request_desk = None


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


@contextlib.contextmanager
def transaction(desk: RequestDesk) -> Iterator[Session]:
    """One transaction of the store: committed when the block ends, rolled back if it raises."""
    with desk.sessions.begin() as session:
        yield session
