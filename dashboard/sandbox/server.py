"""The sandbox Clients API over HTTP: the contract in dashboard/api/CONTRACT.md.

A threaded stdlib HTTP/1.1 server (keep-alive, so clients pool connections as
they would against the real API). `Sandbox.handle` is the whole API as one
function of (method, path, query, headers, body); the handler class only
translates HTTP to it and back.

Besides the eight endpoints, `/_sandbox/*` serves tests and demos: `health`
(no key), `faults` (read or set injected latency and failures) and `requests`
(the recent calls received, with their Idempotency-Key and X-Request-ID, or DELETE
to clear them), `concurrency` (how many /v1 calls are being answered now, and the
most at once since the requests were last cleared) and `settle` (POST: cuts short
the injected waits under way and returns once no /v1 call is being answered, nor
arriving as a retry, so a test starts with nothing left over from the one before).

`POST /v1/clients` honours an `Idempotency-Key` header, as many payment APIs do:
the same key with the same body answers the client already made (with
`Idempotent-Replayed: true`), the same key with another body a 422.
"""

import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .seed import iso, object_id
from .store import (
    CAMEL,
    CLIENT_COLUMNS,
    DEPOSIT_COLUMNS,
    LOAN_COLUMNS,
    Store,
    phone_search_key,
)

logger = logging.getLogger("sandbox")

MAX_PER_PAGE = 100
SEARCH_LIMIT = 50
MAX_BODY = 8 * 1024 * 1024
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/=\s]+$")

Response = tuple[int, dict[str, str], bytes]


class Refused(Exception):
    """Raised deep in a handler to answer at once with an error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response[0])
        self.response = response


@dataclass
class Faults:
    """Injected misbehaviour. Rates are probabilities per matching request."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    timeout_rate: float = 0.0
    hang_seconds: float = 30.0
    garbage_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: int = 30
    error_fields: str = ""  # JSON {"field": ["message"]} sent as the error's `errors`
    # Carry the request out, then hold the answer hang_seconds: the client gives up
    # first, and whether the write happened is for it to find out.
    lose_answer_rate: float = 0.0
    ignore_idempotency: int = 0  # 1: behave like an API that ignores Idempotency-Key
    path_prefix: str = "/v1/"  # only requests whose path starts with this
    min_page: int = 1  # only requests asking for this page or later
    max_page: int = 0  # and, unless 0, this page or earlier (one slow page: both the same)
    methods: str = ""  # only these methods, comma-separated (empty: all)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> "Faults":
        known = {field.name: field.type for field in fields(cls)}
        kwargs = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown fault setting {name!r}")
            kwargs[name] = known[name](value)  # int, float or str
        return cls(**kwargs)

    @classmethod
    def from_environment(cls, environ: dict[str, str]) -> "Faults":
        values = {}
        for field in fields(cls):
            raw = environ.get(f"SANDBOX_{field.name.upper()}")
            if raw:
                values[field.name] = raw
        return cls.from_mapping(values)

    def applies(self, method: str, path: str, query: dict[str, str]) -> bool:
        if not path.startswith(self.path_prefix):
            return False
        if self.methods and method not in self.methods.upper().split(","):
            return False
        try:
            page = int(query.get("page", "1"))
        except ValueError:
            return True
        return page >= self.min_page and (not self.max_page or page <= self.max_page)


class Sandbox:
    def __init__(self, store: Store, *, api_key: str, faults: Faults | None = None) -> None:
        self.store = store
        self.api_key = api_key
        self.faults = faults or Faults()
        self.random = random.Random()
        self.received: deque[dict[str, Any]] = deque(maxlen=2000)
        self.received_lock = threading.Lock()
        self.in_flight = self.peak_in_flight = 0  # /v1 calls being answered (received_lock)
        self.answered = threading.Condition(self.received_lock)  # notified as in_flight falls
        self.wake = threading.Event()  # set by `settle`: the injected waits end at once
        self.this_call = threading.local()  # the call a handler thread answers: its `wake`
        self.last_arrival = 0.0  # time.monotonic() of the last /v1 call (received_lock)
        # Idempotency-Key -> (the body's digest, the response it got), for a day.
        self.idempotent: dict[str, tuple[str, float, Response]] = {}
        self.idempotency_lock = threading.Lock()

    # --- entry point ---
    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> Response:
        split = urlsplit(raw_path)
        # Split before decoding, so an encoded "/" stays inside its segment.
        segments = [unquote(part) for part in split.path.split("/")[1:]]
        if segments and segments[-1] == "" and len(segments) > 1:
            segments.pop()
        query = {key: values[-1] for key, values in parse_qs(split.query).items()}

        if segments[:1] == ["_sandbox"]:
            return self.control(method, segments[1:], headers, body)
        if not self.authorised(headers):
            return error(401, "Invalid or missing API key")
        self.record(method, split.path, query, body, headers)
        with self.received_lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self.last_arrival = time.monotonic()
            # Every wait of this call ends at the first `settle` after its arrival.
            self.this_call.wake = self.wake
        try:
            return self.answer(method, split.path, segments, query, body, headers)
        finally:
            with self.received_lock:
                self.in_flight -= 1
                self.answered.notify_all()

    def answer(
        self, method: str, path: str, segments: list[str], query: dict, body: bytes, headers: Any
    ) -> Response:
        injected = self.inject_faults(method, path, query)
        if injected:
            return injected
        try:
            response = self.route(method, segments, query, body, headers)
        except Refused as refusal:
            response = refusal.response
        if self.faults.applies(method, path, query) and (
            self.random.random() < self.faults.lose_answer_rate
        ):
            self.pause(self.faults.hang_seconds)  # done, but the answer comes too late
        return response

    def authorised(self, headers: Any) -> bool:
        given = headers.get("Authorization", "")
        expected = f"Bearer {self.api_key}"
        return hmac.compare_digest(given.encode(), expected.encode())

    def record(self, method: str, path: str, query: dict, body: bytes, headers: Any) -> None:
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = "<not json>"
        entry = {"method": method, "path": path, "query": query, "body": parsed}
        entry["idempotency_key"] = headers.get("Idempotency-Key")
        entry["request_id"] = headers.get("X-Request-ID")  # the dashboard request that called
        with self.received_lock:
            self.received.append(entry)

    def inject_faults(self, method: str, path: str, query: dict[str, str]) -> Response | None:
        faults = self.faults
        if not faults.applies(method, path, query):
            return None
        if faults.latency_ms:
            self.pause(faults.latency_ms / 1000)
        roll = self.random.random()
        if roll < faults.timeout_rate:
            self.pause(faults.hang_seconds)
            return error(504, "Upstream timed out")
        roll -= faults.timeout_rate
        if roll < faults.error_rate:
            fields = json.loads(faults.error_fields) if faults.error_fields else None
            return error(faults.error_status, "Injected failure", fields)
        roll -= faults.error_rate
        if roll < faults.rate_limit_rate:
            status, headers, body = error(429, "Too many requests")
            return status, {**headers, "Retry-After": str(faults.retry_after)}, body
        roll -= faults.rate_limit_rate
        if roll < faults.garbage_rate:
            return 200, {"Content-Type": "text/html"}, b"<html>Gateway says hello</html>"
        return None

    def pause(self, seconds: float) -> None:
        """An injected wait, which `settle` cuts short."""
        self.this_call.wake.wait(seconds)

    def settle(self, seconds: float = 10, quiet: float = 0.1) -> bool:
        """Ends the injected waits of the calls under way; True once no /v1 call is being
        answered and, if one was, none has arrived for `quiet` seconds: a caller's
        immediate retry of an answer cut short lands before, not in the next test."""
        deadline = time.monotonic() + seconds
        woken, self.wake = self.wake, threading.Event()
        woken.set()
        with self.answered:
            busy = self.in_flight > 0
            while True:
                idle = self.answered.wait_for(
                    lambda: self.in_flight == 0, timeout=deadline - time.monotonic()
                )
                if not idle:
                    return False
                still = quiet - (time.monotonic() - self.last_arrival)
                if not busy or still <= 0:
                    return True
                self.answered.wait(min(still, max(0.0, deadline - time.monotonic())))

    def control(self, method: str, segments: list[str], headers: Any, body: bytes) -> Response:
        if segments == ["health"] and method == "GET":
            return ok({"clients": self.store.count_clients()}, "Sandbox is up")
        if not self.authorised(headers):
            return error(401, "Invalid or missing API key")
        if segments == ["faults"] and method == "GET":
            return ok(asdict(self.faults), "Current faults")
        if segments == ["faults"] and method in ("POST", "PUT"):
            try:
                self.faults = Faults.from_mapping(json.loads(body or b"{}"))
            except (ValueError, TypeError, KeyError) as problem:
                return error(400, f"Bad fault settings: {problem}")
            return ok(asdict(self.faults), "Faults set")
        if segments == ["requests"] and method == "GET":
            with self.received_lock:
                return ok(list(self.received), "Requests received")
        if segments == ["requests"] and method == "DELETE":
            with self.received_lock:
                self.received.clear()
                self.peak_in_flight = self.in_flight
            return ok(None, "Request log cleared")
        if segments == ["settle"] and method == "POST":
            if not self.settle():
                return error(503, "Calls are still being answered")
            return ok(None, "No call is being answered")
        if segments == ["concurrency"] and method == "GET":
            with self.received_lock:
                counts = {"inFlight": self.in_flight, "peak": self.peak_in_flight}
            return ok(counts, "Calls being answered, and the most at once")
        if segments == ["clients"] and method == "POST":  # any reference a real API may use
            return self.add_client(body)
        if (
            len(segments) == 3
            and segments[0] == "clients"
            and segments[2] in ("loans", "deposits")
        ) and method == "POST":  # tests add accounts with the values they need
            return self.add_accounts(segments[2], segments[1], body)
        return error(404, "No such sandbox endpoint")

    def add_client(self, body: bytes) -> Response:
        """A client with the fields given, `clientRef` included (`REF/2024 #7`, 200 long…),
        in place of any client that had that reference."""
        payload = json_body(body)
        if payload is None or not payload.get("clientRef"):
            return error(400, "Send a client object with its clientRef")
        snake = {camel: column for column, camel in CAMEL.items()}
        with self.store.write_lock:
            previous = self.store.client_by("client_ref", payload["clientRef"])
            if previous:
                self.store.delete_client(previous["id"])
            seq = self.store.next_seq()
            now = iso(datetime.now(UTC))
            row = {column: None for column in CLIENT_COLUMNS}
            row.update(
                id=object_id("client", self.store.next_id_number(seq)),
                dob="1980-01-01",
                created_at=now,
            )
            row.update(first_name="Odd", last_name="Reference", updated_at=now)
            row.update({snake.get(key, key): value for key, value in payload.items()})
            if isinstance(row.get("custom_data"), dict):
                row["custom_data"] = json.dumps(row["custom_data"])
            row["phone_digits"] = phone_search_key(row["phone_number"])
            self.store.insert_clients([row])
        return ok(self.store.client_by("id", row["id"]), "Client added", status=201)

    def add_accounts(self, kind: str, client_id: str, body: bytes) -> Response:
        rows = json.loads(body or b"[]")
        if not isinstance(rows, list) or not self.store.client_by("id", client_id):
            return error(400, "Send a list of accounts for an existing client")
        snake = {camel: column for column, camel in CAMEL.items()}
        columns = LOAN_COLUMNS if kind == "loans" else DEPOSIT_COLUMNS
        now = iso(datetime.now(UTC))
        records = []
        for n, row in enumerate(rows):
            values = {snake.get(key, key): value for key, value in row.items()}
            values.setdefault("id", f"{kind}-{client_id}-{time.time_ns()}-{n}")
            values.setdefault("reference", values["id"])
            values.setdefault("currency", "NGN")
            values.setdefault("created_at", now)
            values["client_id"] = client_id
            records.append({column: values.get(column) for column in columns})
        with self.store.write_lock:
            (self.store.insert_loans if kind == "loans" else self.store.insert_deposits)(records)
        return ok(len(records), f"{kind.capitalize()} added", status=201)

    # --- the eight endpoints ---
    def route(
        self, method: str, segments: list[str], query: dict, body: bytes, headers: Any
    ) -> Response:
        if segments[:2] != ["v1", "clients"]:
            return error(404, "Not found")
        rest = segments[2:]
        if not rest:
            if method == "GET":
                return self.list_clients(query)
            if method == "POST":
                key = headers.get("Idempotency-Key")
                if key and not self.faults.ignore_idempotency:
                    return self.once(key, body, lambda: self.create_client(body))
                return self.create_client(body)
        elif len(rest) == 1:
            if method == "GET":
                return self.get_or_search(rest[0])
            if method == "PATCH":
                return self.update_client(rest[0], body)
            if method == "DELETE":
                return self.delete_client(rest[0])
        elif len(rest) == 2 and rest[1] in ("loans", "deposits") and method == "GET":
            return self.list_children(rest[1], rest[0], query)
        else:
            return error(404, "Not found")
        return error(405, "Method not allowed")

    def list_clients(self, query: dict) -> Response:
        page, per_page = page_params(query)
        items, total = self.store.list_clients(page=page, per_page=per_page)
        return paginated(items, "Clients retrieved", page, per_page, total)

    def get_or_search(self, term: str) -> Response:
        exact = self.store.client_by("client_ref", term)
        if exact:
            return ok(exact, "Client retrieved")
        if not term.strip():
            return ok([], "No clients found")
        matches = self.store.search_clients(term.strip(), limit=SEARCH_LIMIT)
        return ok(matches, f"{len(matches)} clients found")

    def list_children(self, kind: str, client_id: str, query: dict) -> Response:
        page, per_page = page_params(query)
        if not self.store.client_by("id", client_id):
            return error(404, "Client not found")
        items, total = self.store.list_children(
            kind, client_id=client_id, page=page, per_page=per_page
        )
        return paginated(items, f"{kind.capitalize()} retrieved", page, per_page, total)

    def once(self, key: str, body: bytes, create: Any) -> Response:
        """A create under an Idempotency-Key: carried out once; repeats get its answer."""
        digest = hashlib.sha256(body).hexdigest()
        with self.idempotency_lock:
            now = time.time()
            for old in [k for k, (_, at, _) in self.idempotent.items() if now - at > 86400]:
                del self.idempotent[old]
            if key in self.idempotent:
                seen, _, (status, headers, answer) = self.idempotent[key]
                if seen != digest:
                    return error(422, "Idempotency-Key was used with another body")
                return status, {**headers, "Idempotent-Replayed": "true"}, answer
            response = create()
            if response[0] < 500:  # a failure worth retrying is not remembered
                self.idempotent[key] = (digest, now, response)
            return response

    def create_client(self, body: bytes) -> Response:
        payload = json_body(body)
        if payload is None:
            return error(400, "Body must be a JSON object")
        values, problems = validate_client(payload, creating=True)
        if problems:
            return error(422, "Validation failed", problems)
        with self.store.write_lock:
            if values.get("email") and self.store.email_taken(values["email"]):
                return error(
                    409,
                    "A client with this email already exists",
                    {"email": ["email is already used by another client"]},
                )
            seq = self.store.next_seq()
            now = iso(datetime.now(UTC))
            row = {column: None for column in CLIENT_WRITABLE.values()}
            row.update(values)
            row.update(
                id=object_id("client", self.store.next_id_number(seq)),
                client_ref=f"CL-{seq:06d}",
                phone_digits=phone_search_key(row["phone_number"]),
                created_at=now,
                updated_at=now,
            )
            self.store.insert_clients([row])
        return ok(self.store.client_by("id", row["id"]), "Client created", status=201)

    def update_client(self, client_id: str, body: bytes) -> Response:
        payload = json_body(body)
        if payload is None:
            return error(400, "Body must be a JSON object")
        if not self.store.client_by("id", client_id):
            return error(404, "Client not found")
        values, problems = validate_client(payload, creating=False)
        if problems:
            return error(422, "Validation failed", problems)
        with self.store.write_lock:
            email = values.get("email")
            if email and self.store.email_taken(email, except_id=client_id):
                return error(
                    409,
                    "A client with this email already exists",
                    {"email": ["email is already used by another client"]},
                )
            if "phone_number" in values:
                values["phone_digits"] = phone_search_key(values["phone_number"])
            values["updated_at"] = iso(datetime.now(UTC))
            self.store.update_client(client_id, values)
        return ok(self.store.client_by("id", client_id), "Client updated")

    def delete_client(self, client_id: str) -> Response:
        with self.store.write_lock:
            if not self.store.delete_client(client_id):
                return error(404, "Client not found")
        return ok(None, "Client deleted")


# --- request parsing and validation --------------------------------------------

CLIENT_WRITABLE = {
    "firstName": "first_name",
    "lastName": "last_name",
    "middleName": "middle_name",
    "dob": "dob",
    "image": "image",
    "address": "address",
    "city": "city",
    "state": "state",
    "country": "country",
    "phoneNumber": "phone_number",
    "email": "email",
    "customData": "custom_data",
}
REQUIRED = {
    True: ("firstName", "lastName", "dob", "address", "state", "country"),
    False: ("firstName", "lastName", "dob"),
}
TEXT_LIMITS = {
    "firstName": 100,
    "lastName": 100,
    "middleName": 100,
    "address": 200,
    "city": 100,
    "state": 100,
    "country": 100,
}


def json_body(body: bytes) -> dict | None:
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def validate_client(payload: dict, *, creating: bool) -> tuple[dict, dict[str, list[str]]]:
    """Column values for the known fields, and field -> messages for the bad ones."""
    problems: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def problem(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    for name in REQUIRED[creating]:
        value = payload.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problem(name, f"{name} is required")
    for name, column in CLIENT_WRITABLE.items():
        if name not in payload or name in problems:
            continue
        value = payload[name]
        if value is None:
            values[column] = None
            continue
        if name == "customData":
            checked = custom_data(value)
            if checked is None:
                problem(name, "customData must be a JSON object")
            else:
                values[column] = checked
            continue
        if not isinstance(value, str):
            problem(name, f"{name} must be a string")
            continue
        value = value.strip()
        if name in TEXT_LIMITS and len(value) > TEXT_LIMITS[name]:
            problem(name, f"{name} must be at most {TEXT_LIMITS[name]} characters")
        elif name == "dob" and not valid_dob(value):
            problem(name, "dob must be a date in the past, as YYYY-MM-DD")
        elif name == "email" and value and not EMAIL.match(value):
            problem(name, "email must be a valid email address")
        elif name == "phoneNumber" and value and not PHONE.match(value):
            problem(name, "phoneNumber must be a phone number")
        elif name == "image" and value and not valid_image(value):
            problem(name, "image must be an https URL or a base64 data:image URI")
        values[column] = value or None
    return values, problems


def custom_data(value: Any) -> str | None:
    if isinstance(value, str):  # the create endpoint documents customData as a string
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return json.dumps(value) if isinstance(value, dict) else None


def valid_dob(value: str) -> bool:
    try:
        born = date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10 and date(1900, 1, 1) <= born < date.today()


def valid_image(value: str) -> bool:
    if value.startswith("https://"):
        return len(value) <= 2048 and " " not in value
    return len(value) <= 4 * 1024 * 1024 and bool(DATA_IMAGE.match(value))


def page_params(query: dict[str, str]) -> tuple[int, int]:
    problems = {}
    values = {}
    for name, default, upper in (("page", 1, None), ("perPage", 25, MAX_PER_PAGE)):
        raw = query.get(name, str(default))
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1 or (upper and number > upper):
            limit = f"between 1 and {upper}" if upper else "a whole number from 1"
            problems[name] = [f"{name} must be {limit}"]
        values[name] = number
    if problems:
        raise Refused(error(400, "Invalid pagination", problems))
    return values["page"], values["perPage"]


# --- responses ---------------------------------------------------------------------


def respond(status: int, payload: Any) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return status, {"Content-Type": "application/json; charset=utf-8"}, body


def ok(data: Any, message: str, *, status: int = 200) -> Response:
    return respond(status, {"status": "success", "message": message, "data": data})


def paginated(items: list, message: str, page: int, per_page: int, total: int) -> Response:
    meta = {
        "page": page,
        "perPage": per_page,
        "total": total,
        "totalPages": max(1, -(-total // per_page)),
    }
    return respond(200, {"status": "success", "message": message, "data": items, "meta": meta})


def error(status: int, message: str, problems: dict | None = None) -> Response:
    payload: dict[str, Any] = {"status": "error", "message": message}
    if problems:
        payload["errors"] = problems
    return respond(status, payload)


# --- HTTP ------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "ClientsSandbox/1.0"
    # Headers and body go out in two writes; with Nagle on, the client's delayed
    # ACK would hold the body back ~40 ms on every keep-alive request.
    disable_nagle_algorithm = True
    server: "SandboxServer"

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PATCH(self) -> None:
        self.dispatch("PATCH")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            status, headers, body = error(413, "Body too large")
            self.close_connection = True
        else:
            payload = self.rfile.read(length) if length else b""
            try:
                status, headers, body = self.server.sandbox.handle(
                    method, self.path, self.headers, payload
                )
            except Exception:
                logger.exception("Sandbox failed on %s %s", method, urlsplit(self.path).path)
                status, headers, body = error(500, "Internal sandbox error")
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            logger.info("%s %s", self.address_string(), format % args)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, *, verbose: bool = False):
        super().__init__(address, Handler)
        self.sandbox = sandbox
        self.verbose = verbose
