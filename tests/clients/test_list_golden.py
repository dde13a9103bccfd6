"""The client list's HTML, byte for byte, for a fixed API answer.

Guards rewrites made for speed (how row links, dates and phone numbers are built):
the page a person gets must not change. The answers hold awkward rows on purpose:
references with `/`, `#`, `%`, `?`, markup, a formula, 211 characters, `new`, `..`
and a tab (the last two cannot be links), missing fields, a timestamp that is the
next day in Lagos. After an intended change of markup, regenerate the files with
`GOLDEN_UPDATE=1 pytest tests/clients/test_list_golden.py` and read the diff.
"""

import json
import os
import re
from pathlib import Path

import pytest
import responses

GOLDEN = Path(__file__).parent / "golden"
CSRF_TOKEN = re.compile(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')
# The session's seconds left (access/middleware.py) depend on the moment.
SESSION_SECONDS = re.compile(r'(data-session-(?:remaining|absolute)=")\d+')


def rendered(client, fake_api, answer: str, url: str, htmx: bool = False) -> str:
    body = json.loads((GOLDEN / answer).read_text())
    with responses.RequestsMock() as mocked:
        mocked.get(f"{fake_api}/v1/clients", json=body)
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200
    html = CSRF_TOKEN.sub(r"\1(token)", response.content.decode())
    return SESSION_SECONDS.sub(r"\1(seconds)", html)


def matches_golden(html: str, name: str) -> bool:
    path = GOLDEN / name
    if os.environ.get("GOLDEN_UPDATE"):
        path.write_text(html)
        pytest.skip(f"rewrote golden/{name}: read its diff before committing")
    return html == path.read_text()


@pytest.mark.parametrize(
    ("who", "answer", "url", "htmx", "golden"),
    [
        ("viewer_client", "list-answer.json", "/clients/?page=2", False, "list-page.html"),
        ("manager_client", "list-answer.json", "/clients/?page=2", True, "list-fragment.html"),
        ("viewer_client", "list-100-answer.json", "/clients/?perPage=100", True, "list-100.html"),
        # The last of 12 pages: Next and Last disabled, the page-number form.
        ("viewer_client", "list-last-answer.json", "/clients/?page=12", True, "list-last.html"),
    ],
)
def test_the_list_renders_exactly_as_before(
    viewer_client, manager_client, fake_api, who, answer, url, htmx, golden
):
    client = {"viewer_client": viewer_client, "manager_client": manager_client}[who]
    assert matches_golden(rendered(client, fake_api, answer, url, htmx), golden)
