"""A webhook receiver on 127.0.0.1 (http.server in a thread) that checks each delivery's signature."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def allow_private_targets(hub) -> None:
    """Receivers here listen on 127.0.0.1, which a hub refuses as a webhook target unless its operator allows it."""
    hub.settings = dataclasses.replace(hub.settings, webhook_private_targets=True)


class Receiver:
    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[dict] = []  # payloads whose secret and signature were right
        self.refused: list[str] = []  # why a delivery was refused
        self.hosts: list[str] = []  # the Host header of each delivery
        self.fail_next = 0  # answer this many deliveries with 503 first
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hosts.append(self.headers["Host"])
                status = receiver.judge(self.headers, body)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def judge(self, headers, body: bytes) -> int:
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        with self.lock:
            if headers.get("X-Webhook-Secret") != self.secret:
                self.refused.append("secret")
                return 403
            if not hmac.compare_digest(headers.get("X-Webhook-Signature", ""), expected):
                self.refused.append("signature")
                return 403
            if self.fail_next:
                self.fail_next -= 1
                return 503
            self.received.append(json.loads(body))
            return 200

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
