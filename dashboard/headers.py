"""Response headers the dashboard adds to everything it renders.

Static files never reach these middlewares: whitenoise answers them first, with
far-future caching (see MIDDLEWARE in settings.py).
"""

from collections.abc import Callable
from functools import lru_cache
from http import HTTPStatus

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from dashboard.setting_changes import forget_on_change

# Browser features a back-office page never needs, denied to it and to anything it
# could embed. Only names Chromium knows: an unknown one is a console error.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)

GetResponse = Callable[[HttpRequest], HttpResponseBase]


class PermissionsPolicy:
    """Permissions-Policy on every response: no camera, microphone, location, payment..."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's middleware, with the policy as settings state it built once.

    django-csp builds the header anew on every response (some 35 directives walked and
    copied, twice: the policy and the report-only one), and every page of ours sends the
    same one: no nonce, no per-view decorator. A response that a decorator marked (any
    `_csp…` attribute), a request that asked for a nonce, and the DEBUG error pages
    django-csp leaves alone go through django-csp's own code. This leans on django-csp
    4's internals (`_csp_nonce`, the `_csp…` attributes, the late-nonce guard):
    tests/test_headers.py compares the two over views and settings, and is what to run
    when django-csp is upgraded."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(name.startswith("_csp") for name in vars(response))
            or (settings.DEBUG and response.status_code in DEBUG_PAGES)
        ):
            return super().process_response(request, response)
        for header, policy, excluded in settings_policies():
            if header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


DEBUG_PAGES = (HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.NOT_FOUND)


@lru_cache(maxsize=1)
def settings_policies() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(header, policy, excluded path prefixes) of each policy settings define."""
    policies = []
    for header, name, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        policy = build_policy(report_only=report_only)
        if policy:
            config = getattr(settings, name, None) or {}
            excluded = tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())
            policies.append((header, policy, excluded))
    return tuple(policies)


forget_on_change(settings_policies.cache_clear, "CONTENT_SECURITY_POLICY")


class NoStore:
    """Cache-Control: no-store, private on every page, fragment, CSV file and error page.

    They hold client data (names, balances, addresses): no browser cache, back-button
    snapshot on disk or shared proxy may keep a copy after the session ends.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Cache-Control" in response:
            patch_cache_control(response, no_store=True, private=True)
        else:  # what patch_cache_control writes, without parsing a header that is not there
            response["Cache-Control"] = "no-store, private"
        return response
