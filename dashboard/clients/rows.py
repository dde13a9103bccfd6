"""The rows of the client table (clients/table.html), drawn in Python.

Drawn by the template language, a row cost about half a millisecond: a URL reversed,
filters for the phone, the date and truncation, a dozen variable look-ups, each
escaped and localised on its own. That was most of the list page's time, 50 ms for a
page of 100. Here a row is one format string: the same markup, every value escaped
(html.escape, as Django's escape does), the link built from one reversed URL
(references.client_url_builder). Change the markup here, not in the template; the
golden test (tests/clients/test_list_golden.py) shows any change.
"""

import unicodedata
from collections.abc import Iterable
from html import escape

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from dashboard.api import Client

from .references import client_url_builder
from .templatetags.formatting import day, phone

REFERENCE_LABEL_LENGTH = 40

# One line each, the indentation included: a line of spaces is where the template had
# a comment, so the page stays byte for byte what it was.
ROW = "\n".join(
    [
        "",
        "      ",
        "      <tr>",
        '        <td class="reference">{reference}</td>',
        "        <td>{name}",
        "          ",
        '          <div class="d-sm-none small text-body-secondary">{phone}</div></td>',
        '        <td class="d-none d-sm-table-cell text-nowrap">{phone}</td>',
        '        <td class="d-none d-lg-table-cell text-break">{email}</td>',
        '        <td class="d-none d-md-table-cell">{place}</td>',
        '        <td class="d-none d-xl-table-cell">{country}</td>',
        '        <td class="d-none d-md-table-cell text-nowrap">{created}</td>',
        "      </tr>",
        "    ",
    ]
)
LINKED_REFERENCE = (
    '<a href="{href}" class="font-monospace text-break" title="{reference}">{label}</a>'
)
LINKED_NAME = '<a href="{href}" class="link-body-emphasis fw-medium">{name}</a>'


def shortened(text: str, length: int) -> str:
    """Django's truncatechars (which also composes decomposed accents, NFC), without
    building a Truncator for the usual short, composed text."""
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return Truncator(text).chars(length)


def client_rows_html(clients: Iterable[Client]) -> SafeString:
    detail_url = client_url_builder("detail")
    zone = timezone.get_current_timezone()
    rows = []
    for client in clients:
        reference = client.client_ref
        href = detail_url(reference)
        name = escape(client.full_name or "(no name)")
        if href is None:  # shown as text, with a note (references.routable)
            reference_cell = render_to_string("clients/unroutable.html", {"reference": reference})
        else:
            href = escape(href)
            reference_cell = LINKED_REFERENCE.format(
                href=href,
                reference=escape(reference),
                label=escape(shortened(reference, REFERENCE_LABEL_LENGTH)),
            )
            name = LINKED_NAME.format(href=href, name=name)
        rows.append(
            ROW.format(
                reference=reference_cell,
                name=name,
                phone=escape(phone(client.phone_number)),
                email=escape(client.email or "—"),
                place=escape(client.city or "—")
                + (f", {escape(client.state)}" if client.state else ""),
                country=escape(client.country or "—"),
                created=day(client.created_at, zone),
            )
        )
    # Every value from the API above went through escape() (tests/clients/test_rows.py).
    return mark_safe("".join(rows))  # noqa: S308
