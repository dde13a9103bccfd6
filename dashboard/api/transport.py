"""HTTP to the Clients API: sessions, authentication, retries, deadlines and error mapping.

One `requests.Session` per thread (requests does not promise a Session is
thread-safe), each with a keep-alive pool, the Bearer header added by one auth
hook, timeouts on every call and redirects never followed: a redirect must not
carry the secret key to another host.

Retries (urllib3): only GET is retried, on connection errors and 429/502/503/504,
with a short backoff. A Retry-After up to `API_RETRY_AFTER_CAP` seconds is
waited for; a longer one is answered at once as `RateLimited`. POST, PATCH and
DELETE are sent once, except when the connection itself could not be opened
(then nothing reached the API).

Time: every call, retries included, ends by its deadline (`deadlines.py`), and
answers are read up to API_MAX_RESPONSE_BYTES: a larger one is refused unread.
A write whose answer is lost raises `OutcomeUnknown`: the caller checks.
"""

import json
import logging
import re
import threading
import time
from decimal import Decimal
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.signals import setting_changed
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry

from . import context, deadlines, errors
from .envelopes import error_fields, error_message

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
BACKOFF_MAX = 1.0  # seconds between two attempts, whatever API_BACKOFF says

try:
    USER_AGENT = f"lender-dashboard/{version('lender-dashboard')}"
except PackageNotFoundError:  # running from a checkout that was never installed
    USER_AGENT = "lender-dashboard/dev"


class CappedRetry(Retry):
    """A urllib3 Retry that refuses to wait longer than `retry_after_max`.

    urllib3 clamps a long Retry-After to its maximum and retries anyway; a page
    cannot wait minutes, so a longer Retry-After ends the retries at once and
    the 429/503 goes back to the caller, which reports "rate limited". Nor does it
    retry for a reader that has gone (deadlines.abandon_on).
    """

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):
        if deadlines.abandoned():  # no wait for a retry that would not be sent
            raise MaxRetryError(_pool, url, error or ResponseError("the reader has gone"))
        if response is not None and self.respect_retry_after_header:
            seconds = retry_after_seconds(response.headers.get("Retry-After"))
            if seconds is not None and seconds > self.retry_after_max:
                raise MaxRetryError(_pool, url, "Retry-After beyond the dashboard's cap")
        following = super().increment(method, url, response, error, _pool, _stacktrace)
        # No retry that would start after the call's deadline (after waiting its turn).
        left = deadlines.remaining()
        if left is not None:
            wait = following.get_retry_after(response) if response is not None else None
            if wait is None:
                wait = following.get_backoff_time()
            if left - wait < deadlines.MIN_CALL_SECONDS:
                raise MaxRetryError(
                    _pool, url, error or ReadTimeoutError(_pool, url, "past the deadline")
                )
        return following

    def get_backoff_time(self) -> float:
        # urllib3 does not wait before the first retry; an API that just
        # failed deserves a short breath: factor, 2 x factor, ... up to the max.
        retries_so_far = len(self.history)
        if retries_so_far == 0:
            return 0.0
        return min(self.backoff_max, self.backoff_factor * 2 ** (retries_so_far - 1))


def retry_after_seconds(header: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta or HTTP date), uncapped."""
    if not header:
        return None
    try:
        return max(0.0, Retry(retry_after_max=10**9).parse_retry_after(header))
    except InvalidHeader:
        return None


def build_retry() -> Retry:
    retries = max(0, settings.API_ATTEMPTS - 1)
    return CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        redirect=0,
        # Never empty: urllib3 reads an empty collection as "retry every method".
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRYABLE_STATUSES,
        backoff_factor=settings.API_BACKOFF,
        backoff_max=BACKOFF_MAX,
        respect_retry_after_header=True,
        retry_after_max=settings.API_RETRY_AFTER_CAP,
        raise_on_status=False,  # hand back the last response; we map it below
        raise_on_redirect=False,
    )


class BearerAuth(requests.auth.AuthBase):
    """The one place the secret key is put on a request."""

    @sensitive_variables("key")
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        key = settings.API_SECRET_KEY
        request.headers["Authorization"] = f"Bearer {key}"
        return request


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter on urllib3 pools whose connections keep the call's deadline."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = deadlines.POOLS_BY_SCHEME


_local = threading.local()
_generation = 0  # bumped when settings change (tests), so threads build new sessions
# Sessions of threads that ended (an export's or a summary's page fetchers), kept with
# their open connections for the next such thread: a summary would otherwise open a
# connection (a TLS handshake, to a real API) per fetcher, every time. One thread at a
# time uses each; at most IDLE_SESSIONS wait, the others are closed.
_idle: list[tuple[int, requests.Session]] = []
_idle_lock = threading.Lock()
IDLE_SESSIONS = 8


def _reset_sessions(**kwargs: Any) -> None:
    global _generation
    if kwargs.get("setting", "API_").startswith("API_"):
        _generation += 1


setting_changed.connect(_reset_sessions)


def session() -> requests.Session:
    if getattr(_local, "generation", None) != _generation:
        _local.session, _local.generation = _idle_session() or _new_session(), _generation
    return _local.session


def _new_session() -> requests.Session:
    # Calls are prepared by _prepared() from the session's headers, auth and cookies only:
    # hooks, params or proxies set here would not be applied.
    new = requests.Session()
    new.auth = BearerAuth()
    new.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    adapter = DeadlineAdapter(pool_connections=2, pool_maxsize=4, max_retries=build_retry())
    new.mount("http://", adapter)
    new.mount("https://", adapter)
    new.trust_env = False  # no proxy or .netrc credentials picked up by surprise
    return new


def _idle_session() -> requests.Session | None:
    """A session a finished thread left, of the current settings; older ones are closed."""
    while True:
        with _idle_lock:
            if not _idle:
                return None
            generation, found = _idle.pop()
        if generation == _generation:
            return found
        found.close()


def release_session() -> None:
    """This thread is ending: its session, with its pooled connections, waits for the
    next thread (up to IDLE_SESSIONS), or is closed."""
    current = getattr(_local, "session", None)
    if current is None:
        return
    generation = _local.generation
    _local.session = _local.generation = None
    with _idle_lock:
        kept = generation == _generation and len(_idle) < IDLE_SESSIONS
        if kept:
            _idle.append((generation, current))
    if not kept:
        current.close()


def _scrub(text: str | None) -> str | None:
    """Remove the key from text that came from outside, in case the API echoes it."""
    key = settings.API_SECRET_KEY
    if text and key and key in text:
        return text.replace(key, "[redacted]")
    return text


def _read_body(response: requests.Response, endpoint: str) -> bytes:
    """The whole body, refused past API_MAX_RESPONSE_BYTES without reading it all."""
    cap = settings.API_MAX_RESPONSE_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        response.close()
        raise _too_large(endpoint)
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):  # decompressed: a zip bomb is capped too
        size += len(chunk)
        if size > cap:
            response.close()
            raise _too_large(endpoint)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(endpoint: str) -> errors.BadResponse:
    megabytes = settings.API_MAX_RESPONSE_BYTES / 1_000_000
    logger.warning("Clients API answer to %s is over %.1f MB: refused", endpoint, megabytes)
    return errors.BadResponse(f"an answer over the {megabytes:g} MB it accepts")


def _decode(content: bytes) -> Any:
    if not content:
        return None
    try:
        decoded = json.loads(content, parse_float=Decimal)
    except (ValueError, RecursionError):  # not JSON, 4,300+ digit integers, 1,000-deep nesting
        return _NOT_JSON
    if _ESCAPED_SURROGATE.search(content):  # rare: only then is every string looked at
        decoded = _without_lone_surrogates(decoded)
    return decoded


# JSON can escape half of a UTF-16 pair alone ("\ud800"): Python keeps it in the str,
# and no page or file can be encoded with it. Pairs were already joined by the parser.
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value: Any) -> Any:
    """The decoded JSON with each lone surrogate replaced by U+FFFD, walked without recursion."""

    def fixed(item: Any) -> Any:
        return _LONE_SURROGATE.sub("\ufffd", item) if isinstance(item, str) else item

    root = [fixed(value)]
    pending = [root]
    while pending:
        container = pending.pop()
        if isinstance(container, list):
            for index, item in enumerate(container):
                container[index] = fixed(item)
                if isinstance(item, dict | list):
                    pending.append(item)
        else:
            for key in list(container):
                item = container.pop(key)
                container[fixed(key)] = fixed(item)
                if isinstance(item, dict | list):
                    pending.append(item)
    return root[0]


_NOT_JSON = object()


@sensitive_variables()
def request(
    method: str,
    path: str,
    *,
    endpoint: str,
    params: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """Send one call; return the decoded JSON body or raise an `errors.ApiError`.

    `path` is already URL-encoded. `endpoint` names the call in logs without
    its path values (references and search terms are personal data).
    """
    started = time.perf_counter()  # the wait for a slot counts: the page waited on the API
    try:
        with deadlines.call_deadline(settings.API_CALL_DEADLINE):
            try:
                status, content, response = _send(method, path, endpoint, params, body, headers)
            finally:  # the request's Server-Timing and access line (context.py)
                context.record_call(time.perf_counter() - started)
    except deadlines.Abandoned:  # nothing happened: nothing to log
        raise errors.Unavailable("Not sent: the reader it was for has gone.") from None
    except deadlines.OutOfTime:
        logger.warning("No time left in this request for a Clients API call: %s", endpoint)
        raise errors.Unavailable(
            "The Clients API is answering too slowly for this page: try again in a moment."
        ) from None
    except deadlines.NoSlot:
        logger.warning("Every Clients API slot of this process is busy: %s", endpoint)
        raise errors.Busy(
            "The Clients API is answering slowly and the dashboard is waiting on it for "
            "other pages: try again in a moment."
        ) from None
    decoded = _decode(content)
    if 200 <= status < 300:
        if decoded is _NOT_JSON:
            logger.warning("Clients API sent a non-JSON %s to %s", status, endpoint)
            raise _unknown_if_write(method, errors.BadResponse(status=status))
        return decoded
    error = _error_for(status, None if decoded is _NOT_JSON else decoded, response, endpoint)
    if status in (502, 504):  # a gateway's answer: the API behind it may have acted
        error = _unknown_if_write(method, error)
    raise error


@sensitive_variables()  # the prepared request holds the key (error reports show locals)
def _prepared(
    current: requests.Session,
    method: str,
    path: str,
    params: dict[str, Any] | None,
    body: dict[str, Any] | None,
    headers: dict[str, str] | None,
) -> requests.PreparedRequest:
    """The request Session.request would send (tests/api/test_endpoints.py compares
    them), without its merging of per-call cookies, hooks and environment settings that
    these calls never give: some 0.4 M instructions a call (make bench-instructions).
    The session's headers (a None value removes one, as there), key and cookie jar are
    used as it would use them; its hooks, params and proxies are not (none are set).
    A read with no cookie to send back skips prepare() too (`_prepared_bare`)."""
    merged = CaseInsensitiveDict(current.headers)
    merged.update(headers or {})
    for name in [name for name, value in merged.items() if value is None]:
        del merged[name]
    if body is None and not current.cookies and _plain(params):
        return _prepared_bare(current, method, path, params, merged)
    prepared = requests.PreparedRequest()
    prepared.prepare(
        method=method,
        url=settings.API_BASE_URL + path,
        headers=merged,
        params=params,
        json=body,
        auth=current.auth,
        cookies=current.cookies,
    )
    return prepared


def _plain(params: dict[str, Any] | None) -> bool:
    return params is None or all(type(value) in (str, int) for value in params.values())


@sensitive_variables()
def _prepared_bare(
    current: requests.Session,
    method: str,
    path: str,
    params: dict[str, Any] | None,
    headers: CaseInsensitiveDict,
) -> requests.PreparedRequest:
    """What prepare() makes of a call with no body, no cookie to send back and plain
    parameters (the reads, every page's call), in some 25 µs instead of 150: prepare()
    parses, IDNA-checks and re-quotes the whole URL, which only the base URL needs (done
    once, `_base_url`); paths come quoted segment by segment and the query urlencoded,
    which its re-quoting leaves as they are. What it also takes as given, from its
    callers: an upper-case method, a path without a query, headers of our own or already
    checked (X-Request-ID: monitoring/tracing.py), where prepare() would check them."""
    prepared = requests.PreparedRequest()
    prepared.method = method
    query = urlencode(params) if params else ""
    prepared.url = _base_url(settings.API_BASE_URL) + path + (f"?{query}" if query else "")
    prepared.headers = headers
    prepared.body = None
    prepared.hooks = default_hooks()
    prepared._cookies = current.cookies
    if method not in ("GET", "HEAD"):
        headers["Content-Length"] = "0"  # prepare() says so of a write without a body
    current.auth(prepared)
    return prepared


@lru_cache(maxsize=4)
def _base_url(base: str) -> str:
    """API_BASE_URL as prepare() writes it (a host in IDNA, say), without a final '/'
    that prepare() adds to a bare host: the paths bring their own."""
    prepared = requests.PreparedRequest()
    prepared.prepare_url(base + "/", None)
    return prepared.url.removesuffix("/")


@sensitive_variables()
def _send(method, path, endpoint, params, body, headers):
    """One call within its deadline: (status, body bytes, response), or an ApiError."""
    try:
        current = session()
        response = current.send(
            _prepared(current, method, path, params, body, context.with_request_id(headers)),
            timeout=settings.API_TIMEOUT,
            allow_redirects=False,
            stream=True,  # the body is read by _read_body, capped
            proxies={},  # trust_env is off: none from the environment (Session.request's)
        )
        with response:
            try:
                return response.status_code, _read_body(response, endpoint), response
            except errors.BadResponse as too_large:
                raise _unknown_if_write(method, too_large) from None  # it may have been done
    except requests.ConnectTimeout:
        raise _timed_out(endpoint) from None  # nothing was sent
    except requests.Timeout:
        raise _unknown_if_write(method, _timed_out(endpoint)) from None
    except requests.ConnectionError as error:
        if _caused_by_timeout(error):
            failure = _timed_out(endpoint)
        else:
            logger.warning("Clients API unreachable: %s", endpoint)
            failure = errors.Unavailable("The Clients API cannot be reached: try again shortly.")
        raise failure if _never_sent(error) else _unknown_if_write(method, failure) from None
    except requests.RequestException as error:  # e.g. a body cut short mid-way
        logger.warning("Clients API request failed: %s (%s)", endpoint, type(error).__name__)
        raise _unknown_if_write(method, errors.Unavailable()) from None


def _unknown_if_write(method: str, error: errors.ApiError) -> errors.ApiError:
    """For a write that may have reached the API, the failure says its outcome is unknown."""
    if method == "GET":
        return error
    logger.warning("Clients API %s outcome unknown (%s)", method, type(error).__name__)
    return errors.OutcomeUnknown(status=error.status)


def _timed_out(endpoint: str) -> errors.Unavailable:
    logger.warning("Clients API timed out: %s", endpoint)
    return errors.Unavailable("The Clients API did not answer in time: try again.")


def _reason(error: requests.ConnectionError) -> Any:
    # When retries run out, requests reports a ConnectionError wrapping urllib3's
    # MaxRetryError, whose `reason` is the last failure; a timeout while reading a
    # streamed body is wrapped directly.
    cause = error.args[0] if error.args else None
    return getattr(cause, "reason", cause)


def _caused_by_timeout(error: requests.ConnectionError) -> bool:
    # (urllib3's NewConnectionError, a refusal, subclasses its timeout error.)
    reason = _reason(error)
    if isinstance(reason, NewConnectionError):
        return False
    return isinstance(reason, ReadTimeoutError | ConnectTimeoutError)


def _never_sent(error: requests.ConnectionError) -> bool:
    """The connection could not be opened: the request cannot have reached the API."""
    return isinstance(_reason(error), NewConnectionError | ConnectTimeoutError)


def _error_for(status: int, body: Any, response: requests.Response, endpoint: str):
    message = _scrub(error_message(body))
    if status in (400, 409, 422):
        fields = {
            name: [_scrub(m) for m in messages] for name, messages in error_fields(body).items()
        }
        kind = errors.Conflict if status == 409 else errors.ValidationFailed
        return kind(message, status=status, errors=fields)
    if status == 404:
        return errors.NotFound(status=status)
    if status in (401, 403):
        logger.error(
            "Clients API refused the dashboard's credentials (%s) on %s: check API_SECRET_KEY "
            "and API_BASE_URL",
            status,
            endpoint,
        )
        return errors.Misconfigured(status=status)
    if status == 429:
        logger.warning("Clients API rate limited %s", endpoint)
        seconds = retry_after_seconds(response.headers.get("Retry-After"))
        return errors.RateLimited(retry_after=None if seconds is None else round(seconds))
    if 300 <= status < 400:
        logger.error("Clients API answered %s with a redirect: check API_BASE_URL", endpoint)
        return errors.Misconfigured(
            "The dashboard is misconfigured: the Clients API address redirects elsewhere.",
            status=status,
        )
    if status >= 500:
        logger.warning("Clients API failed with %s on %s", status, endpoint)
        return errors.Unavailable(status=status)
    logger.warning("Clients API answered %s on %s", status, endpoint)
    return errors.ApiError(message, status=status)
