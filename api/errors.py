"""Errors as HTTP answers with a clear `detail`, and the request size limit.

Malformed JSON is a 400, a body of the wrong shape or type a 422 naming the field, an instance
with problems a 422 listing file, line, column and message, a state conflict a 409, a body over
the limit a 413, a full disk a 507; anything unexpected is logged with an id and answered 500 with that id (never
a traceback).

Every text comes from the message catalogue in the request's language: `?lang=`, else
Accept-Language, else English (the pages send their language) — these handlers' own (malformed
JSON, the fields a request got wrong, too deep, too large, disk full, internal error) and those
of the routes and the store, which raise api/problems.py's errors (a catalogue key and its
fields: HttpError, the store's NotFound/Conflict/TooMany). Texts from below the API (an upload's
problems, a rule check's lines, next week's or the report range's message) are English inside
them (README "Languages" says what is left).
"""

from __future__ import annotations

import errno
import json
import logging
import re
import sqlite3
import uuid
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import HttpError, Said
from api.store import Conflict, NotFound, TooMany
from api.uploads import UploadError, problem_dicts
from matcher.messages import CATALOGUE, DEFAULT_LANG, LANGS, from_accept_language, language, say
from models.weights import WeightsError

log = logging.getLogger("polku.api")


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def error_language(query_lang: str | None, accept_language: str | None) -> str:
    """The language of an error's text: `?lang=` when the catalogue has it, else the first of
    Accept-Language it has, else English."""
    if query_lang in LANGS:
        return str(query_lang)
    return from_accept_language(accept_language) or DEFAULT_LANG


def request_language(request: Request) -> str:
    return error_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def said(lang: str, key: str, **fields: Any) -> str:
    """The catalogue message `key` in `lang`."""
    with language(lang):
        return say(key, **fields)


def field_message(err: dict[str, Any], lang: str) -> str:
    """What is wrong with one field, in `lang`: pydantic's own words in English, the catalogue's
    `error.field.<type>` otherwise (a type without a key, or a rule's own message, as it came)."""
    key = f"error.field.{err.get('type', '')}"
    if lang == "en" or key not in CATALOGUE:
        return str(err.get("msg", ""))
    try:
        return said(lang, key, **{k: str(v) for k, v in (err.get("ctx") or {}).items()})
    except (KeyError, IndexError, ValueError):
        return str(err.get("msg", ""))


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) if parts else "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = request_language(request)
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx") or {}
            return problem(
                400, said(lang, "error.malformed_json", error=ctx.get("error", err.get("msg")))
            )
    messages = [field_message(e, lang) for e in errors]
    items = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "message": message,
            "type": str(e.get("type", "")),
        }
        for e, message in zip(errors, messages, strict=True)
    ]
    text = "; ".join(
        f"{_where(e.get('loc', ()))}: {message}"
        for e, message in zip(errors[:5], messages, strict=False)
    )
    return problem(422, said(lang, "error.invalid_request", problems=text), errors=items)


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


def told(request: Request, exc: Exception) -> str:
    """The text of a store or route error in the request's language."""
    return exc.text(request_language(request)) if isinstance(exc, Said) else str(exc)


async def conflict(request: Request, exc: Exception) -> JSONResponse:
    errors = getattr(exc, "errors", None)
    text = told(request, exc)
    return problem(409, text, errors=errors) if errors else problem(409, text)


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem(404, told(request, exc))


async def too_many(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": told(request, exc)}, status_code=429, headers={"Retry-After": "30"}
    )


async def http_problem(request: Request, exc: Exception) -> JSONResponse:
    """A route's own HTTP error (api/problems.HttpError) in the request's language."""
    assert isinstance(exc, HttpError)
    return JSONResponse({"detail": told(request, exc)}, status_code=exc.status, headers=exc.headers)


# Starlette's own texts (no route matched, a method the path lacks) as catalogue messages
HTTP_TEXTS = {
    404: ("Not Found", "error.http.not_found"),
    405: ("Method Not Allowed", "error.http.method"),
}


def disk_full(exc: BaseException) -> bool:
    """Is this the database or the filesystem out of space?"""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc).lower()
    # SQLite says "database or disk is full", or "disk I/O error" when the WAL cannot grow
    return isinstance(exc, sqlite3.OperationalError) and ("full" in text or "disk i/o" in text)


async def too_deep(request: Request, exc: Exception) -> JSONResponse:
    return problem(422, said(request_language(request), "error.too_deep"))


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    if disk_full(exc):
        log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
        return problem(507, said(request_language(request), "error.disk_full"))
    error_id = uuid.uuid4().hex[:12]
    log.exception("unexpected error %s on %s %s", error_id, request.method, request.url.path)
    return problem(500, said(request_language(request), "error.internal", id=error_id))


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
    detail = str(exc.detail)
    phrase, key = HTTP_TEXTS.get(exc.status_code, ("", ""))
    if detail == phrase:
        detail = said(request_language(request), key)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(HttpError, http_problem)
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
        lang = self.language(scope)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await self._reply(send, 400, said(lang, "error.bad_length"))
                    return
                if length > limit:
                    text = said(lang, "error.body_too_large", length=length, limit=limit)
                    await self._reply(send, 413, text)
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
                await self._reply(send, 413, said(lang, "error.body_over_limit", limit=limit))

    @staticmethod
    def language(scope: Scope) -> str:
        """The request's language from its query string and Accept-Language header."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        accept = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"accept-language"),
            None,
        )
        return error_language((query.get("lang") or [None])[0], accept)

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
