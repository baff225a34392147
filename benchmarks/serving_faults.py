"""The bad clients of the serving benchmark: what they send, and the targets for the good clients beside them."""

import json
from typing import Dict, List

from benchmarks.loopback_client import Request
from benchmarks.served_process import INSTANCE

GOOD_CLIENTS, BAD_CLIENTS = 16, 4
MIXED = "logging on, batching on, 4 bad clients alongside"


def _body(**changes) -> bytes:
    return json.dumps({"instances": [{**INSTANCE, **changes}]}).encode()


# What the bad clients send in turn: each must be a 4xx and leave the good clients' requests alone.
BAD_REQUESTS = [
    Request(_body(island="Dr\ud800eam")),  # a lone surrogate
    Request(_body(body_mass_g=10**400)),
    Request(_body(body_mass_g=1e39)),  # beyond float32
    Request(b'{"instances": ' + b"[" * 40_000 + b"]" * 40_000 + b"}"),
    Request(_body(body_mass_g="heavy")),
    Request(b'{"instances": [{'),
    Request(_body(), content_type="text/plain"),
    Request(b"", method="GET"),
    Request(_body(), path="/v1/predict"),
]


def mixed_targets(good: List[int], bad: List[int], refused: int) -> List[Dict]:
    answered = sum(status == 200 for status in good)
    rate = 100.0 * answered / len(good) if good else 0.0
    codes = sorted(set(bad))
    return [
        {
            "what": f"{MIXED}: good requests answered 200",
            "target": "100%",
            "measured": f"{rate:.2f}% ({answered} of {len(good)})",
            "met": bool(good) and answered == len(good),
        },
        {
            "what": f"{MIXED}: every bad request a 4xx, logged as refused",
            "target": "4xx only; one refused line each",
            "measured": f"{codes}; {refused} lines for {len(bad)} requests",
            "met": bool(bad) and all(400 <= code < 500 for code in codes) and refused == len(bad),
        },
    ]
