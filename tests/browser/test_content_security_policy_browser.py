"""The Content-Security-Policy in a real browser: inline code is blocked, and a violation
fails the test that caused it (the `page` fixture turns it into a console error)."""

import time

import pytest

pytestmark = pytest.mark.browser

# Each injects what an XSS would, in the way htmx or a template slip could let it in.
INJECTIONS = {
    "inline script": (
        "script-src-elem",
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }""",
    ),
    "inline event handler": (
        "script-src-attr",
        """() => document.body.insertAdjacentHTML(
            "beforeend", '<img src="/static/favicon.svg" onload="window.injected = true">')""",
    ),
    "inline style attribute": (
        "style-src-attr",
        """() => document.body.insertAdjacentHTML(
            "beforeend", '<p id="styled" style="color: red">styled</p>')""",
    ),
}


def wait_for_problem(page, text: str, seconds: float = 5) -> list[str]:
    deadline = time.monotonic() + seconds
    while not any(text in problem for problem in page.console_problems):
        assert time.monotonic() < deadline, f"no {text!r} in {page.console_problems}"
        page.wait_for_timeout(50)  # lets Playwright deliver the console events
    return [problem for problem in page.console_problems if text in problem]


@pytest.mark.parametrize(("directive", "inject"), INJECTIONS.values(), ids=INJECTIONS)
def test_inline_code_is_blocked_and_reported_as_a_console_error(page, manager, directive, inject):
    page.sign_in(manager)
    page.goto("/clients/")
    page.evaluate(inject)
    caught = wait_for_problem(page, f"CSP violation: {directive}")
    # Seen by the fixture: left as they are, they would fail this test at teardown.
    assert not any(allowed in caught[0] for allowed in page.console_allowed)
    assert page.evaluate("window.injected") is None
    if directive == "style-src-attr":
        color = page.evaluate("getComputedStyle(document.getElementById('styled')).color")
        assert color != "rgb(255, 0, 0)"
    # This test caused them on purpose (and Chromium's own "... violates the following
    # Content Security Policy directive ..." lines).
    page.console_allowed += ["CSP violation", "violates the following Content Security Policy"]
