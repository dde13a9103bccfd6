"""Deterministic, realistic demo data: West African clients with loans and deposits in NGN.

Every client is drawn from its own `random.Random(f"client-{seq}")`, so the
same command always writes the same rows, and client 17 has the same name,
contacts, loans and deposits whether 1,000 or 100,000 clients are seeded (only
the dates stretch to fit the five-year history).
"""

import base64
import hashlib
import json
import random
import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from .store import Store, phone_search_key

ANCHOR = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # "now" for the seeded history
HISTORY = timedelta(days=5 * 365)  # clients joined over the five years before ANCHOR

FIRST_NAMES = [
    # Yoruba
    "Adebayo", "Adewale", "Ayodele", "Babatunde", "Folasade", "Funmilayo", "Olumide",
    "Oluwaseun", "Temitope", "Titilayo", "Yetunde", "Kehinde", "Taiwo", "Damilola",
    "Abimbola", "Bukola", "Omolara", "Gbenga", "Segun", "Tunde", "Morenike", "Adeola",
    # Igbo
    "Chinedu", "Chiamaka", "Chukwuemeka", "Ngozi", "Obinna", "Nkechi", "Ifeanyi", "Adaeze",
    "Uchenna", "Chidinma", "Ikenna", "Amarachi", "Emeka", "Nnamdi", "Ebere", "Kelechi",
    # Hausa / Fulani
    "Abubakar", "Aisha", "Ibrahim", "Fatima", "Musa", "Hauwa", "Usman", "Zainab", "Sani",
    "Maryam", "Aminu", "Hadiza", "Bello", "Halima",
    # South-South, Middle Belt
    "Ekaette", "Ini", "Efe", "Oghenekaro", "Tamuno", "Ebiere", "Dooshima", "Terhemba",
    # Ghana
    "Kwame", "Akosua", "Kofi", "Ama", "Yaw", "Abena", "Kwabena", "Efua",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Ogunleye", "Balogun", "Okonkwo", "Eze", "Nwosu", "Okafor", "Obi", "Uzor",
    "Bello", "Abdullahi", "Mohammed", "Yusuf", "Danjuma", "Ibrahim", "Suleiman", "Lawal",
    "Adekunle", "Oyelaran", "Akinola", "Fashola", "Ogundipe", "Olawale", "Afolabi", "Ajayi",
    "Chukwu", "Nwachukwu", "Onyekachi", "Ekwueme", "Igwe", "Anyanwu", "Okeke", "Ndukwe",
    "Etim", "Bassey", "Effiong", "Akpan", "Edet", "Okon", "Ikpe", "Oyebanji", "Oduya",
    "Tiv", "Agbo", "Gyang", "Dung", "Mensah", "Owusu", "Boateng", "Asante", "Appiah", "Osei",
]  # fmt: skip
# (city, state, country, phone country code, weight)
PLACES = [
    ("Ikeja", "Lagos", "Nigeria", "234", 9),
    ("Lekki", "Lagos", "Nigeria", "234", 7),
    ("Surulere", "Lagos", "Nigeria", "234", 6),
    ("Yaba", "Lagos", "Nigeria", "234", 5),
    ("Abuja", "FCT", "Nigeria", "234", 8),
    ("Port Harcourt", "Rivers", "Nigeria", "234", 6),
    ("Ibadan", "Oyo", "Nigeria", "234", 6),
    ("Kano", "Kano", "Nigeria", "234", 5),
    ("Enugu", "Enugu", "Nigeria", "234", 4),
    ("Benin City", "Edo", "Nigeria", "234", 4),
    ("Abeokuta", "Ogun", "Nigeria", "234", 3),
    ("Kaduna", "Kaduna", "Nigeria", "234", 3),
    ("Jos", "Plateau", "Nigeria", "234", 2),
    ("Owerri", "Imo", "Nigeria", "234", 2),
    ("Uyo", "Akwa Ibom", "Nigeria", "234", 2),
    ("Calabar", "Cross River", "Nigeria", "234", 2),
    ("Onitsha", "Anambra", "Nigeria", "234", 3),
    ("Accra", "Greater Accra", "Ghana", "233", 3),
    ("Kumasi", "Ashanti", "Ghana", "233", 2),
]
STREETS = [
    "Adeola Odeku Street", "Allen Avenue", "Admiralty Way", "Awolowo Road", "Herbert Macaulay Way",
    "Ojuelegba Road", "Aminu Kano Crescent", "Ahmadu Bello Way", "Olusegun Obasanjo Way",
    "Aba Road", "Trans-Amadi Road", "Ring Road", "Bompai Road", "Ogui Road", "Sapele Road",
    "Oke-Ilewo Road", "Ali Akilu Road", "Rayfield Road", "Wetheral Road", "Oron Road",
    "Marian Road", "New Market Road", "Oxford Street", "Kejetia Road",
]  # fmt: skip
NG_PREFIXES = [
    "803",
    "806",
    "813",
    "816",
    "703",
    "706",
    "805",
    "807",
    "815",
    "905",
    "802",
    "808",
    "812",
    "701",
    "902",
    "809",
    "817",
    "818",
    "909",
    "908",
    "810",
    "814",
]
GH_PREFIXES = ["24", "54", "55", "20", "50", "27"]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"]
EMPLOYERS = [
    "Dangote Cement",
    "MTN Nigeria",
    "Access Bank",
    "Lagos State Government",
    "Self-employed",
    "Shoprite",
    "Nestle Nigeria",
    "University of Ibadan",
    "Jumia",
    "Andela",
    "Flour Mills of Nigeria",
    "Zenith Bank",
    "Trader, Balogun Market",
    "Federal Ministry of Health",
    "Glo",
    "Total Energies",
]
NARRATIONS = [
    "Savings top-up",
    "Monthly contribution",
    "Salary deposit",
    "Loan repayment",
    "Transfer from GTBank",
    "Transfer from Opay",
    "POS deposit",
    "Cash lodgement",
    "Ajo contribution",
    "Business proceeds",
    "School fees savings",
    None,
]
LOAN_STATUSES = [
    ("active", 40),
    ("closed", 30),
    ("overdue", 12),
    ("pending", 12),
    ("written_off", 6),
]
DEPOSIT_STATUSES = [("successful", 85), ("pending", 6), ("failed", 6), ("reversed", 3)]
CHANNELS = [("bank_transfer", 45), ("card", 15), ("cash", 15), ("ussd", 20), ("pos", 5)]


def pick(rng: random.Random, weighted: list[tuple]) -> tuple:
    return rng.choices(weighted, weights=[entry[-1] for entry in weighted])[0]


def object_id(kind: str, seq: int | str) -> str:
    """A stable 24-hex id in the shape of a MongoDB ObjectId."""
    return hashlib.sha256(f"{kind}-{seq}".encode()).hexdigest()[:24]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


def avatar(colour: tuple[int, int, int]) -> str:
    """A tiny solid-colour PNG as a data URI: the API's base64 image variant."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    size = 8
    raw = b"".join(b"\x00" + bytes(colour) * size for _ in range(size))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def make_client(seq: int, total: int) -> tuple[dict, list[dict], list[dict]]:
    rng = random.Random(f"client-{seq}")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    middle = rng.choice(FIRST_NAMES) if rng.random() < 0.35 else None
    city, state, country, code, _ = pick(rng, PLACES)
    if code == "234":
        phone = f"+234{rng.choice(NG_PREFIXES)}{rng.randrange(10**7):07d}"
    else:
        phone = f"+233{rng.choice(GH_PREFIXES)}{rng.randrange(10**7):07d}"
    joined = ANCHOR - HISTORY * (1 - seq / (total + 1)) + timedelta(minutes=rng.randrange(600))
    dob = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 52))
    custom = None
    if rng.random() < 0.7:
        custom = {
            "bvnVerified": rng.random() < 0.85,
            "employer": rng.choice(EMPLOYERS),
            "segment": rng.choice(["retail", "retail", "sme", "salaried"]),
            "kyc": {
                "tier": rng.choice([1, 2, 2, 3]),
                "verifiedBy": rng.choice(["NIBSS", "VerifyMe"]),
            },
        }
        if rng.random() < 0.3:
            custom["referral"] = rng.choice(
                ["agent", "walk-in", "social media", "existing client"]
            )
    image = None
    roll = rng.random()
    if roll < 0.12:
        image = avatar((rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200)))
    elif roll < 0.2:
        image = (
            f"https://images.example-lender.test/avatars/{seq}.jpg"  # never resolves: placeholder
        )
    client_id = object_id("client", seq)
    client = {
        "id": client_id,
        "client_ref": f"CL-{seq:06d}",
        "first_name": first,
        "last_name": last,
        "middle_name": middle,
        "dob": dob.isoformat(),
        "image": image,
        "address": f"{rng.randrange(1, 250)} {rng.choice(STREETS)}",
        "city": city,
        "state": state,
        "country": country,
        "phone_number": phone if rng.random() < 0.95 else None,
        "email": (
            f"{first}.{last}{seq}@{rng.choice(EMAIL_DOMAINS)}".lower()
            if rng.random() < 0.85
            else None
        ),
        "custom_data": json.dumps(custom) if custom is not None else None,
        "created_at": iso(joined),
        "updated_at": iso(joined + timedelta(days=rng.randrange(0, 200))),
    }
    client["phone_digits"] = phone_search_key(client["phone_number"])
    if client["updated_at"] > iso(ANCHOR):
        client["updated_at"] = iso(ANCHOR)
    loans = [make_loan(rng, seq, n, client_id, joined) for n in range(rng.randrange(0, 9))]
    deposits = [make_deposit(rng, seq, n, client_id, joined) for n in range(rng.randrange(0, 26))]
    return client, loans, deposits


def _moment_after(rng: random.Random, start: datetime) -> datetime:
    span = max(1, int((ANCHOR - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(span))


def make_loan(rng: random.Random, seq: int, n: int, client_id: str, joined: datetime) -> dict:
    status = pick(rng, LOAN_STATUSES)[0]
    amount = Decimal(rng.randrange(50, 5000) * 1000)
    rate = Decimal(rng.randrange(1500, 3600)) / 100  # percent a year
    tenure = rng.choice([3, 6, 6, 9, 12, 12, 18, 24])
    created = _moment_after(rng, joined)
    disbursed = None if status == "pending" else created + timedelta(days=rng.randrange(0, 5))
    start = disbursed or created
    due = (start + timedelta(days=30 * tenure)).date()
    if status == "overdue" and due >= ANCHOR.date():
        due = ANCHOR.date() - timedelta(days=rng.randrange(1, 120))
    if status == "active" and due < ANCHOR.date():
        due = ANCHOR.date() + timedelta(days=rng.randrange(10, 300))
    repayable = amount * (1 + rate / 100 * tenure / 12)
    outstanding = {
        "pending": Decimal(0),
        "closed": Decimal(0),
        "active": repayable * Decimal(rng.randrange(10, 95)) / 100,
        "overdue": repayable * Decimal(rng.randrange(20, 90)) / 100,
        "written_off": repayable * Decimal(rng.randrange(40, 100)) / 100,
    }[status]
    return {
        "id": object_id(f"loan-{seq}", n),
        "client_id": client_id,
        "reference": f"LN-{seq:06d}-{n + 1:02d}",
        "amount": money(amount),
        "currency": "NGN",
        "interest_rate": money(rate),
        "tenure_months": tenure,
        "outstanding_balance": money(outstanding),
        "status": status,
        "disbursed_at": iso(disbursed) if disbursed else None,
        "due_date": due.isoformat(),
        "created_at": iso(created),
    }


def make_deposit(rng: random.Random, seq: int, n: int, client_id: str, joined: datetime) -> dict:
    amount = Decimal(rng.randrange(100, 200000) * 10)
    if rng.random() < 0.2:
        amount += Decimal(rng.randrange(1, 100)) / 100
    narration = rng.choice(NARRATIONS)
    return {
        "id": object_id(f"deposit-{seq}", n),
        "client_id": client_id,
        "reference": f"DP-{seq:06d}-{n + 1:03d}",
        "amount": money(amount),
        "currency": "NGN",
        "channel": pick(rng, CHANNELS)[0],
        "status": pick(rng, DEPOSIT_STATUSES)[0],
        "narration": narration,
        "created_at": iso(_moment_after(rng, joined)),
    }


def seed(store: Store, *, clients: int, batch: int = 2000) -> int:
    """Add `clients` generated clients after the ones already stored; return the count."""
    start = store.next_seq()
    total = start - 1 + clients
    db = store.connection()
    with store.write_lock:
        for first in range(start, total + 1, batch):
            people, loans, deposits = [], [], []
            for seq in range(first, min(first + batch, total + 1)):
                client, client_loans, client_deposits = make_client(seq, total)
                people.append(client)
                loans.extend(client_loans)
                deposits.extend(client_deposits)
            db.execute("BEGIN")
            store.insert_clients(people)
            store.insert_loans(loans)
            store.insert_deposits(deposits)
            db.execute("COMMIT")
        store.set_meta("seeded", str(total))
    return clients


# --- clients for the portfolio summary (dashboard/clients/portfolio.py) -----------------

# 230 loans and 310 deposits: 3 and 4 pages of 100. Mostly NGN, some USD; loans overdue
# by their status, by their due date alone, written off, closed, pending without a due
# date; deposits successful, pending, failed and reversed (by status, amount as it came).
PORTFOLIO_CLIENT_REF = "CL-PF-230-310"
PORTFOLIO_LOANS, PORTFOLIO_DEPOSITS = 230, 310
EMPTY_CLIENT_REF = "CL-PF-EMPTY"  # no loan, no deposit
PORTFOLIO_CLIENTS = (PORTFOLIO_CLIENT_REF, EMPTY_CLIENT_REF)


def seed_portfolios(store: Store) -> int:
    """Add the portfolio clients the store lacks (found by reference); return how many.

    Both joined before any generated client, so they come last in the client list and
    leave the generated book's first pages as they were."""
    added = 0
    with store.write_lock:
        for client_ref, first, last in (
            (PORTFOLIO_CLIENT_REF, "Obiageli", "Nwaneri"),
            (EMPTY_CLIENT_REF, "Ugochi", "Anozie"),
        ):
            if store.client_by("client_ref", client_ref):
                continue
            client_id = object_id("portfolio-client", client_ref)
            joined = ANCHOR - HISTORY - timedelta(days=30)
            client = {
                "id": client_id,
                "client_ref": client_ref,
                "first_name": first,
                "last_name": last,
                "middle_name": None,
                "dob": "1984-06-12",
                "image": None,
                "address": "22 Broad Street",
                "city": "Lagos Island",
                "state": "Lagos",
                "country": "Nigeria",
                "phone_number": None,
                "phone_digits": None,
                "email": None,
                "custom_data": json.dumps({"segment": "sme"}),
                "created_at": iso(joined),
                "updated_at": iso(joined),
            }
            loans, deposits = [], []
            if client_ref == PORTFOLIO_CLIENT_REF:
                rng = random.Random(f"portfolio-{client_ref}")
                loans = [portfolio_loan(rng, client_id, n) for n in range(PORTFOLIO_LOANS)]
                deposits = [
                    portfolio_deposit(rng, client_id, n) for n in range(PORTFOLIO_DEPOSITS)
                ]
            db = store.connection()
            db.execute("BEGIN")
            store.insert_clients([client])
            store.insert_loans(loans)
            store.insert_deposits(deposits)
            db.execute("COMMIT")
            added += 1
    return added


def portfolio_loan(rng: random.Random, client_id: str, n: int) -> dict:
    currency = "USD" if n % 23 == 0 else "NGN"
    status = pick(rng, LOAN_STATUSES)[0]
    unit = 10 if currency == "USD" else 1000
    amount = Decimal(rng.randrange(50, 5000) * unit)
    created = ANCHOR - timedelta(days=rng.randrange(30, 4 * 365))
    disbursed = None if status == "pending" else created + timedelta(days=rng.randrange(0, 5))
    tenure = rng.choice([3, 6, 12, 18, 24])
    due: date | None = ((disbursed or created) + timedelta(days=30 * tenure)).date()
    share = {"pending": 0, "closed": 0, "active": rng.randrange(10, 95)}.get(status)
    if share is None:  # overdue, written off
        share = rng.randrange(20, 100)
    if status == "overdue" and due >= ANCHOR.date():
        due = ANCHOR.date() - timedelta(days=rng.randrange(1, 120))
    if status == "active":
        # Most active loans are on time; one in six is past its due date with a balance,
        # which the API has not (yet) marked overdue.
        late = n % 6 == 1
        if late or due < ANCHOR.date():
            due = ANCHOR.date() + timedelta(days=rng.randrange(10, 300) * (-1 if late else 1))
    if status == "pending" and n % 2:
        due = None  # not disbursed: no schedule yet
    outstanding = amount * Decimal(share) / 100
    return {
        "id": object_id(f"portfolio-loan-{client_id}", n),
        "client_id": client_id,
        "reference": f"LN-PF-{n + 1:03d}",
        "amount": money(amount),
        "currency": currency,
        "interest_rate": money(Decimal(rng.randrange(1500, 3600)) / 100),
        "tenure_months": tenure,
        "outstanding_balance": money(outstanding),
        "status": status,
        "disbursed_at": iso(disbursed) if disbursed else None,
        "due_date": due.isoformat() if due else None,
        "created_at": iso(created),
    }


def portfolio_deposit(rng: random.Random, client_id: str, n: int) -> dict:
    currency = "USD" if n % 29 == 0 else "NGN"
    status = "reversed" if n % 19 == 3 else pick(rng, DEPOSIT_STATUSES)[0]
    amount = Decimal(rng.randrange(100, 200000) * (1 if currency == "USD" else 10))
    if rng.random() < 0.2:
        amount += Decimal(rng.randrange(1, 100)) / 100
    # Three years of history: about a third falls in the last twelve months.
    made = ANCHOR - timedelta(seconds=rng.randrange(3 * 365 * 86400))
    return {
        "id": object_id(f"portfolio-deposit-{client_id}", n),
        "client_id": client_id,
        "reference": f"DP-PF-{n + 1:03d}",
        "amount": money(amount),
        "currency": currency,
        "channel": pick(rng, CHANNELS)[0],
        "status": status,
        "narration": rng.choice(NARRATIONS),
        "created_at": iso(made),
    }
