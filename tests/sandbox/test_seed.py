"""Seeded data is deterministic and looks like a West African lender's book."""

import sqlite3
from collections import Counter
from decimal import Decimal

from dashboard.sandbox.seed import (
    ANCHOR,
    EMPTY_CLIENT_REF,
    FIRST_NAMES,
    LAST_NAMES,
    PORTFOLIO_CLIENT_REF,
    seed,
    seed_portfolios,
)
from dashboard.sandbox.store import Store


def dump(path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return [
            *db.execute("SELECT * FROM clients ORDER BY seq"),
            *db.execute("SELECT * FROM loans ORDER BY seq"),
            *db.execute("SELECT * FROM deposits ORDER BY seq"),
        ]


def test_the_same_seed_writes_the_same_rows(tmp_path):
    for name in ("a", "b"):
        seed(Store(tmp_path / f"{name}.sqlite3"), clients=60)
    assert dump(tmp_path / "a.sqlite3") == dump(tmp_path / "b.sqlite3")


def test_seeded_book_is_realistic(tmp_path):
    store = Store(tmp_path / "book.sqlite3")
    seed(store, clients=300)
    db = store.connection()
    clients = db.execute("SELECT * FROM clients").fetchall()
    assert len(clients) == 300
    assert all(
        row["first_name"] in FIRST_NAMES and row["last_name"] in LAST_NAMES for row in clients
    )
    assert {row["country"] for row in clients} <= {"Nigeria", "Ghana"}
    assert (
        sum(row["phone_number"].startswith("+234") for row in clients if row["phone_number"]) > 200
    )
    assert len({row["client_ref"] for row in clients}) == 300

    per_client = db.execute(
        "SELECT c.id, (SELECT count(*) FROM loans l WHERE l.client_id = c.id),"
        " (SELECT count(*) FROM deposits d WHERE d.client_id = c.id) FROM clients c"
    ).fetchall()
    loans = [row[1] for row in per_client]
    deposits = [row[2] for row in per_client]
    assert min(loans) == 0 and max(loans) == 8
    assert min(deposits) == 0 and max(deposits) == 25

    statuses = Counter(row[0] for row in db.execute("SELECT status FROM loans"))
    assert set(statuses) == {"pending", "active", "overdue", "closed", "written_off"}
    channels = Counter(row[0] for row in db.execute("SELECT channel FROM deposits"))
    assert {"bank_transfer", "card", "cash", "ussd"} <= set(channels)
    currencies = {
        row[0]
        for row in db.execute("SELECT currency FROM loans UNION SELECT currency FROM deposits")
    }
    assert currencies == {"NGN"}
    for (amount,) in db.execute("SELECT amount FROM loans UNION ALL SELECT amount FROM deposits"):
        assert Decimal(amount) > 0 and Decimal(amount).as_tuple().exponent == -2


def test_seeding_more_continues_after_existing_clients(tmp_path):
    store = Store(tmp_path / "more.sqlite3")
    seed(store, clients=10)
    seed(store, clients=5)
    refs = [
        row[0] for row in store.connection().execute("SELECT client_ref FROM clients ORDER BY seq")
    ]
    assert refs == [f"CL-{n:06d}" for n in range(1, 16)]


def test_the_portfolio_clients_are_seeded_once_and_the_same_every_time(tmp_path):
    for name in ("a", "b"):
        store = Store(tmp_path / f"{name}.sqlite3")
        seed(store, clients=5)
        assert seed_portfolios(store) == 2
        assert seed_portfolios(store) == 0  # found by reference: not added twice
    assert dump(tmp_path / "a.sqlite3") == dump(tmp_path / "b.sqlite3")
    db = store.connection()
    counts = {
        ref: tuple(
            db.execute(
                "SELECT (SELECT count(*) FROM loans l WHERE l.client_id = c.id),"
                " (SELECT count(*) FROM deposits d WHERE d.client_id = c.id)"
                " FROM clients c WHERE client_ref = ?",
                (ref,),
            ).fetchone()
        )
        for ref in (PORTFOLIO_CLIENT_REF, EMPTY_CLIENT_REF)
    }
    assert counts == {PORTFOLIO_CLIENT_REF: (230, 310), EMPTY_CLIENT_REF: (0, 0)}
    loans = db.execute("SELECT * FROM loans WHERE reference LIKE 'LN-PF-%'").fetchall()
    deposits = db.execute("SELECT * FROM deposits WHERE reference LIKE 'DP-PF-%'").fetchall()
    assert {row["currency"] for row in loans} == {row["currency"] for row in deposits}
    assert {row["currency"] for row in loans} == {"NGN", "USD"}
    assert {"overdue", "written_off", "closed", "pending"} <= {row["status"] for row in loans}
    anchor = ANCHOR.date().isoformat()
    late_but_active = [
        row
        for row in loans
        if row["status"] == "active"
        and row["due_date"] < anchor
        and Decimal(row["outstanding_balance"]) > 0
    ]
    assert late_but_active and any(row["due_date"] is None for row in loans)
    assert sum(row["status"] == "reversed" for row in deposits) >= 10
    # Joined before every generated client: last in the list, the book's first pages unchanged.
    oldest = db.execute("SELECT client_ref FROM clients ORDER BY created_at LIMIT 2").fetchall()
    assert {row[0] for row in oldest} == {PORTFOLIO_CLIENT_REF, EMPTY_CLIENT_REF}
