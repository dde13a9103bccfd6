"""Cells, one by one: neutralised text, plain numbers, ISO dates, RFC 4180 quoting."""

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dashboard.api import Deposit
from dashboard.exports.columns import Columns, deposit_columns, json_text, number, text
from dashboard.exports.streaming import header_bytes, rows_bytes


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r", "\n", "\0"])
def test_text_starting_with_a_trigger_is_neutralised(trigger):
    assert text(f"{trigger}SUM(A1)") == f"'{trigger}SUM(A1)"


@pytest.mark.parametrize("value", ["Adébáyọ̀", "a=b", "CL-000017", " =leading space", ""])
def test_other_text_is_left_alone(value):
    assert text(value) == value


def test_numbers_stay_numbers_even_negative():
    assert number(Decimal("-5000.00")) == "-5000.00"
    assert number(12) == "12" and number(None) == ""


def test_a_row_is_rfc_4180_with_crlf_and_quotes():
    deposit = Deposit(
        id="d1",
        client_id="c",
        reference='DP "1", special',
        amount=Decimal("-1.50"),
        currency="NGN",
        channel="cash",
        status="reversed",
        narration="line one\nline two",
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    line = rows_bytes([deposit], deposit_columns("CL-1")).decode()
    assert line == (
        'CL-1,"DP ""1"", special",d1,-1.50,NGN,cash,reversed,"line one\nline two",'
        "2026-01-02T03:04:05.000Z\r\n"
    )


def test_the_header_row_starts_with_a_bom():
    assert header_bytes(deposit_columns("x")).decode() == (
        "\ufeffclient_ref,deposit_reference,deposit_id,amount,currency,channel,status,"
        "narration,created_at\r\n"
    )


def test_dates_are_iso():
    from dashboard.exports.columns import day, moment

    assert day(date(1990, 4, 2)) == "1990-04-02"
    assert moment(datetime(2026, 11, 25, 13, 0, tzinfo=UTC)) == "2026-11-25T13:00:00.000Z"


def test_json_cells_are_sorted_keeping_non_ascii_and_neutralised():
    assert (
        json_text({"b": 1, "a": {"ẹ": [1.5, None, True]}})
        == '{"a": {"ẹ": [1.5, null, true]}, "b": 1}'
    )
    assert json_text({"x": date(2026, 1, 2)}) == '{"x": "2026-01-02"}'  # anything else as text
    assert json_text({}) == "" and json_text(None) == ""
    assert json_text(["=1"]) == '["=1"]'  # a JSON cell never starts with a trigger itself


def test_a_row_holds_the_constant_cells_then_each_column_in_order():
    columns = Columns(("b", "second", number), ("a", "first", text), first=[("c", "=k")])
    record = SimpleNamespace(first="-x", second=Decimal("2"))
    assert columns.names == ["c", "b", "a"]
    assert columns.row(record) == ["'=k", "2", "'-x"]
    assert Columns(("a", "first", text)).row(record) == ["'-x"]


def test_a_column_must_name_an_attribute():
    with pytest.raises(ValueError, match="not an attribute name"):
        Columns(("a", "first); import os; (", text))
