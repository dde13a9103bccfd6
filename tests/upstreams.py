"""Misbehaving Clients APIs on real sockets, for what `responses` cannot fake: time."""

import socket
import threading
import time


class Upstream:
    """A listening socket on a free port; each connection is answered on its own thread."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            try:
                if connection.recv(65536):
                    with self._lock:
                        self.requests += 1
                    self.answer(connection)
            except OSError:
                return  # the client gave up: what deadlines are for

    def answer(self, connection: socket.socket) -> None:
        """Say nothing: the connection closes unanswered."""

    def close(self) -> None:
        self.listener.close()


class HangUpServer(Upstream):
    """Reads the request and closes without answering."""


class DripServer(Upstream):
    """Answers every request with a valid response, one byte every `interval` seconds.

    `drip="headers"` drips from the status line on; `drip="body"` sends the headers
    at once and drips the body. Bounded: each connection stops after `max_seconds`.
    """

    BODY = b'{"status":"success","data":[],"meta":{"total":0}}'

    def __init__(self, *, interval: float = 0.2, drip: str = "headers", max_seconds: float = 30):
        self.interval, self.drip, self.max_seconds = interval, drip, max_seconds
        super().__init__()

    def answer(self, connection: socket.socket) -> None:
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(self.BODY)
        )
        started = time.monotonic()
        if self.drip == "body":
            connection.sendall(head)
            dripped = self.BODY
        else:
            dripped = head + self.BODY
        for index in range(len(dripped)):
            if time.monotonic() - started > self.max_seconds:
                return
            connection.sendall(dripped[index : index + 1])
            time.sleep(self.interval)


class EndlessServer(Upstream):
    """Answers 200 with a chunked body that never ends (until the client hangs up)."""

    def __init__(self) -> None:
        self.bytes_sent = 0
        super().__init__()

    def answer(self, connection: socket.socket) -> None:
        chunk = b"[" + b'"x",' * 16_000  # ~64 KB of a list that never closes
        framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for _ in range(2000):  # 128 MB at most, then stop on our own
            connection.sendall(framed)
            self.bytes_sent += len(chunk)
