"""The client table's rows drawn in Python: the same links reverse() makes, every API
value escaped, and dates as Django's own formatting spells them."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import truncatechars
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import timezone
from django.utils.dateformat import format as django_format

from dashboard.api import Client
from dashboard.clients.references import ROUTABLE_LENGTH, client_url
from dashboard.clients.rows import REFERENCE_LABEL_LENGTH, client_rows_html, shortened
from dashboard.clients.templatetags.formatting import day, moment, thousands

ODD_REFERENCES = [
    "CL-000017",
    "REF/2024 #7",
    "50%?x=1&y=2",
    "new",
    "New",
    "..",
    ".",
    "a.b",
    "tab\there",
    "Adébáyọ̀ 名字",
    "<b>\"quoted\"</b> 'single'",
    '=HYPERLINK("x")',
    "~:@!$&'()*+,;=",
    "%2F already escaped",
    "x" * ROUTABLE_LENGTH,
    "x" * (ROUTABLE_LENGTH + 1),
    " leading and trailing ",
    "emoji 🙂",
    "Cafe\u0301 decomposed",
]


def reversed_url(view: str, reference: str) -> str | None:
    try:
        return reverse(f"clients:{view}", args=[reference])
    except NoReverseMatch:
        return None


@pytest.mark.parametrize("view", ["detail", "edit", "loans", "deposits_csv"])
@pytest.mark.parametrize("script_prefix", ["/", "/back office/"])
def test_row_links_are_what_reverse_makes(view, script_prefix):
    set_script_prefix(script_prefix)
    try:
        for reference in ODD_REFERENCES:
            assert client_url(view, reference) == reversed_url(view, reference), reference
    finally:
        set_script_prefix("/")


def test_every_value_from_the_api_is_escaped():
    hostile = '<script>alert("x")</script>'
    client = Client(
        id="1",
        client_ref=f'"><img src=x onerror=alert(1)>{hostile}',
        first_name=hostile,
        last_name="'quoted'",
        phone_number=hostile,
        email=hostile,
        city=hostile,
        state=hostile,
        country=hostile,
        created_at=datetime(2024, 4, 2, 9, 0, tzinfo=UTC),
    )
    html = client_rows_html([client])
    assert "<script" not in html and "<img" not in html and "'quoted'" not in html
    # The name, the phone twice, email, city, state, country; the reference's title and label.
    assert html.count("&lt;script&gt;") == 9
    assert "alert(1)>" not in html and '"x"' not in html


def test_reference_labels_are_what_truncatechars_makes():
    for reference in ODD_REFERENCES:
        assert shortened(reference, REFERENCE_LABEL_LENGTH) == truncatechars(
            reference, REFERENCE_LABEL_LENGTH
        ), reference


def test_unroutable_references_are_text_with_a_note():
    html = client_rows_html([Client(id="1", client_ref="..", first_name="Dot", last_name="Dot")])
    assert "<a " not in html and "cannot be opened" in html and "Dot Dot" in html


def test_dates_are_spelled_as_djangos_format_spells_them(settings):
    settings.TIME_ZONE = "Africa/Lagos"
    start = date(1899, 12, 25)
    for offset in range(0, 50_000, 37):
        value = start + timedelta(days=offset)
        assert day(value) == django_format(value, "d M Y")
    instant = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)  # already 2025 in Lagos
    assert day(instant) == "01 Jan 2025"
    assert moment(instant) == django_format(timezone.localtime(instant), "d M Y, H:i")
    assert moment(instant) == "01 Jan 2025, 00:30"
    assert day(None) == moment(None) == "—"


def test_counts_are_grouped_as_intcomma_groups_them():
    for value in (0, 7, 999, 1000, -1000, 12_345, 1_000_000, -987_654_321, 10**30):
        assert thousands(value) == intcomma(value)
    for other in (True, None, Decimal("1234.50"), "12345", "n/a", 1234.5):
        assert thousands(other) == intcomma(other)
    assert thousands(1_234_567) == "1,234,567"
