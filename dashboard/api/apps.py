import ipaddress
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from .transport import BACKOFF_MAX

PAGE_WAIT_LIMIT = 30.0  # seconds: past this a proxy or a person gives up on a page


def worst_case_seconds() -> float:
    """Longest one GET can take: every attempt timing out, the longest waits between,
    cut short by API_CALL_DEADLINE (deadlines.py)."""
    connect, read = settings.API_TIMEOUT
    attempts = max(1, settings.API_ATTEMPTS)
    waits = sum(
        max(min(BACKOFF_MAX, settings.API_BACKOFF * 2**n), settings.API_RETRY_AFTER_CAP)
        for n in range(attempts - 1)
    )
    return min(attempts * (connect + read) + waits, settings.API_CALL_DEADLINE)


def check_api_settings(**kwargs) -> list[checks.CheckMessage]:
    found = []
    budget, deadline = settings.API_REQUEST_BUDGET, settings.API_CALL_DEADLINE
    if budget > PAGE_WAIT_LIMIT or deadline > budget:
        found.append(
            checks.Warning(
                f"A page can wait {budget:.1f} s for the Clients API (API_REQUEST_BUDGET), "
                f"one call {deadline:.1f} s (API_CALL_DEADLINE): keep the "
                f"call's deadline within the budget and the budget under {PAGE_WAIT_LIMIT:.0f} s.",
                id="api.W001",
            )
        )
    url = urlsplit(settings.API_BASE_URL)
    local = is_loopback_host(url.hostname)
    if not (url.scheme == "https" or (url.scheme == "http" and local)):
        found.append(
            checks.Warning(
                "API_BASE_URL is not https: the secret key would cross the network in clear.",
                id="api.W002",
            )
        )
    if settings.DEBUG and not local:
        found.append(
            checks.Warning(
                "DEBUG is on while API_BASE_URL points at a remote API: set DEBUG=False "
                "outside the local demo (debug pages show settings and local variables).",
                id="api.W003",
            )
        )
    return found


def is_loopback_host(hostname: str | None) -> bool:
    """This machine only: localhost, 127.0.0.0/8 or ::1. A prefix test would take
    `localhost.evil.example` or `127.0.0.1.evil.example` for local."""
    if not hostname:
        return False
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


class ApiConfig(AppConfig):
    name = "dashboard.api"
    label = "api"
    verbose_name = "Clients API"

    def ready(self) -> None:
        checks.register(check_api_settings)
