"""The sandbox's own SQLite database: schema, queries, and rows as API JSON."""

import json
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS clients (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    client_ref TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    middle_name TEXT,
    dob TEXT NOT NULL,
    image TEXT,
    address TEXT,
    city TEXT,
    state TEXT,
    country TEXT,
    phone_number TEXT,
    phone_digits TEXT,
    email TEXT,
    custom_data TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    search_text TEXT
);
CREATE INDEX IF NOT EXISTS clients_newest ON clients (created_at DESC, seq DESC);
CREATE INDEX IF NOT EXISTS clients_email ON clients (lower(email));

CREATE TABLE IF NOT EXISTS loans (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    interest_rate TEXT NOT NULL,
    tenure_months INTEGER NOT NULL,
    outstanding_balance TEXT NOT NULL,
    status TEXT NOT NULL,
    disbursed_at TEXT,
    due_date TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS loans_by_client ON loans (client_id, created_at DESC, seq DESC);

CREATE TABLE IF NOT EXISTS deposits (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    narration TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deposits_by_client ON deposits (client_id, created_at DESC, seq DESC);

CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

CLIENT_COLUMNS = (
    "id", "client_ref", "first_name", "last_name", "middle_name", "dob", "image", "address",
    "city", "state", "country", "phone_number", "phone_digits", "email", "custom_data",
    "created_at", "updated_at", "search_text",
)  # fmt: skip
LOAN_COLUMNS = (
    "id", "client_id", "reference", "amount", "currency", "interest_rate", "tenure_months",
    "outstanding_balance", "status", "disbursed_at", "due_date", "created_at",
)  # fmt: skip
DEPOSIT_COLUMNS = (
    "id", "client_id", "reference", "amount", "currency", "channel", "status", "narration",
    "created_at",
)  # fmt: skip

CAMEL = {
    "client_ref": "clientRef",
    "first_name": "firstName",
    "last_name": "lastName",
    "middle_name": "middleName",
    "phone_number": "phoneNumber",
    "custom_data": "customData",
    "created_at": "createdAt",
    "updated_at": "updatedAt",
    "client_id": "clientId",
    "interest_rate": "interestRate",
    "tenure_months": "tenureMonths",
    "outstanding_balance": "outstandingBalance",
    "disbursed_at": "disbursedAt",
    "due_date": "dueDate",
}
HIDDEN = {"seq", "phone_digits", "search_text"}


def as_json(row: sqlite3.Row) -> dict[str, Any]:
    """A row as the contract's camelCase object."""
    result = {}
    for key in row.keys():  # noqa: SIM118 (sqlite3.Row is not a dict)
        if key in HIDDEN:
            continue
        value = row[key]
        if key == "custom_data":
            if value is None:
                continue  # customData "may be absent"
            value = json.loads(value)
        result[CAMEL.get(key, key)] = value
    return result


def digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


def phone_search_key(phone: str | None) -> str | None:
    """Digits of a phone in both international and local form: +234 803… and 0803…
    (a local number is taken as Nigerian, as a Lagos lender's API would)."""
    number = digits(phone)
    if not number:
        return None
    for code in ("234", "233", "225", "221"):
        if number.startswith(code):
            return f"{number} 0{number[len(code) :]}"
    if number.startswith("0"):
        return f"{number} 234{number[1:]}"
    return number


def fold(text: str) -> str:
    """Text as the search compares it: no case, no accents (Adébáyọ̀ is adebayo).

    The same folding as the dashboard's (dashboard/api/search.py), written here again on
    purpose: the sandbox stands for a remote API and imports nothing of the dashboard."""
    if text.isascii():  # most names and emails: nothing to decompose, 20 times faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


SEPARATOR = "\x1f"  # between fields in search_text: no term spans two of them


def search_text(row: dict[str, Any]) -> str:
    """What a search term is looked for in, folded: each name, the full name with and
    without the middle name, the email, the phone as stored and the reference."""
    names = [row.get("first_name"), row.get("middle_name"), row.get("last_name")]
    fields = [
        *names,
        f"{row.get('first_name') or ''} {row.get('last_name') or ''}",
        " ".join(name for name in names if name),
        row.get("email"),
        row.get("phone_number"),
        row.get("client_ref"),
    ]
    return SEPARATOR.join(fold(str(value)) for value in fields if value)


def searchable(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "search_text": search_text(row)}


class Store:
    """One SQLite file; a connection per thread, writes serialised by a lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.write_lock = threading.Lock()
        self._client_count: int | None = None  # this process is the only writer
        with self.connection() as db:
            db.executescript(SCHEMA)
        self._add_search_text()

    def _add_search_text(self) -> None:
        """A database made before clients had `search_text` gets it, filled in once."""
        db = self.connection()
        columns = {row["name"] for row in db.execute("PRAGMA table_info(clients)")}
        if "search_text" in columns:
            return
        with self.write_lock:
            db.execute("BEGIN")
            db.execute("ALTER TABLE clients ADD COLUMN search_text TEXT")
            rows = db.execute("SELECT * FROM clients").fetchall()
            db.executemany(
                "UPDATE clients SET search_text = ? WHERE seq = ?",
                ((search_text(dict(row)), row["seq"]) for row in rows),
            )
            db.execute("COMMIT")

    def connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            self._local.db = db
        return db

    # --- meta ---
    def meta(self, key: str) -> str | None:
        row = self.connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.connection().execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def count_clients(self) -> int:
        if self._client_count is None:
            self._client_count = (
                self.connection().execute("SELECT count(*) FROM clients").fetchone()[0]
            )
        return self._client_count

    def next_seq(self) -> int:
        row = self.connection().execute("SELECT coalesce(max(seq), 0) + 1 FROM clients")
        return row.fetchone()[0]

    def next_id_number(self, seq: int) -> int:
        """The number behind a new client's id: `seq` unless an id was already made from
        it. References come back after the newest client is deleted (as the real API's
        do); ids never: a new client must not pass for a deleted one. (Under write_lock.)"""
        issued = int(self.meta("client_ids_issued") or 0)
        number = max(seq, issued + 1)
        self.set_meta("client_ids_issued", str(number))
        return number

    # --- clients ---
    def list_clients(self, *, page: int, per_page: int) -> tuple[list[dict], int]:
        db = self.connection()
        total = self.count_clients()
        # Skip the offset on the index alone (it holds created_at and seq), then read
        # only the rows of this page: deep pages stay fast on a large book.
        rows = db.execute(
            "SELECT * FROM clients WHERE seq IN ("
            " SELECT seq FROM clients ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?)"
            " ORDER BY created_at DESC, seq DESC",
            (per_page, (page - 1) * per_page),
        ).fetchall()
        return [as_json(row) for row in rows], total

    def client_by(self, column: str, value: str) -> dict | None:
        assert column in ("id", "client_ref")
        row = (
            self.connection()
            .execute(
                f"SELECT * FROM clients WHERE {column} = ?",  # noqa: S608 (column is allow-listed)
                (value,),
            )
            .fetchone()
        )
        return as_json(row) if row else None

    def search_clients(self, term: str, *, limit: int = 50) -> list[dict]:
        """Clients whose names (each, or the full name), email, phone or reference contain
        the term, without case or accents; a term that looks like a phone number also
        matches a phone's digits in its international or local form."""
        folded = fold(term).replace(SEPARATOR, "")
        like = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        number = digits(term)
        # Digits match phones only when the term looks like a phone number itself.
        looks_like_phone = len(number) >= 4 and all(ch in "+0123456789 ()-." for ch in term)
        phone_like = f"%{number}%" if looks_like_phone else None
        rows = (
            self.connection()
            .execute(
                """
            SELECT * FROM clients
            WHERE search_text LIKE :like ESCAPE '\\'
               OR (:phone IS NOT NULL AND phone_digits LIKE :phone)
            ORDER BY created_at DESC, seq DESC
            LIMIT :limit
            """,
                {"like": like, "phone": phone_like, "limit": limit},
            )
            .fetchall()
        )
        return [as_json(row) for row in rows]

    def email_taken(self, email: str, *, except_id: str | None = None) -> bool:
        row = (
            self.connection()
            .execute(
                "SELECT 1 FROM clients WHERE lower(email) = lower(?) AND id IS NOT ?",
                (email, except_id),
            )
            .fetchone()
        )
        return row is not None

    def insert_clients(self, rows: Iterable[dict[str, Any]]) -> None:
        self._client_count = None
        self._insert("clients", CLIENT_COLUMNS, map(searchable, rows))

    def update_client(self, client_id: str, changes: dict[str, Any]) -> None:
        assignments = ", ".join(f"{column} = :{column}" for column in changes)
        db = self.connection()
        db.execute(
            f"UPDATE clients SET {assignments} WHERE id = :client_id",  # noqa: S608 (allow-listed)
            {**changes, "client_id": client_id},
        )
        row = db.execute("SELECT * FROM clients WHERE id = ?", (client_id,)).fetchone()
        if row:
            db.execute(
                "UPDATE clients SET search_text = ? WHERE id = ?",
                (search_text(dict(row)), client_id),
            )

    def delete_client(self, client_id: str) -> bool:
        cursor = self.connection().execute("DELETE FROM clients WHERE id = ?", (client_id,))
        self._client_count = None
        return cursor.rowcount > 0

    # --- loans and deposits ---
    def list_children(
        self, table: str, *, client_id: str, page: int, per_page: int
    ) -> tuple[list[dict], int]:
        assert table in ("loans", "deposits")
        db = self.connection()
        total = db.execute(
            f"SELECT count(*) FROM {table} WHERE client_id = ?",  # noqa: S608
            (client_id,),
        ).fetchone()[0]
        rows = db.execute(
            f"SELECT * FROM {table} WHERE client_id = ? "  # noqa: S608
            "ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
            (client_id, per_page, (page - 1) * per_page),
        ).fetchall()
        return [as_json(row) for row in rows], total

    def insert_loans(self, rows: Iterable[dict[str, Any]]) -> None:
        self._insert("loans", LOAN_COLUMNS, rows)

    def insert_deposits(self, rows: Iterable[dict[str, Any]]) -> None:
        self._insert("deposits", DEPOSIT_COLUMNS, rows)

    def _insert(self, table: str, columns: tuple[str, ...], rows: Iterable[dict]) -> None:
        names = ", ".join(columns)
        slots = ", ".join(f":{column}" for column in columns)
        self.connection().executemany(
            f"INSERT INTO {table} ({names}) VALUES ({slots})",  # noqa: S608 (fixed names)
            rows,
        )
