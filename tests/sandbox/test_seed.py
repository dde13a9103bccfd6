"""Seeded data is deterministic and looks like a West African lender's book."""

import sqlite3
from collections import Counter
from decimal import Decimal

from dashboard.sandbox.seed import FIRST_NAMES, LAST_NAMES, seed
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
