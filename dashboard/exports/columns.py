"""What each CSV export holds: stable, documented column names and how each cell is made.

Text from the API is neutralised against spreadsheet formula injection (OWASP's
CSV-injection guidance): a cell starting with = + - @ tab, CR, LF or NUL gets a
leading apostrophe. Numeric columns are written from Decimal/int as plain
numbers, so a negative amount stays a number. Exports run over 100,000 rows, so
a cell is made by one small function on one attribute, nothing more.
"""

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\0")


def text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        value = str(value)
    return "'" + value if value and value[0] in FORMULA_TRIGGERS else value


def number(value: Decimal | int | None) -> str:
    return "" if value is None else str(value)


def moment(value: datetime | None) -> str:
    """UTC to the millisecond, as the API writes them: what isoformat(timespec=
    "milliseconds") spells, but a third of its cost (two of these a row, 100,000 rows)."""
    if value is None:
        return ""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031 (half an f-string's cost)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond // 1000,
    )


def day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def image(value: str | None) -> str:
    # A data: URI can be megabytes of base64: the export says one is there instead.
    if value and value.startswith("data:"):
        return text(f"(embedded {value[5:].split(';', 1)[0]})")
    return text(value)


# One encoder for every row: json.dumps() with options builds a new one per call.
_encode_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode


def custom_data(value: dict) -> str:
    return text(_encode_json(value)) if value else ""


class Columns:
    """Named columns, each an attribute of the record and the function that writes it."""

    def __init__(self, *columns: tuple[str, str, Callable[[Any], str]], first: tuple = ()):
        self.names = [name for name, _, _ in columns]
        self._values = attrgetter(*[attribute for _, attribute, _ in columns])
        self._writers = [write for _, _, write in columns]
        self._first = list(first)  # constant leading cells (the client of a loans file)
        if first:
            self.names = [name for name, _ in first] + self.names
            self._first = [text(value) for _, value in first]

    def row(self, record: Any) -> list[str]:
        values = self._values(record)
        cells = [write(value) for write, value in zip(self._writers, values, strict=True)]
        return self._first + cells if self._first else cells


CLIENT_COLUMNS = Columns(
    ("client_ref", "client_ref", text),
    ("client_id", "id", text),
    ("first_name", "first_name", text),
    ("middle_name", "middle_name", text),
    ("last_name", "last_name", text),
    ("date_of_birth", "dob", day),
    ("email", "email", text),
    ("phone_number", "phone_number", text),
    ("address", "address", text),
    ("city", "city", text),
    ("state", "state", text),
    ("country", "country", text),
    ("image", "image", image),
    ("custom_data", "custom_data", custom_data),
    ("created_at", "created_at", moment),
    ("updated_at", "updated_at", moment),
)


def loan_columns(client_ref: str) -> Columns:
    return Columns(
        ("loan_reference", "reference", text),
        ("loan_id", "id", text),
        ("amount", "amount", number),
        ("currency", "currency", text),
        ("outstanding_balance", "outstanding_balance", number),
        ("interest_rate_percent", "interest_rate", number),
        ("tenure_months", "tenure_months", number),
        ("status", "status", text),
        ("disbursed_at", "disbursed_at", moment),
        ("due_date", "due_date", day),
        ("created_at", "created_at", moment),
        first=[("client_ref", client_ref)],
    )


def deposit_columns(client_ref: str) -> Columns:
    return Columns(
        ("deposit_reference", "reference", text),
        ("deposit_id", "id", text),
        ("amount", "amount", number),
        ("currency", "currency", text),
        ("channel", "channel", text),
        ("status", "status", text),
        ("narration", "narration", text),
        ("created_at", "created_at", moment),
        first=[("client_ref", client_ref)],
    )
