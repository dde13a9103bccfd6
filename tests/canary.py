"""The canary: a random API key for this test run, and the guards that look for it."""

import logging
import secrets
from contextlib import suppress

CANARY = f"sk_canary_{secrets.token_hex(16)}"
canary_leaks: list[str] = []


def scan(where: str, text: str | bytes) -> None:
    needle = CANARY.encode() if isinstance(text, bytes) else CANARY
    if needle in text:
        canary_leaks.append(where)


class LeakLog(logging.Handler):
    """Records any log line, at any level, that contains the key: as the message and as
    the JSON line LOG_FORMAT=json would print (its fields, the whole traceback)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        from dashboard.monitoring.logs import JsonLines  # Django is set up by now

        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += repr(record.exc_info[1])
        with suppress(Exception):  # a record whose message could not render either
            text += JsonLines().format(record)
        scan(f"log {record.name}: {text[:200]}", text)


class CanaryMiddleware:
    """Outermost middleware in tests: checks every response's headers and body."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        where = f"response to {request.method} {request.path}"
        for name, value in response.items():
            scan(f"{where} header {name}", f"{name}: {value}")
        if response.streaming:
            response.streaming_content = self._scanned(where, response.streaming_content)
        else:
            scan(where, response.content)
        return response

    @staticmethod
    def _scanned(where, chunks):
        tail = b""  # the key could straddle two chunks
        for chunk in chunks:
            data = tail + (chunk if isinstance(chunk, bytes) else str(chunk).encode())
            scan(where, data)
            tail = data[-len(CANARY) :]
            yield chunk
