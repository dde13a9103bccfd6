from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from .transport import BACKOFF_MAX

WORST_CASE_LIMIT = 15.0  # seconds a page may wait for one API call


def worst_case_seconds() -> float:
    """Longest one GET can take: every attempt timing out, and the longest wait between."""
    connect, read = settings.API_TIMEOUT
    attempts = max(1, settings.API_ATTEMPTS)
    waits = sum(
        max(min(BACKOFF_MAX, settings.API_BACKOFF * 2**n), settings.API_RETRY_AFTER_CAP)
        for n in range(attempts - 1)
    )
    return attempts * (connect + read) + waits


def check_api_settings(**kwargs) -> list[checks.CheckMessage]:
    found = []
    worst = worst_case_seconds()
    if worst > WORST_CASE_LIMIT:
        found.append(
            checks.Warning(
                f"One Clients API call can take {worst:.1f} s with API_TIMEOUT and "
                f"API_ATTEMPTS as set; keep it under {WORST_CASE_LIMIT:.0f} s.",
                id="api.W001",
            )
        )
    if not settings.API_BASE_URL.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        found.append(
            checks.Warning(
                "API_BASE_URL is not https: the secret key would cross the network in clear.",
                id="api.W002",
            )
        )
    local = settings.API_BASE_URL.startswith(("http://127.0.0.1", "http://localhost"))
    if settings.DEBUG and not local:
        found.append(
            checks.Warning(
                "DEBUG is on while API_BASE_URL points at a remote API: set DEBUG=False "
                "outside the local demo (debug pages show settings and local variables).",
                id="api.W003",
            )
        )
    return found


class ApiConfig(AppConfig):
    name = "dashboard.api"
    label = "api"
    verbose_name = "Clients API"

    def ready(self) -> None:
        checks.register(check_api_settings)
