"""A minimal HTTP/1.1 keep-alive client on asyncio streams, so that the client costs little of what is measured."""

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple


@dataclass
class LoadResult:
    """Per-request latencies (seconds) of answered requests, their status codes, and the wall time."""

    latencies: List[float] = field(default_factory=list)
    statuses: List[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Request:
    """One request as a client sends it."""

    body: bytes
    method: str = "POST"
    path: str = "/predict"
    content_type: str = "application/json"


async def _exchange(reader, writer, request: bytes) -> Tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    return status, await reader.readexactly(length)


def _raw(host: str, port: int, request: Request) -> bytes:
    head = (
        f"{request.method} {request.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: {request.content_type}\r\nContent-Length: {len(request.body)}\r\n\r\n"
    )
    return head.encode() + request.body


async def _client(host, port, requests: List[bytes], until, count, result: LoadResult) -> None:
    """Sends the requests in turn over one connection until `until` or `count` requests."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        sent = 0
        while (until is None or time.perf_counter() < until) and (count is None or sent < count):
            started = time.perf_counter()
            status, _ = await _exchange(reader, writer, requests[sent % len(requests)])
            result.latencies.append(time.perf_counter() - started)
            result.statuses.append(status)
            sent += 1
    finally:
        writer.close()


async def _load(host, port, groups, seconds, count) -> List[LoadResult]:
    """`groups`: (requests, clients) pairs that run at the same time; one result per group."""
    results = [LoadResult() for _ in groups]
    started = time.perf_counter()
    until = started + seconds if seconds is not None else None
    clients = [
        _client(host, port, [_raw(host, port, request) for request in requests], until, count, result)
        for (requests, many), result in zip(groups, results, strict=True)
        for _ in range(many)
    ]
    await asyncio.gather(*clients)
    for result in results:
        result.seconds = time.perf_counter() - started
    return results


def _address(url: str) -> Tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def load(
    url: str,
    instances: list,
    clients: int = 1,
    seconds: Optional[float] = None,
    count: Optional[int] = None,
    path: str = "/predict",
) -> LoadResult:
    """`clients` connections, each posting the same request back to back, for `seconds` or `count` requests each."""
    request = Request(json.dumps({"instances": instances}).encode(), path=path)
    (result,) = asyncio.run(_load(*_address(url), [([request], clients)], seconds, count))
    return result


def mixed_load(
    url: str, instances: list, good_clients: int, bad: List[Request], bad_clients: int, seconds: float
) -> Tuple[LoadResult, LoadResult]:
    """Good clients posting `instances` and bad clients sending the `bad` requests in turn, together for
    `seconds`; the results of the good requests and of the bad ones."""
    good = Request(json.dumps({"instances": instances}).encode())
    groups = [([good], good_clients), (bad, bad_clients)]
    good_result, bad_result = asyncio.run(_load(*_address(url), groups, seconds, None))
    return good_result, bad_result
