"""WCAG 2.2 AA in a real browser: axe-core (bundled by axe-playwright-python) over every
page as each role sees it, on a desktop (1280 px) and a phone (390 px), in the light and
the dark theme. A serious or critical violation fails the page's test, and so do the few
moderate rules listed in ALSO_ENFORCED; every failure is listed with where it was seen.

Kept fast: one browser context and one tab per role for the whole module, each page
loaded once per role and checked four times (width and theme switched in place, the
theme the way static/js/theme.js follows it: the system's colour scheme).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from tests.conftest import REPORT_CSP_VIOLATIONS, signed_in_client

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
THEMES = ("light", "dark")
# WCAG 2.0-2.2 A and AA, and axe's best practices (landmarks, headings, scrollable regions).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
COLOUR_ONLY = {
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
# Moderate in axe's scale, but what a screen-reader user navigates by.
ALSO_ENFORCED = {"page-has-heading-one", "landmark-one-main", "heading-order", "empty-heading"}

LOANS_AND_DEPOSITS = "CL-000125"  # 8 loans, 25 deposits (three pages of 10)
# Each page as the roles whose views of it differ: the fewest controls and the most (an
# officer's client pages are a manager's less Delete and Export); where only the navbar
# would differ (the forms, an empty search), the least role that has the page.
READERS = ("viewer", "manager")


@dataclass(frozen=True)
class Screen:
    """One page (or state of a page) to check: how to reach it, and for whom."""

    name: str
    roles: tuple[str | None, ...]  # None: signed out
    open: Callable[[Page, object], None]
    console_allowed: tuple[str, ...] = field(default=())
    pictures: bool = False  # screenshots of each width and theme, as the first role sees it


def visit(path: str, ready: str = "main h1") -> Callable[[Page, object], None]:
    def open_(tab: Page, sandbox) -> None:
        tab.goto(path)
        expect(tab.locator(ready).first).to_be_visible()

    return open_


def form_with_errors(tab: Page, sandbox) -> None:
    tab.goto("/clients/new/")
    tab.locator("#client-form").get_by_role("button", name="Save").click()
    expect(tab.locator("#form-errors")).to_be_focused()


def detail_when_the_api_fails(tab: Page, sandbox) -> None:
    sandbox.set_faults(error_rate=1)
    try:
        tab.goto(f"/clients/{LOANS_AND_DEPOSITS}/")
        expect(tab.locator("[data-region-error]")).to_be_visible()
    finally:
        sandbox.clear_faults()


def tab_retry_state(tab: Page, sandbox) -> None:
    tab.goto(f"/clients/{LOANS_AND_DEPOSITS}/")
    expect(tab.locator("#client-name")).to_be_visible()
    sandbox.set_faults(error_rate=1)
    try:
        tab.get_by_role("tab", name="Deposits").click()
        expect(tab.locator("#client-tabs [data-region-error]")).to_be_visible()
    finally:
        sandbox.clear_faults()


def list_retry_state(tab: Page, sandbox) -> None:
    tab.goto("/clients/")
    expect(tab.locator("#client-results tbody tr").first).to_be_visible()
    sandbox.set_faults(error_rate=1)
    try:
        tab.locator("#q").fill("okafor")
        expect(tab.locator("#client-results [data-region-error]")).to_be_visible()
    finally:
        sandbox.clear_faults()


def user_menu_open(tab: Page, sandbox) -> None:
    tab.goto("/clients/")
    tab.locator("[data-user-menu] summary").click()
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()


def signed_out(tab: Page, sandbox) -> None:
    tab.goto("/clients/")
    tab.locator("[data-user-menu] .dropdown-toggle").click()
    tab.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()


SCREENS = [
    Screen("client list", READERS, visit("/clients/", "#client-results tbody tr"), pictures=True),
    Screen("user menu, open", ("viewer",), user_menu_open),
    Screen(
        "search with results", READERS, visit("/clients/?q=okafor", "#client-results tbody tr")
    ),
    Screen("search with none", ("viewer",), visit("/clients/?q=zzzzqqqq", "#client-results p")),
    Screen(
        "client loans",
        ("manager", "viewer"),
        visit(f"/clients/{LOANS_AND_DEPOSITS}/", "#tab-panel tbody tr"),
        pictures=True,
    ),
    Screen(
        "client deposits",
        READERS,
        visit(f"/clients/{LOANS_AND_DEPOSITS}/?tab=deposits&perPage=10", "#tab-panel tbody tr"),
        pictures=True,
    ),
    Screen("new client form", ("officer",), visit("/clients/new/", "#client-form")),
    Screen(
        "edit form", ("officer",), visit(f"/clients/{LOANS_AND_DEPOSITS}/edit/", "#client-form")
    ),
    Screen("form with errors", ("officer",), form_with_errors, ("status of 422",)),
    Screen("audit log", ("manager",), visit("/audit/")),
    Screen("sign-in", (None,), visit("/accounts/login/")),
    Screen("signed out", ("viewer",), signed_out, pictures=True),
    Screen("password change", ("officer",), visit("/accounts/password/")),
    Screen("not allowed", ("viewer",), visit("/audit/"), ("status of 403",)),
    Screen("client page, API failing", ("viewer",), detail_when_the_api_fails, ("status of 503",)),
    Screen("tab retry state", ("viewer",), tab_retry_state, ("status of 503",), pictures=True),
    Screen("list retry state", ("viewer",), list_retry_state, ("status of 503",)),
]


@pytest.fixture(scope="module")
def tabs(browser, live_server):
    """tab_for(role): the role's one tab, opened the first time it is asked for."""
    opened: dict[str | None, Page] = {}

    def tab_for(role: str | None) -> Page:
        if role not in opened:
            context = browser.new_context(
                base_url=live_server.url, viewport=WIDTHS["desktop"], reduced_motion="reduce"
            )
            context.set_default_timeout(10_000)
            context.add_init_script(REPORT_CSP_VIOLATIONS)
            tab = context.new_page()
            tab.problems = []
            tab.on("console", lambda m, t=tab: m.type == "error" and t.problems.append(m.text))
            tab.on("pageerror", lambda error, t=tab: t.problems.append(str(error)))
            opened[role] = tab
        return opened[role]

    yield tab_for
    for tab in opened.values():
        tab.context.close()


def prepare(tab: Page, user, live_server_url: str) -> None:
    """A clean start for this test: its user's session (the last test's database is gone)."""
    tab.context.clear_cookies()
    tab.problems.clear()
    tab.set_viewport_size(WIDTHS["desktop"])
    tab.emulate_media(color_scheme="light")
    if user is not None:
        session = signed_in_client(user).cookies[django_settings.SESSION_COOKIE_NAME].value
        tab.context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server_url,
                }
            ]
        )


def show(tab: Page, width: str, theme: str) -> None:
    tab.set_viewport_size(WIDTHS[width])
    tab.emulate_media(color_scheme=theme)
    tab.wait_for_function(
        """(theme) => document.documentElement.getAttribute("data-bs-theme") === theme
            && document.getAnimations().every(
                (animation) => animation.playState !== "running"
                    || animation.effect.getTiming().iterations === Infinity)""",
        arg=theme,
    )


def axe_violations(tab: Page, options: dict) -> list[dict]:
    if not tab.evaluate("typeof window.axe === 'object'"):
        tab.evaluate(AXE_SCRIPT)
    return tab.evaluate("(options) => axe.run(document, options)", options)["violations"]


def failing(violation: dict) -> bool:
    return violation["impact"] in FAILING_IMPACTS or violation["id"] in ALSO_ENFORCED


def findings(violations: list[dict]) -> list[tuple[str, str]]:
    """(rule, element: why) for each failing element, readable on its own."""
    found = []
    for violation in filter(failing, violations):
        rule = f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for node in violation["nodes"]:
            reasons = [check["message"] for check in node["any"] + node["all"] + node["none"]]
            target = " ".join(str(part) for part in node["target"])
            found.append((rule, f"{target}: {reasons[0] if reasons else node['failureSummary']}"))
    return found


def report(name: str, found: dict[tuple[str, str], list[str]]) -> str:
    lines = [f"{name}: {len(found)} accessibility problem(s)"]
    for rule in dict.fromkeys(rule for rule, _ in found):
        lines.append(rule)
        for (other, element), seen in found.items():
            if other == rule:
                lines.append(f"  {element}\n      seen as {'; '.join(seen)}")
    return "\n".join(lines)


@pytest.mark.parametrize("screen", SCREENS, ids=[screen.name for screen in SCREENS])
def test_no_serious_accessibility_violations(
    screen, tabs, live_server, sandbox, screenshot, request
):
    found: dict[tuple[str, str], list[str]] = {}  # (rule, element) -> where it was seen
    for role in screen.roles:
        tab = tabs(role)
        prepare(tab, request.getfixturevalue(role) if role else None, live_server.url)
        screen.open(tab, sandbox)
        for width in WIDTHS:
            for theme in THEMES:
                show(tab, width, theme)
                # The second theme changes colours only: the other rules saw this layout.
                options = AXE_OPTIONS if theme == THEMES[0] else COLOUR_ONLY
                for finding in findings(axe_violations(tab, options)):
                    found.setdefault(finding, []).append(
                        f"{role or 'signed out'}, {width}, {theme}"
                    )
                if screen.pictures and role == screen.roles[0]:
                    name = re.sub(r"\W+", "-", screen.name)
                    screenshot(tab, f"a11y-{name}-{width}-{theme}", full_page=True)
        unexpected = [
            problem
            for problem in tab.problems
            if not any(allowed in problem for allowed in screen.console_allowed)
        ]
        assert not unexpected, f"browser console errors: {unexpected}"
    assert not found, report(screen.name, found)
