"""The load benchmark's lean HTTP/1.1 client against a real uvicorn on loopback: status codes
of successive requests on one kept-alive connection, a JSON body sent, a closed connection
re-opened, a refused connection raised (never counted as a success)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI, HTTPException, Response

from benchmarks.http1 import Http1Client

app = FastAPI()
seen: list[tuple[str, bytes]] = []


@app.get("/ok")
def ok() -> dict[str, str]:
    return {"x": "y" * 10_000}  # a body longer than one read


@app.get("/missing")
def missing() -> None:
    raise HTTPException(404, "no")


@app.post("/echo", status_code=201)
async def echo(body: dict[str, int]) -> Response:
    seen.append(("echo", str(body).encode()))
    return Response(b"", status_code=201)


@app.get("/close")
def close() -> Response:
    return Response(b"bye", headers={"Connection": "close"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_status_codes_on_one_kept_alive_connection(url: str) -> None:
    async def go() -> list[int]:
        c = Http1Client(url, {"Authorization": "Bearer t"})
        got = [await c.request("GET", "/ok"), await c.request("GET", "/missing")]
        first = c._conn
        got.append(await c.request("POST", "/echo", {"a": 1}))
        got.append(await c.request("GET", "/ok"))
        assert c._conn is first  # the same connection all along
        got.append(await c.request("GET", "/close"))
        got.append(await c.request("GET", "/ok"))  # re-opened after the server closed it
        await c.close()
        return got

    assert asyncio.run(go()) == [200, 404, 201, 200, 200, 200]
    assert ("echo", b"{'a': 1}") in seen


def test_no_server_is_an_error_not_a_status() -> None:
    async def go() -> None:
        await Http1Client(f"http://127.0.0.1:{free_port()}", {}).request("GET", "/")

    with pytest.raises(OSError):
        asyncio.run(go())
