"""`/healthz` and `/readyz`, for load balancers and operators.

- `/healthz`: the process answers. Nothing else is asked (no database, no cache, no
  API, no session), so it stays cheap and says "restart me" only when it cannot answer.
- `/readyz`: this instance can serve pages: a database query, a cache round trip and a
  light Clients API call, each with its latency; 200 when all hold, 503 naming the
  checks that failed. The API probe's result is kept READYZ_API_CACHE_SECONDS in this
  process, so a load balancer polling every second costs the API one call per window.

Neither needs a sign-in, shows personal data or a secret, or may be cached. Both are
answered by `AnswerProbesEarly`, before the session and sign-in middleware: those read
the session from the database (Django saves it on every request here), which would
make /healthz depend on the database and turn /readyz's report of a database outage
into a 500.
"""

import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dashboard import api
from dashboard.access.guards import public
from dashboard.setting_changes import forget_on_change
from dashboard.template_urls import remembered

logger = logging.getLogger(__name__)

Check = dict[str, Any]  # {"ok": bool, "ms": float, "error": str (when not ok)}


@require_safe
@never_cache
@public
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
@public
def readyz(request: HttpRequest) -> HttpResponse:
    checks = {
        "database": timed("database", database_answers),
        "cache": timed("cache", cache_keeps_a_value),
        "api": api_probe.check(),
    }
    failed = [name for name, check in checks.items() if not check["ok"]]
    body: dict[str, Any] = {"status": "fail" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def timed(name: str, check: Callable[[], str | None]) -> Check:
    """Run one check: None means it held, a string says what failed."""
    started = time.perf_counter()
    try:
        problem = check()
    except Exception as error:  # any failure means "not ready", and must not be a 500
        logger.warning("Readiness: the %s check failed (%s)", name, type(error).__name__)
        problem = "unavailable"
    result: Check = {"ok": problem is None, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if problem is not None:
        result["error"] = problem
    return result


def database_answers() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def cache_keeps_a_value() -> str | None:
    # Written and read back: a cache that fails quietly (dashboard/cache.py turns an
    # unreachable Redis into misses) would pass a mere get().
    key, token = f"readyz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, token, timeout=30)
    try:
        if cache.get(key) != token:
            logger.warning("Readiness: the cache did not keep a value written to it")
            return "a value written was not read back"
    finally:
        cache.delete(key)
    return None


API_PROBLEMS = {
    api.Unavailable: "unavailable",
    api.Misconfigured: "misconfigured",  # the key refused, or the address redirects
    api.RateLimited: "rate limited",
    api.BadResponse: "bad response",
}


def api_answers() -> str | None:
    # The lightest call of the contract: one client's worth of the list (the service
    # module logs why a failure failed).
    try:
        api.client_list(page=1, per_page=1)
    except api.ApiError as error:
        return next(
            (words for kind, words in API_PROBLEMS.items() if isinstance(error, kind)), "error"
        )
    return None


class ApiProbe:
    """The last API probe of this process, kept READYZ_API_CACHE_SECONDS.

    One probe at a time: while one is under way (up to API_CALL_DEADLINE against a
    hanging API), other /readyz requests answer with the previous result instead of
    holding more threads on the API.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.forget()

    def forget(self, **kwargs: Any) -> None:
        self.result: Check | None = None
        self.checked_at = -math.inf  # time.monotonic()
        self.checked_url: str | None = None

    def check(self) -> Check:
        url = settings.API_BASE_URL
        previous = self.result if self.checked_url == url else None
        if previous is not None and self._fresh():
            return {**previous, "cached": True}
        if not self.lock.acquire(blocking=previous is None):
            return {**previous, "cached": True}  # another thread is probing just now
        try:
            if self.result is not None and self.checked_url == url and self._fresh():
                return {**self.result, "cached": True}  # probed while this one waited
            result = timed("api", api_answers)
            self.result, self.checked_at, self.checked_url = result, time.monotonic(), url
            return result
        finally:
            self.lock.release()

    def _fresh(self) -> bool:
        return time.monotonic() - self.checked_at < settings.READYZ_API_CACHE_SECONDS


api_probe = ApiProbe()


forget_on_change(api_probe.forget, "API_", "READYZ_")  # tests point the API elsewhere


class AnswerProbesEarly:
    """Middleware, before the session's: /healthz and /readyz are answered here, with
    the security headers of the middleware before it and without the session, CSRF,
    sign-in or message middleware after it (none of which they need)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in (remembered("healthz"), remembered("readyz")):
            match = resolve(request.path_info)
            request.resolver_match = match  # the access line names the route
            return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
