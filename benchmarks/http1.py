"""A lean HTTP/1.1 client for the load benchmark: one keep-alive connection per simulated user,
requests written by hand and responses parsed by httptools (C), so the client's own CPU per
request stays small beside the server's on the same cores. httpx spent ~0.8 ms of CPU per
request here (as much as the server), which on 2 cores took the server's CPU away.

It reads each response whole and returns its status code (the benchmark checks every one);
nothing else of the body is parsed. Loopback use only: no TLS, no redirects, no proxies.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

import httptools


class _Protocol(asyncio.Protocol):
    """One TCP connection: feeds what arrives to the parser, resolves the waiting request."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiting: asyncio.Future[int] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"bad HTTP response: {exc}"))

    def on_message_complete(self) -> None:  # httptools callback: one whole response
        if not self.parser.should_keep_alive():  # `Connection: close`: the next one reconnects
            self.closed = True
            if self.transport is not None:
                self.transport.close()
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(self.parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionError(f"connection closed: {exc or 'by the server'}"))

    def _fail(self, exc: Exception) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(exc)
        if self.transport is not None:
            self.transport.close()


class Http1Client:
    """`await client.request("GET", "/runs/1")` → the status code, over one kept-alive
    connection to `base_url` (re-opened if the server closed it), with `headers` on every
    request. Raises ConnectionError or asyncio.TimeoutError when no answer comes."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 60.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": parts.netloc, **headers}.items())
        self._conn: _Protocol | None = None

    async def _connection(self) -> _Protocol:
        conn = self._conn
        if conn is None or conn.closed or conn.transport is None or conn.transport.is_closing():
            loop = asyncio.get_running_loop()
            _, conn = await loop.create_connection(_Protocol, self.host, self.port)
            self._conn = conn
        return conn

    async def request(self, method: str, path: str, json_body: Any = None) -> int:
        conn = await self._connection()
        head = f"{method} {path} HTTP/1.1\r\n{self.head}"
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        conn.waiting = asyncio.get_running_loop().create_future()
        if conn.transport is None:
            raise ConnectionError("not connected")
        conn.transport.write(head.encode() + b"\r\n" + body)
        try:
            return await asyncio.wait_for(conn.waiting, self.timeout)
        except BaseException:
            if conn.transport is not None:  # a half-read answer must not meet the next request
                conn.transport.close()
            raise

    async def close(self) -> None:
        if self._conn is not None and self._conn.transport is not None:
            self._conn.transport.close()
