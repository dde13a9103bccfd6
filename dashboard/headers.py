"""Response headers the dashboard adds to everything it renders.

Static files never reach these middlewares: whitenoise answers them first, with
far-future caching (see MIDDLEWARE in settings.py).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

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


class NoStore:
    """Cache-Control: no-store, private on every page, fragment, CSV file and error page.

    They hold client data (names, balances, addresses): no browser cache, back-button
    snapshot on disk or shared proxy may keep a copy after the session ends.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
