"""How money, dates and statuses look everywhere: one place, so they look the same."""

import json
from datetime import date, datetime, tzinfo
from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone

from dashboard.clients.photos import photo_url_allowed
from dashboard.clients.portfolio import is_overdue

register = template.Library()

# 02 Apr 1988, and 02 Apr 2024, 10:00 in local time. Spelled out rather than through
# Django's dateformat (some 40 µs a date, several per row): the dashboard is in English.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CURRENCY_SYMBOLS = {"NGN": "₦", "GHS": "GH₵", "USD": "$", "GBP": "£", "EUR": "€"}

LOAN_BADGES = {
    "pending": "secondary",
    "active": "primary",
    "overdue": "warning",
    "closed": "success",
    "written_off": "danger",
}
DEPOSIT_BADGES = {
    "successful": "success",
    "pending": "secondary",
    "failed": "danger",
    "reversed": "warning",
}


@register.filter(is_safe=True)
def thousands(value) -> str:
    """humanize's intcomma ("12,345"), whole numbers written directly: intcomma goes through
    the locale's number format, some 80 µs a number, five on a list page."""
    if type(value) is int:  # bool is an int, and intcomma writes it "True"
        return f"{value:,}"
    return intcomma(value)


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """₦250,000.00 — thousands separators and two decimals, from the Decimal itself."""
    if amount is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} " if currency else "")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


@register.filter
def money_short(amount: Decimal | None, currency: str = "") -> str:
    """₦2.65M, ₦950k, ₦120: a chart's label, where the exact amount is in its table."""
    if amount is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} " if currency else "")
    sign, size = "-" if amount < 0 else "", abs(amount)
    for step, suffix in SHORT_UNITS:
        if size >= step:
            value = size / step  # three significant digits: 2.65M, 17.2M, 172M
            places = 2 if value < 10 else 1 if value < 100 else 0
            return f"{sign}{symbol}{value:.{places}f}{suffix}"
    return f"{sign}{symbol}{size:.0f}"


SHORT_UNITS = tuple(
    (Decimal(10) ** power, suffix) for power, suffix in ((12, "T"), (9, "B"), (6, "M"), (3, "k"))
)


@register.filter
def percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate.normalize():f} %"


@register.filter
def tenure(months: int | None) -> str:
    """A loan's tenure, "6 mo"; a dash when the API gives none (or 0)."""
    return f"{months} mo" if months else "—"


@register.filter
def day(value: date | datetime | None, zone: tzinfo | None = None) -> str:
    """A date, or a moment's date in `zone` (by default the current time zone; a table
    passes it once for all its rows)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value, zone).date()
    return f"{value.day:02d} {MONTHS[value.month - 1]} {value.year:04d}"


@register.filter
def moment(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{day(local.date())}, {local.hour:02d}:{local.minute:02d}"


@register.filter
def status_label(status: str) -> str:
    return status.replace("_", " ").capitalize() if status else "—"


@register.filter
def loan_badge(status: str) -> str:
    return LOAN_BADGES.get(status, "light")


@register.filter
def deposit_badge(status: str) -> str:
    return DEPOSIT_BADGES.get(status, "light")


@register.filter
def channel_label(channel: str) -> str:
    return {"ussd": "USSD", "pos": "POS"}.get(channel, channel.replace("_", " ").capitalize())


@register.filter
def is_nested(value) -> bool:
    return isinstance(value, dict | list)


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@register.filter
def safe_image(url: str | None) -> str:
    """Only a data:image URI, or an https URL on settings.IMAGE_URL_HOSTS, may become an
    <img src>: any other host would learn which client a member of staff opened."""
    if url and (url.startswith("data:image/") or photo_url_allowed(url)):
        return url
    return ""


@register.filter
def phone(number: str | None) -> str:
    """+2348031234567 -> +234 803 123 4567; anything else as it came."""
    if not number:
        return "—"
    digits = number.replace(" ", "")
    if digits.startswith("+234") and len(digits) == 14 and digits[1:].isdigit():
        return f"+234 {digits[4:7]} {digits[7:10]} {digits[10:]}"
    if digits.startswith("+233") and len(digits) == 13 and digits[1:].isdigit():
        return f"+233 {digits[4:6]} {digits[6:9]} {digits[9:]}"
    return number


@register.filter
def overdue(loan, today: date) -> bool:
    """The Loans table's warning, by the summary band's rule (clients/portfolio.py)."""
    return is_overdue(loan, today)
