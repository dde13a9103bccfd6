"""`{% client_url "detail" ref as href %}`: a client's URL, or "" when its reference
cannot be one (see clients/references.py); the template then shows the reference
as text with a note instead of failing the page."""

from django import template

from dashboard.clients import rows
from dashboard.clients.references import client_url as url_for

register = template.Library()


@register.simple_tag
def client_rows(clients) -> str:
    """`{% client_rows page.items %}`: the rows of a client table (clients/rows.py)."""
    return rows.client_rows_html(clients)


@register.simple_tag
def client_url(view: str, client_ref: str) -> str:
    return url_for(view, client_ref) or ""
