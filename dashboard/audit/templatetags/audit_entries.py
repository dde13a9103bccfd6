"""`{% load audit_entries %}`: an entry's moment with its time zone, its details and
changes as labelled lines (audit/readable.py)."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone

from dashboard.audit import readable

register = template.Library()

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter
def local_moment(value: datetime | None) -> str:
    """02 Apr 2024, 10:00:05 WAT: to the second, in the current time zone, named on each
    entry (a phone shows no column header, and a zone with summer time changes name)."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return (
        f"{local.day:02d} {MONTHS[local.month - 1]} {local.year:04d}, "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d} {local.tzname()}"
    )


@register.filter
def utc_iso(value: datetime | None) -> str:
    """For <time datetime>: the instant, unambiguous."""
    return "" if value is None else value.astimezone(UTC).isoformat()


@register.filter
def detail_lines(details) -> list[readable.Line]:
    return readable.detail_lines(details)


@register.filter
def change_lines(changes) -> list[readable.Change]:
    return readable.change_lines(changes)


@register.filter
def changed_fields(changes) -> str:
    return readable.field_names(changes)
