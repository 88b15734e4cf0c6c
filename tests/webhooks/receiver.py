"""A real HTTP receiver on 127.0.0.1 for the webhook tests and the bench: it records each
request and answers with the next status of its script (default 200)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    statuses: list[int] = field(default_factory=list)  # consumed in order; then `default`
    default: int = 200
    delay: float = 0.0
    location: str = ""


class Receiver:
    def __init__(self, *, record: bool = True, counter: Any = None) -> None:
        """`counter`: a multiprocessing.Value also counting requests (a receiver in another
        process, as in bench/webhook_delivery.py)."""
        self.received: list[Received] = []
        self.script = Script()
        self.record = record
        self.count = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a production receiver would
            # Headers and body leave in two writes: without TCP_NODELAY, Nagle holds the body
            # until the client's delayed ACK (40 ms a request on Linux).
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.count += 1
                    if counter is not None:
                        with counter.get_lock():
                            counter.value += 1
                    if receiver.record:
                        receiver.received.append(
                            Received(self.path, {k: v for k, v in self.headers.items()}, body)
                        )
                    script = receiver.script
                    status = script.statuses.pop(0) if script.statuses else script.default
                if script.delay:
                    time.sleep(script.delay)
                answer = b"ok" if status < 300 else b"nope"
                self.send_response(status)
                if script.location:
                    self.send_header("Location", script.location)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def serve(self) -> None:
        """Serve in this thread until the process ends (a receiver process)."""
        self.server.serve_forever()

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
