"""Security headers on everything the dashboard renders: Content-Security-Policy,
Permissions-Policy, no-store, and Django's own (nosniff, Referrer-Policy, X-Frame-Options).

Each kind of response is checked twice: with the test client (fast), and from a real
gunicorn with DEBUG off, deployed as the README says, where nothing of the suite's
own configuration helps.
"""

import re

import pytest
import requests
from django.test import Client

from dashboard.headers import DENIED_FEATURES
from tests.canary import scan
from tests.processes import DashboardProcess, start_dashboard

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# name: (role, path, request headers, status)
RESPONSES = {
    "page": ("manager", "/clients/", {}, 200),
    "htmx fragment": ("manager", "/clients/?q=okafor", {"HX-Request": "true"}, 200),
    "csv export": ("manager", "/clients/export.csv?q=okafor", {}, 200),
    "403": ("viewer", "/audit/", {}, 403),
    "404": ("manager", "/no-such-page/", {}, 404),
    "500": ("manager", "/_crash/", {}, 500),  # tests/crash_urls.py
}


def policy_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in filter(str.strip, header.split(";")):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def cache_directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(",") if part.strip()}


def assert_protected(headers) -> None:
    """The headers every rendered response must carry (a case-insensitive mapping)."""
    assert policy_directives(headers["Content-Security-Policy"]) == EXPECTED_POLICY
    assert "Content-Security-Policy-Report-Only" not in headers
    permissions = dict(
        item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(",")
    )
    assert set(permissions) == set(DENIED_FEATURES)
    assert {"camera", "microphone", "geolocation", "payment", "usb"} <= set(permissions)
    assert set(permissions.values()) == {"()"}  # allowed to no origin, ours included
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert {"no-store", "private"} <= cache_directives(headers["Cache-Control"])


def is_fragment(body: str) -> bool:
    return "<html" not in body and "<body" not in body


# --- the test client ----------------------------------------------------------------


@pytest.mark.parametrize(("role", "path", "headers", "status"), RESPONSES.values(), ids=RESPONSES)
def test_every_kind_of_response_carries_the_security_headers(
    request, sandbox, settings, role, path, headers, status
):
    settings.ROOT_URLCONF = "tests.crash_urls"
    client = request.getfixturevalue(f"{role}_client")
    client.raise_request_exception = False  # the 500 page, as a browser gets it
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert_protected(response.headers)
    if response.streaming:
        b"".join(response.streaming_content)  # let the export finish and audit itself
    elif headers.get("HX-Request"):
        assert is_fragment(response.content.decode())


def test_the_sign_in_page_carries_the_security_headers(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert_protected(response.headers)


def test_an_htmx_error_fragment_carries_the_security_headers(viewer_client):
    response = viewer_client.get("/no-such-page/", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert_protected(response.headers)


# --- a real gunicorn, DEBUG off ---------------------------------------------------------

STAFF = {"manager": "Manager", "viewer": "Viewer"}  # username -> role (the same words)


@pytest.fixture(scope="module")
def production(sandbox_process, tmp_path_factory) -> DashboardProcess:
    sandbox_process.clear_faults()
    dashboard = start_dashboard(
        tmp_path_factory.mktemp("production"),
        api_url=sandbox_process.url,
        api_key=sandbox_process.api_key,
        staff=STAFF,
        env={"ROOT_URLCONF": "tests.crash_urls"},
    )
    yield dashboard
    dashboard.stop()


def never_stored(response: requests.Response, *args, **kwargs) -> None:
    """A response hook: every signed-in response, redirects included, says no-store."""
    scan(f"gunicorn's response to {response.url}", response.content)
    directives = cache_directives(response.headers.get("Cache-Control", ""))
    assert "no-store" in directives, f"{response.url} may be stored: {directives}"


@pytest.fixture(scope="module")
def sessions(production) -> dict[str, requests.Session]:
    signed_in = {}
    for username in STAFF:
        session = production.signed_in(username, "a-long-test-password")
        session.hooks["response"].append(never_stored)
        signed_in[username] = session
    return signed_in


@pytest.mark.parametrize(("role", "path", "headers", "status"), RESPONSES.values(), ids=RESPONSES)
def test_production_responses_carry_the_security_headers(
    production, sessions, role, path, headers, status
):
    response = sessions[role].get(production.url + path, headers=headers, timeout=30)
    assert response.status_code == status
    assert_protected(response.headers)
    if headers.get("HX-Request"):
        assert is_fragment(response.text)
    if status == 500:
        assert "Something went wrong" in response.text  # our page, no traceback
        assert "RuntimeError" not in response.text


def test_production_sign_in_page_carries_the_security_headers(production):
    response = requests.get(f"{production.url}/accounts/login/", timeout=10)
    assert response.status_code == 200
    assert_protected(response.headers)


def test_production_static_files_keep_far_future_caching(production, sessions):
    page = sessions["manager"].get(f"{production.url}/clients/", timeout=10)
    stylesheet = re.search(r'href="(/static/css/dashboard\.[0-9a-f]+\.css)"', page.text)
    assert stylesheet
    css = requests.get(production.url + stylesheet.group(1), timeout=10)
    assert css.status_code == 200
    directives = cache_directives(css.headers["Cache-Control"])
    assert "max-age=315360000" in directives and "immutable" in directives
    assert "no-store" not in directives
