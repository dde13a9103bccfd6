"""Request bodies over MAX_REQUEST_BODY_MB: 413 from the headers, the body never read."""

import socket
import time

import pytest

from tests.processes import start_dashboard

FIFTY_MB = 50 * 1024 * 1024


class UnreadableBody:
    """A wsgi.input that fails the test if anything reads it."""

    def __init__(self) -> None:
        self.touched = False

    def _refuse(self, *args, **kwargs):
        self.touched = True
        raise AssertionError("the request body was read")

    read = readline = readlines = __iter__ = _refuse


def post_announcing(client, length: int, **headers):
    body = UnreadableBody()
    response = client.generic(
        "POST",
        "/clients/new/",
        content_type="multipart/form-data; boundary=x",
        headers=headers,
        **{"wsgi.input": body, "CONTENT_LENGTH": str(length)},
    )
    return response, body


@pytest.mark.parametrize("who", ["officer_client", "client"])
def test_a_50_mb_body_is_refused_unread_signed_in_or_not(request, who):
    response, body = post_announcing(request.getfixturevalue(who), FIFTY_MB)
    html = response.content.decode()
    assert response.status_code == 413 and not body.touched
    assert "Too large to send" in html and "at most 4 MB" in html and "50.0 MB" in html
    assert response["Dashboard-Body-Limit"] == "4 MB"


def test_for_htmx_the_413_is_not_a_fragment_so_the_form_stays(officer_client):
    response, body = post_announcing(officer_client, FIFTY_MB, **{"HX-Request": "true"})
    assert response.status_code == 413 and not body.touched
    assert "Dashboard-Fragment" not in response  # our JavaScript toasts it instead
    assert response["Content-Type"].startswith("text/plain")
    assert response["Dashboard-Body-Limit"] == "4 MB"
    assert "at most 4 MB" in response.content.decode()


def test_the_limit_comes_from_the_setting(officer_client, settings, sandbox):
    settings.MAX_REQUEST_BODY_MB = 0.5
    response, body = post_announcing(officer_client, 600 * 1024)
    assert response.status_code == 413 and not body.touched
    assert response["Dashboard-Body-Limit"] == "0.5 MB"
    allowed = officer_client.post("/clients/new/", {"first_name": "Ada"})
    assert allowed.status_code == 422  # under the limit: the form's own checks answer


def test_the_largest_client_form_fits_under_every_limit(officer_client, sandbox, random_suffix):
    """A photo of nearly 1 MB chosen again while the form still carries the last one."""
    import io
    import os

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from dashboard.clients.photos import photo_reencode

    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(1000 * 1000 * 3))
    jpeg = io.BytesIO()
    noise.save(jpeg, "JPEG", quality=93)
    assert 900_000 < len(jpeg.getvalue()) <= 1024 * 1024
    data = {
        "first_name": "Ifeoma",
        "last_name": "Nwankwo",
        "dob": "1988-02-29",
        "address": "15 Awolowo Road",
        "state": "Lagos",
        "country": "Nigeria",
        "email": f"big.{random_suffix}@example.com",
        "custom_data": '{"notes": "%s"}' % ("x" * 50_000),
        "image_data": photo_reencode(data=jpeg.getvalue()).data_uri,
        "image_file": SimpleUploadedFile("me.jpg", jpeg.getvalue(), content_type="image/jpeg"),
    }
    response = officer_client.post("/clients/new/", data)
    assert response.status_code == 302, response.content.decode()[:300]


# --- over real HTTP -----------------------------------------------------------------------


def status_line_after_a_short_body(url: str, *, cookie: str = "") -> tuple[bytes, float]:
    """POST announcing 50 MB, send a few KB, and time how long the status line takes."""
    host, port = url.removeprefix("http://").split(":")
    request = (
        (
            "POST /clients/new/ HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {FIFTY_MB}\r\n"
            + (f"Cookie: {cookie}\r\n" if cookie else "")
            + "\r\n"
        ).encode()
        + b"--x\r\n"
        + b"a" * 4096
    )
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        started = time.monotonic()
        connection.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer.split(b"\r\n", 1)[0], time.monotonic() - started


def test_gunicorn_answers_413_at_once_without_waiting_for_the_body(sandbox, tmp_path):
    dashboard = start_dashboard(
        tmp_path, api_url=sandbox.url, api_key=sandbox.api_key, staff={"olu": "Officer"}
    )
    try:
        session = dashboard.signed_in("olu", "a-long-test-password")
        cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
        # Signed in, CSRF middleware would read the body (to find the token) and wait for
        # all 50 MB; not signed in, the limit applies all the same.
        for who in (cookie, ""):
            status, seconds = status_line_after_a_short_body(dashboard.url, cookie=who)
            assert status.startswith(b"HTTP/1.1 413 "), status
            assert seconds < 2
        # The dashboard still serves the next request at once.
        assert session.get(f"{dashboard.url}/clients/new/", timeout=5).status_code == 200
    finally:
        dashboard.stop()
