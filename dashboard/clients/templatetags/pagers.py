"""`{% pager pager target="#client-results" noun="clients" %}`: the pager under a
paginated region (dashboard/pager_html.py draws it)."""

from django import template
from django.utils.safestring import SafeString

from dashboard.pager_html import pager_html
from dashboard.paging import Pager

register = template.Library()


@register.simple_tag
def pager(pager: Pager, *, target: str, noun: str) -> SafeString:
    return pager_html(pager, target=target, noun=noun)
