"""A small HTTP/1.1 load client, run in its own process by the benchmarks.

Reads a JSON plan on stdin and writes one JSON result per job on stdout. Each job sends at
most ``count`` requests with at most ``concurrency`` in flight and stops early after
``time_cap`` seconds, so a slow server cannot make a run endless. It speaks just enough
HTTP over asyncio streams (one connection per request, ``Connection: close``, as gunicorn's
sync worker closes them anyway) to cost the shared CPUs as little as possible.

Plan: ``{"port": 8000, "jobs": [{"name", "method", "paths": [...], "headers": {...},
"body": "... {n} ...", "count", "concurrency", "time_cap", "warmup"}]}``
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


async def _one(port: int, raw: bytes) -> tuple[int, bytes, float]:
    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    elapsed = time.perf_counter() - t0
    try:
        status = int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = 0
    return status, data, elapsed


def _request(job: dict[str, Any], n: int) -> bytes:
    paths = job["paths"]
    path = paths[n % len(paths)]
    body = job.get("body")
    payload = body.replace("{n}", str(n)).encode() if body else b""
    lines = [f"{job.get('method', 'GET')} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in job.get("headers", {}).items()]
    if payload:
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _run_job(port: int, job: dict[str, Any]) -> dict[str, Any]:
    time_cap = float(job.get("time_cap", 60))
    warm_until = time.perf_counter() + time_cap / 4
    for n in range(int(job.get("warmup", 0))):
        await _one(port, _request(job, -1 - n))
        if time.perf_counter() > warm_until:  # a slow view: warm-up is bounded too
            break
    count = int(job["count"])
    concurrency = max(1, int(job.get("concurrency", 1)))
    expect = set(job.get("expect", [200, 201]))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    first_error: str | None = None
    next_n = 0
    t_start = time.perf_counter()
    deadline = t_start + time_cap

    async def worker() -> None:
        nonlocal next_n, first_error
        while next_n < count and time.perf_counter() < deadline:
            n = next_n
            next_n += 1
            try:
                status, data, elapsed = await _one(port, _request(job, n))
            except OSError as exc:
                status, data, elapsed = 0, str(exc).encode(), 0.0
            statuses[status] = statuses.get(status, 0) + 1
            if status in expect:
                latencies.append(elapsed * 1000)
            elif first_error is None:
                first_error = data[:2000].decode(errors="replace")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - t_start
    ok = len(latencies)
    return {
        "name": job["name"],
        "sent": next_n,
        "ok": ok,
        "errors": next_n - ok,
        "statuses": statuses,
        "seconds": wall,
        "rate": ok / wall if wall else 0.0,
        "p50_ms": _pct(latencies, 50),
        "p95_ms": _pct(latencies, 95),
        "p99_ms": _pct(latencies, 99),
        "max_ms": max(latencies) if latencies else float("nan"),
        "mean_ms": sum(latencies) / ok if ok else float("nan"),
        "capped": next_n < count,
        "first_error": first_error,
    }


async def _main(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [await _run_job(int(plan["port"]), job) for job in plan["jobs"]]


if __name__ == "__main__":
    results = asyncio.run(_main(json.load(sys.stdin)))
    json.dump(results, sys.stdout)
