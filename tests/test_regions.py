"""Shared page-region behaviour: flash messages reach htmx swaps out of band."""

from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.test import RequestFactory

from dashboard.regions import FlashMessagesForHtmx


def request_with_message(htmx: bool):
    request = RequestFactory().get("/", headers={"HX-Request": "true"} if htmx else {})
    request.session = {}
    request._messages = FallbackStorage(request)
    request.htmx = htmx
    messages.success(request, "Saved <Ada>.")
    return request


def test_a_message_added_during_an_htmx_swap_arrives_out_of_band():
    respond = FlashMessagesForHtmx(lambda request: HttpResponse("<form>…</form>"))
    html = respond(request_with_message(htmx=True)).content.decode()
    assert html.startswith("<form>…</form>")
    assert '<div id="messages"' in html and 'hx-swap-oob="true"' in html
    assert "Saved &lt;Ada&gt;." in html


def test_plain_pages_and_redirects_are_left_alone():
    page = FlashMessagesForHtmx(lambda request: HttpResponse("<html>page</html>"))
    assert "hx-swap-oob" not in page(request_with_message(htmx=False)).content.decode()
    redirect = FlashMessagesForHtmx(
        lambda request: HttpResponse("", headers={"HX-Redirect": "/clients/"})
    )
    assert redirect(request_with_message(htmx=True)).content == b""
