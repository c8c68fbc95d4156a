"""Response hardening in one place: security headers on every answer, 507 on write routes
when the database's disk is (nearly) full, and RFC 6266 Content-Disposition for downloads."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# pages and their assets may be cached by the browser; every API answer holds personal data
_CACHEABLE_PREFIXES = ("/static/",)


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / RFC 5987): no
    quote, backslash or control character can reach the header from `filename`."""
    clean = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C")
    ascii_name = unicodedata.normalize("NFKD", clean).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in ascii_name).strip()
    return (
        f'attachment; filename="{ascii_name or "download"}"; '
        f"filename*=UTF-8''{quote(clean or 'download', safe='')}"
    )


def free_bytes(db: str) -> int | None:
    """Free bytes on the filesystem holding the SQLite file `db` (None for a non-file URL)."""
    if "://" in db and not db.startswith("sqlite:///"):
        return None  # e.g. PostgreSQL: its disk is the database server's
    path = Path(db.removeprefix("sqlite:///"))
    folder = path.parent if str(path.parent) else Path(".")
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


class SecurityHeaders:
    """ASGI middleware: `X-Content-Type-Options: nosniff` on every answer, `Cache-Control:
    no-store` on all but static assets (so no proxy or browser keeps personal data)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(_CACHEABLE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"x-content-type-options", b"cache-control")
                    or (cacheable and k.lower() == b"cache-control")
                ]
                headers.append((b"x-content-type-options", b"nosniff"))
                if not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class DiskGuard:
    """ASGI middleware: a write request while the database's disk has less than `min_free`
    bytes free is answered 507 at once, before any work (a write would fail half-way)."""

    def __init__(self, app: ASGIApp, db: str, min_free: int):
        self.app = app
        self.db = db
        self.min_free = min_free

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITE_METHODS:
            free = free_bytes(self.db)
            if free is not None and free < self.min_free:
                body = json.dumps(
                    {
                        "detail": f"the server's disk is full ({free // 2**20} MiB free, "
                        f"{self.min_free // 2**20} MiB needed); nothing was changed — "
                        "try again once space is freed"
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 507,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
