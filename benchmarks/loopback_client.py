"""A minimal HTTP/1.1 keep-alive client on asyncio streams, so that the client costs little of what is measured."""

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import List, Tuple


@dataclass
class LoadResult:
    """Per-request latencies (seconds) of answered requests, their status codes, and the wall time."""

    latencies: List[float] = field(default_factory=list)
    statuses: List[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def _exchange(reader, writer, request: bytes) -> Tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    return status, await reader.readexactly(length)


def _request(host: str, port: int, path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _client(host, port, request, until, count, result: LoadResult) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        sent = 0
        while (until is None or time.perf_counter() < until) and (count is None or sent < count):
            started = time.perf_counter()
            status, _ = await _exchange(reader, writer, request)
            result.latencies.append(time.perf_counter() - started)
            result.statuses.append(status)
            sent += 1
    finally:
        writer.close()


async def _load(host, port, path, body, clients, seconds, count) -> LoadResult:
    result = LoadResult()
    request = _request(host, port, path, body)
    started = time.perf_counter()
    until = started + seconds if seconds is not None else None
    await asyncio.gather(*(_client(host, port, request, until, count, result) for _ in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def load(
    url: str, instances: list, clients: int = 1, seconds: float = None, count: int = None, path: str = "/predict"
) -> LoadResult:
    """`clients` connections, each posting the same request back to back, for `seconds` or `count` requests each."""
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"instances": instances}).encode()
    return asyncio.run(_load(host, int(port), path, body, clients, seconds, count))
