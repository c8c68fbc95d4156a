"""Errors as HTTP answers with a clear `detail`, and the request size limit.

Malformed JSON is a 400, a body of the wrong shape or type a 422 naming the field, an instance
with problems a 422 listing file, line, column and message, a state conflict a 409, a body over
the limit a 413, a full disk a 507; anything unexpected is logged with an id and answered 500 with that id (never
a traceback).
"""

from __future__ import annotations

import errno
import json
import logging
import re
import sqlite3
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.store import Conflict, NotFound, TooMany
from api.uploads import UploadError, problem_dicts
from models.weights import WeightsError

log = logging.getLogger("polku.api")


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) if parts else "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx") or {}
            return problem(400, f"malformed JSON: {ctx.get('error', err.get('msg'))}")
    items = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "message": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]
    text = "; ".join(f"{_where(e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5])
    return problem(422, f"invalid request: {text}", errors=items)


async def upload_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UploadError)
    json_rows = request.headers.get("content-type", "").startswith("application/json") or bool(
        getattr(request.state, "json_upload", False)
    )
    return problem(
        422,
        exc.detail,
        problems=problem_dicts(exc.problems, json_rows),
        warnings=problem_dicts(exc.warnings, json_rows),
    )


async def weights_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WeightsError)
    problems = []
    for text in exc.problems:
        key, _, message = text.partition(": ")
        problems.append({"file": "request", "column": key, "message": message, "text": text})
    return problem(422, f"bad weights: {'; '.join(exc.problems)}", problems=problems)


async def conflict(request: Request, exc: Exception) -> JSONResponse:
    errors = getattr(exc, "errors", None)
    return problem(409, str(exc), errors=errors) if errors else problem(409, str(exc))


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem(404, str(exc))


async def too_many(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": "30"})


def disk_full(exc: BaseException) -> bool:
    """Is this the database or the filesystem out of space?"""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc).lower()
    # SQLite says "database or disk is full", or "disk I/O error" when the WAL cannot grow
    return isinstance(exc, sqlite3.OperationalError) and ("full" in text or "disk i/o" in text)


async def too_deep(request: Request, exc: Exception) -> JSONResponse:
    return problem(422, "JSON nested too deeply")


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    if disk_full(exc):
        log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
        return problem(507, "the server's disk is full; the request was not completed")
    error_id = uuid.uuid4().hex[:12]
    log.exception("unexpected error %s on %s %s", error_id, request.method, request.url.path)
    return problem(500, f"internal error (id {error_id}); the server log has the details")


def methods_of(app: FastAPI, path: str) -> list[str]:
    """The methods the published schema lists for `path` (its templates matched as patterns)."""
    methods: set[str] = set()
    for template, ops in app.openapi()["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            methods |= {m.upper() for m in ops}
    return sorted(methods)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's HTTP errors as ours; a 405 lists in `Allow` every method the path has (the
    router alone names only the first route that matched it)."""
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        methods = methods_of(request.app, request.url.path)
        if methods:
            headers["Allow"] = ", ".join(methods)
    return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=headers)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(UploadError, upload_error)
    app.add_exception_handler(WeightsError, weights_error)
    app.add_exception_handler(Conflict, conflict)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(TooMany, too_many)
    app.add_exception_handler(RecursionError, too_deep)
    app.add_exception_handler(Exception, unexpected)


class BodyTooLarge(BaseException):  # a BaseException so no `except Exception`
    """Raised from receive() when a body passes the limit; caught by BodyLimit only."""


class BodyLimit:
    """ASGI middleware: bodies above a limit get 413 — `upload_bytes` for the upload routes
    (`upload_paths` matched by `is_upload`), `json_bytes` for every other request. Checks the
    Content-Length first and counts chunked bodies as they arrive."""

    def __init__(self, app: ASGIApp, upload_bytes: int, json_bytes: int):
        self.app = app
        self.upload_bytes = upload_bytes
        self.json_bytes = json_bytes

    @staticmethod
    def is_upload(method: str, path: str) -> bool:
        parts = [p for p in path.split("/") if p]
        return method == "POST" and (
            parts == ["instances"]
            or (len(parts) == 3 and parts[0] == "instances" and parts[2] == "clients")
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = (
            self.upload_bytes if self.is_upload(scope["method"], scope["path"]) else self.json_bytes
        )
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await self._reply(send, 400, "bad Content-Length header")
                    return
                if length > limit:
                    await self._reply(
                        send,
                        413,
                        f"request body of {length} bytes is over the limit of {limit} bytes",
                    )
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reply(send, 413, f"request body is over the limit of {limit} bytes")

    @staticmethod
    async def _reply(send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
