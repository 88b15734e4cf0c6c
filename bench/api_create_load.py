"""Ticket creation throughput through the real HTTP API: `atiende serve` (gunicorn) on a
loopback port, several concurrent clients, a bounded number of requests.

    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_bench \\
        .venv/bin/python bench/api_create_load.py --requests 2000 --clients 8 --workers 3

Prints tickets per second and latency percentiles. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def token_for(username: str) -> str:
    out = subprocess.run(
        [str(VENV_BIN / "atiende"), "token", "create", username, "--name", "load bench"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def wait_until_up(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not come up")


def client(port: int, token: str, count: int, latencies: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for i in range(count):
        body = json.dumps(
            {"kind": "incident", "title": f"La impresora {i} no imprime",
             "description": "Sale una hoja en blanco desde esta mañana.", "urgency": 2}
        )  # fmt: skip
        started = time.perf_counter()
        conn.request("POST", "/api/v1/tickets", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 201:
            errors.append(str(response.status))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8179)
    parser.add_argument("--user", default="bench-requester")  # made by generate.py
    opts = parser.parse_args()
    token = token_for(opts.user)
    server = subprocess.Popen(
        [str(VENV_BIN / "atiende"), "serve", "--host", "127.0.0.1", "--port", str(opts.port),
         "--workers", str(opts.workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_until_up(opts.port)
        per_client = opts.requests // opts.clients
        latencies: list[float] = []
        errors: list[str] = []
        # Warm-up: each worker loads policies and calendars once.
        client(opts.port, token, 20, [], [])
        threads = [
            threading.Thread(target=client, args=(opts.port, token, per_client, latencies, errors))
            for _ in range(opts.clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    done = len(latencies)
    q = statistics.quantiles(latencies, n=100) if done > 1 else [0.0] * 99
    print(f"{done} tickets in {elapsed:.1f} s with {opts.clients} clients, {opts.workers} workers: "
          f"{done / elapsed:.0f} tickets/s; latency median {q[49] * 1000:.1f} ms, "
          f"p95 {q[94] * 1000:.1f} ms; errors {len(errors)}")  # fmt: skip
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
