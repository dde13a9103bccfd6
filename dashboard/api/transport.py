"""HTTP to the Clients API: sessions, authentication, retries, and error mapping.

One `requests.Session` per thread (requests does not promise a Session is
thread-safe), each with a keep-alive pool, the Bearer header added by one auth
hook, timeouts on every call and redirects never followed: a redirect must not
carry the secret key to another host.

Retries (urllib3): only GET is retried, on connection errors and 429/502/503/504,
with a short backoff. A Retry-After up to `API_RETRY_AFTER_CAP` seconds is
waited for; a longer one is answered at once as `RateLimited`. POST, PATCH and
DELETE are sent once, except when the connection itself could not be opened
(then nothing reached the API). The worst-case duration is in settings.py.
"""

import json
import logging
import threading
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import requests
from django.conf import settings
from django.core.signals import setting_changed
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from . import errors
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
    the 429/503 goes back to the caller, which reports "rate limited".
    """

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):
        if response is not None and self.respect_retry_after_header:
            seconds = retry_after_seconds(response.headers.get("Retry-After"))
            if seconds is not None and seconds > self.retry_after_max:
                raise MaxRetryError(_pool, url, "Retry-After beyond the dashboard's cap")
        return super().increment(method, url, response, error, _pool, _stacktrace)

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


_local = threading.local()
_generation = 0  # bumped when settings change (tests), so threads build new sessions


def _reset_sessions(**kwargs: Any) -> None:
    global _generation
    if kwargs.get("setting", "API_").startswith("API_"):
        _generation += 1


setting_changed.connect(_reset_sessions)


def session() -> requests.Session:
    if getattr(_local, "generation", None) != _generation:
        new = requests.Session()
        new.auth = BearerAuth()
        new.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=4, max_retries=build_retry())
        new.mount("http://", adapter)
        new.mount("https://", adapter)
        new.trust_env = False  # no proxy or .netrc credentials picked up by surprise
        _local.session, _local.generation = new, _generation
    return _local.session


def release_session() -> None:
    """Close this thread's session and its pooled connections (a worker thread ending)."""
    current = getattr(_local, "session", None)
    if current is not None:
        current.close()
        _local.session = _local.generation = None


def _scrub(text: str | None) -> str | None:
    """Remove the key from text that came from outside, in case the API echoes it."""
    key = settings.API_SECRET_KEY
    if text and key and key in text:
        return text.replace(key, "[redacted]")
    return text


def _decode(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()


def request(
    method: str,
    path: str,
    *,
    endpoint: str,
    params: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
) -> Any:
    """Send one call; return the decoded JSON body or raise an `errors.ApiError`.

    `path` is already URL-encoded. `endpoint` names the call in logs without
    its path values (references and search terms are personal data).
    """
    url = settings.API_BASE_URL + path
    try:
        response = session().request(
            method,
            url,
            params=params,
            json=body,
            timeout=settings.API_TIMEOUT,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise _timed_out(endpoint) from None
    except requests.ConnectionError as error:
        if _caused_by_timeout(error):
            raise _timed_out(endpoint) from None
        logger.warning("Clients API unreachable: %s", endpoint)
        raise errors.Unavailable("The Clients API cannot be reached: try again shortly.") from None
    except requests.RequestException as error:
        logger.warning("Clients API request failed: %s (%s)", endpoint, type(error).__name__)
        raise errors.Unavailable() from None

    status = response.status_code
    decoded = _decode(response)
    if 200 <= status < 300:
        if decoded is _NOT_JSON:
            logger.warning("Clients API sent a non-JSON %s to %s", status, endpoint)
            raise errors.BadResponse(status=status)
        return decoded
    raise _error_for(status, None if decoded is _NOT_JSON else decoded, response, endpoint)


def _timed_out(endpoint: str) -> errors.Unavailable:
    logger.warning("Clients API timed out: %s", endpoint)
    return errors.Unavailable("The Clients API did not answer in time: try again.")


def _caused_by_timeout(error: requests.ConnectionError) -> bool:
    # When retries run out on a read timeout, requests reports a ConnectionError
    # wrapping urllib3's MaxRetryError; the timeout is its `reason`.
    # (urllib3's NewConnectionError, a refusal, subclasses its timeout error.)
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(reason, NewConnectionError):
        return False
    return isinstance(reason, ReadTimeoutError | ConnectTimeoutError)


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
