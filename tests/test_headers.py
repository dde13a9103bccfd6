"""Security headers on everything the dashboard renders: Content-Security-Policy,
Permissions-Policy, no-store, and Django's own (nosniff, Referrer-Policy, X-Frame-Options).

Each kind of response is checked twice: with the test client (fast), and from a real
gunicorn with DEBUG off, deployed as the README says, where nothing of the suite's
own configuration helps.
"""

import re

import pytest
import requests
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory

from dashboard.headers import DENIED_FEATURES, ContentSecurityPolicy, NoStore
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


# --- the policy built once (dashboard/headers.py) against django-csp's own middleware --


def plain_view(request):
    return HttpResponse("ok")


def nonce_view(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


def own_header_view(request):
    response = HttpResponse("ok")
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def server_error_view(request):
    return HttpResponse("broken", status=500)


VIEWS = {
    "plain": plain_view,
    "nonce": nonce_view,
    "its own header": own_header_view,
    "csp_update": csp_update({"img-src": "https://photos.example"})(plain_view),
    "csp_replace": csp_replace({"script-src": None})(plain_view),
    "csp_exempt": csp_exempt()(plain_view),
    "report-only exempt": csp_exempt(REPORT_ONLY=True)(plain_view),
    "a 500": server_error_view,
}
# With NONCE, so a request that used a nonce must get it in the header.
POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
    }
}
SETTINGS = {
    "enforced": {"CONTENT_SECURITY_POLICY": POLICY, "CONTENT_SECURITY_POLICY_REPORT_ONLY": None},
    "report only": {
        "CONTENT_SECURITY_POLICY": None,
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": POLICY,
    },
    "both": {"CONTENT_SECURITY_POLICY": POLICY, "CONTENT_SECURITY_POLICY_REPORT_ONLY": POLICY},
    "excluded prefix": {
        "CONTENT_SECURITY_POLICY": {**POLICY, "EXCLUDE_URL_PREFIXES": ["/cl"]},
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": None,
    },
    "report only, excluded prefix": {
        "CONTENT_SECURITY_POLICY": POLICY,
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": {**POLICY, "EXCLUDE_URL_PREFIXES": ["/clients/"]},
    },
    "debug": {"CONTENT_SECURITY_POLICY": POLICY, "DEBUG": True},
}
CSP_HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def served(middleware_class, view):
    """The policy headers (nonces blanked), and whether a nonce asked for afterwards is
    refused (as django-csp refuses one once the header is written without it)."""
    request = RequestFactory().get("/clients/")
    response = middleware_class(view)(request)
    try:
        str(request.csp_nonce)
        late_nonce_refused = False
    except CSPNonceError:
        late_nonce_refused = True
    headers = {name: response.get(name) for name in CSP_HEADERS}
    headers = {
        name: value and re.sub(r"nonce-[^']+", "nonce-N", value) for name, value in headers.items()
    }
    return headers, late_nonce_refused


@pytest.mark.parametrize("configuration", SETTINGS.values(), ids=SETTINGS)
@pytest.mark.parametrize("view", VIEWS.values(), ids=VIEWS)
def test_the_policy_built_once_is_the_one_django_csp_builds(settings, configuration, view):
    for name, value in configuration.items():
        setattr(settings, name, value)  # and the policy built for the settings before is forgotten
    (ours, our_refusal), (theirs, their_refusal) = (
        served(ContentSecurityPolicy, view),
        served(CSPMiddleware, view),
    )
    parsed = {name: value and policy_directives(value) for name, value in ours.items()}
    assert parsed == {name: value and policy_directives(value) for name, value in theirs.items()}
    assert our_refusal == their_refusal
    if view is plain_view and "EXCLUDE_URL_PREFIXES" not in str(configuration):
        assert any(ours.values()) and our_refusal  # not two missing headers compared
    if view is nonce_view:  # every header sent names the nonce the page used
        assert all("'nonce-N'" in value for value in ours.values() if value)


def test_no_store_joins_a_cache_control_a_view_set():
    def cached_view(request):
        response = HttpResponse("ok")
        response["Cache-Control"] = "max-age=60"
        return response

    request = RequestFactory().get("/")
    assert NoStore(plain_view)(request)["Cache-Control"] == "no-store, private"
    joined = cache_directives(NoStore(cached_view)(request)["Cache-Control"])
    assert joined == {"max-age=60", "no-store", "private"}


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
