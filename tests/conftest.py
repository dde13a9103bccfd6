"""Shared fixtures: the canary key guard, the live sandbox, and the browser.

The whole suite runs with a unique random API_SECRET_KEY (the canary). Every
response the dashboard produces (test client or live server) and every log
record is checked for it; a test whose output contains it fails.
"""

import logging
import os
import secrets
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.canary import CANARY, LeakLog, canary_leaks
from tests.processes import SandboxProcess, start_sandbox

# Playwright's sync API runs an event loop in the main thread; Django's ORM
# refuses to run beside one unless told the tests know what they are doing.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "var" / "screenshots"
FAKE_API = "https://api.clients.test"


def pytest_configure(config: pytest.Config) -> None:
    django_settings.API_SECRET_KEY = CANARY
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    django_settings.MIDDLEWARE = ["tests.canary.CanaryMiddleware", *django_settings.MIDDLEWARE]
    logging.getLogger().setLevel(logging.DEBUG)  # so DEBUG lines are checked too
    logging.getLogger().addHandler(LeakLog())


# Modules with a `background` run (tests/test_dependency_floors.py: a pip install and a
# pytest of their own, mostly waiting): in a run without workers, started once their
# tests are known to run, so they run beside the rest of the suite; their tests wait
# for the result.
_backgrounds: list = []


def pytest_collection_finish(session: pytest.Session) -> None:
    # Under pytest-xdist every worker collects every test but runs only some: the worker
    # that gets the module's test starts its run then (`wait` starts it), beside the
    # other worker's tests.
    if session.config.option.collectonly:
        return
    in_worker = hasattr(session.config, "workerinput")
    modules = {item.module: None for item in session.items if isinstance(item, pytest.Function)}
    for module in modules:
        if hasattr(module, "background"):
            if not in_worker:
                module.background.start()
            _backgrounds.append(module.background)  # stopped at the end either way


def pytest_sessionfinish(session: pytest.Session) -> None:
    for background in _backgrounds:
        background.stop()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()  # remembered client ids, sign-in failure counts


@pytest.fixture(autouse=True)
def _no_canary_leaks():
    canary_leaks.clear()
    yield
    if canary_leaks:
        pytest.fail(f"The API secret key leaked: {canary_leaks[:3]}", pytrace=False)


# --- the Clients API --------------------------------------------------------------


@pytest.fixture
def fake_api(settings):
    """For `responses` tests: a base URL nothing real answers on."""
    settings.API_BASE_URL = FAKE_API
    settings.API_BACKOFF = 0  # retries without sleeping
    return FAKE_API


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory) -> SandboxProcess:
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3"
    process = start_sandbox(db, api_key=CANARY, clients=1000)
    yield process
    process.stop()


@pytest.fixture
def sandbox(sandbox_process: SandboxProcess, settings) -> SandboxProcess:
    """The real sandbox over HTTP, with the dashboard pointed at it and no faults."""
    settings.API_BASE_URL = sandbox_process.url
    settings.API_BACKOFF = 0.01
    sandbox_process.clear_faults()
    sandbox_process.settle()
    sandbox_process.forget_received()
    yield sandbox_process
    sandbox_process.clear_faults()


# --- PostgreSQL and Redis (skipped without them, except under CI=true) ------------------


@pytest.fixture
def redis_server():
    """A throwaway redis-server on a free port (tests/services.py)."""
    from tests.services import start_redis

    server = start_redis()
    yield server
    server.remove()


@pytest.fixture
def postgres_server():
    """A throwaway PostgreSQL with an empty `dashboard` database (tests/services.py)."""
    from tests.services import start_postgres

    server = start_postgres()
    yield server
    server.remove()


# --- staff ---------------------------------------------------------------------------

PASSWORD = "correct-horse-battery"


def make_user(username: str, role: str | None = None, **flags):
    from django.apps import apps
    from django.contrib.auth.models import Group, User

    from dashboard.access.roles import sync_roles

    sync_roles(apps)  # a transactional test's flush also removes the migration's groups
    user = User.objects.create_user(username=username, password=PASSWORD, **flags)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def viewer(db):
    return make_user("vera", "Viewer")


@pytest.fixture
def officer(db):
    return make_user("olu", "Officer")


@pytest.fixture
def manager(db):
    return make_user("mariam", "Manager")


@pytest.fixture
def superuser(db):
    return make_user("root", is_superuser=True, is_staff=True)


@pytest.fixture
def no_role(db):
    return make_user("nobody")


def signed_in_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(viewer):
    return signed_in_client(viewer)


@pytest.fixture
def officer_client(officer):
    return signed_in_client(officer)


@pytest.fixture
def manager_client(manager):
    return signed_in_client(manager)


# --- the browser --------------------------------------------------------------------

BROWSER_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # this machine's network is closed
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
        except Exception as problem:
            # Never a silent skip: `make test` installs a browser, CI must have one.
            pytest.fail(f"No usable Chromium ({executable or 'Playwright build'}): {problem}")
        yield launched
        launched.close()


# Runs before any page script (and outside the page's CSP): every Content-Security-Policy
# violation becomes a console error, which fails the test like any other.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile || document.URL}:${event.lineNumber}`;
  console.error(`CSP violation: ${event.effectiveDirective} (${event.blockedURI}) at ${where}`);
});
"""


@pytest.fixture
def page(browser, live_server, sandbox):
    """A fresh browser tab on the live dashboard (CSP enforced); console errors and CSP
    violations fail the test."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: message.type == "error" and problems.append(message.text))
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.console_problems = problems
    # Substrings a test expects, e.g. "status of 503". htmx logs an aborted request
    # (hx-sync replacing a search still in flight) as an error: that is the design.
    tab.console_allowed = ["htmx:sendAbort"]

    def sign_in(user) -> None:
        session = signed_in_client(user).cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )

    tab.sign_in = sign_in
    yield tab
    context.close()
    allowed = list(tab.console_allowed)
    if any("htmx:sendAbort" in problem for problem in problems):
        allowed.append("htmx:afterRequest")  # htmx logs the aborted request's end too
    unexpected = [p for p in problems if not any(a in p for a in allowed)]
    assert not unexpected, f"browser console errors: {unexpected}"


@pytest.fixture
def screenshot():
    """screenshot(page, "name") writes var/screenshots/name.png for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(tab, name: str, **options) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        tab.screenshot(path=str(path), **options)
        return path

    return take


@pytest.fixture
def random_suffix() -> str:
    return secrets.token_hex(3)
