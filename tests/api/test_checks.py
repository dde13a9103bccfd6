"""The system checks on the API settings: is the key about to cross the network in clear?"""

import pytest

from dashboard.api.apps import check_api_settings


def warnings_for(settings, url: str, *, debug: bool = False) -> set[str]:
    settings.API_BASE_URL = url
    settings.DEBUG = debug
    return {message.id for message in check_api_settings()} & {"api.W002", "api.W003"}


@pytest.mark.parametrize(
    "url",
    [
        "https://api.lender.example",
        "http://127.0.0.1:8001",
        "http://127.8.9.10:8001",  # all of 127.0.0.0/8 is this machine
        "http://localhost:8001",
        "http://LOCALHOST",
        "http://[::1]:8001",
    ],
)
def test_https_or_this_machine_is_not_warned_about(settings, url):
    assert warnings_for(settings, url) == set()


@pytest.mark.parametrize(
    "url",
    [
        "http://api.lender.example",
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example:8001",
        "http://localhost@evil.example",  # user info, then the real host
        "http://128.0.0.1",
        "http://[::2]",
        "ftp://localhost",
        "localhost:8001",  # no scheme at all
    ],
)
def test_plain_http_to_anything_else_is_warned_about(settings, url):
    assert warnings_for(settings, url) == {"api.W002"}


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://127.0.0.1:8001", set()),
        ("http://localhost.evil.example", {"api.W002", "api.W003"}),
        ("https://api.lender.example", {"api.W003"}),
    ],
)
def test_debug_against_a_remote_api_is_warned_about(settings, url, warned):
    assert warnings_for(settings, url, debug=True) == warned
