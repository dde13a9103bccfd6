"""The client at a glance: figures computed from every loan and deposit, per currency.

`summarise` is pure: loans and deposits in, a frozen `Summary` out, "today" given.
`portfolio_summary` reads the client's portfolio through the service module
(api.client_portfolio) and keeps the summary SUMMARY_CACHE_SECONDS in the shared cache;
`forget` drops it, and every write the dashboard makes to a client calls it
(clients/edit.py).

The rules, in one place:
- money is never summed across currencies: one `CurrencySummary` per currency;
- a loan is overdue when it is past its due date with a balance above zero, or when
  the API marks it in arrears or written off (api.LOAN_IN_ARREARS_STATUSES);
- a deposit counts once settled (api.DEPOSIT_SETTLED_STATUSES); a reversal, marked by
  its status or by a negative amount, counts negative. A deposit marked reversed came
  in and went back: it is in `received_12m` and, negative, in `reversed_12m`, so that
  `deposited_12m` (their sum) is the same whichever way an API marks reversals;
- "the last 12 months" are the calendar months of today's and the eleven before it,
  in TIME_ZONE, up to today: the same window as the monthly chart, whose bars add up
  to the totals.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, localcontext

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from dashboard import api

logger = logging.getLogger(__name__)

MONTHS = 12
ZERO = Decimal(0)
# Amounts have up to 32 significant digits (api/records.py): sums must not round them.
SUM_PRECISION = 60


@dataclass(frozen=True, slots=True)
class MonthOfDeposits:
    month: date  # its first day
    deposits: Decimal  # received that month
    reversals: Decimal  # reversed that month: zero or negative


@dataclass(frozen=True, slots=True)
class LoanBalance:
    reference: str
    outstanding: Decimal
    overdue: bool


@dataclass(frozen=True, slots=True)
class CurrencySummary:
    currency: str  # as the API sends it, upper-cased; "" when it sends none
    loans: int  # every loan in this currency, whatever its status
    active_loans: int  # running: disbursed and neither closed nor written off
    amount: Decimal  # the amounts of every loan in this currency (the Loans tab's total)
    outstanding: Decimal
    overdue_loans: int
    overdue_amount: Decimal  # the overdue loans' outstanding balances
    disbursed: Decimal  # the amounts of the loans that were disbursed
    deposits: int  # every deposit in this currency, whatever its status
    deposited: Decimal  # all time: settled deposits net of reversals (the Deposits tab's total)
    received_12m: Decimal
    reversals_12m: int
    reversed_12m: Decimal  # zero or negative
    deposited_12m: Decimal  # received_12m + reversed_12m
    last_deposit_on: date | None  # the newest settled deposit, of any age
    last_deposit_amount: Decimal | None
    months: tuple[MonthOfDeposits, ...]  # the 12 months, oldest first
    balances: tuple[LoanBalance, ...]  # loans with a balance, largest first


@dataclass(frozen=True, slots=True)
class Summary:
    currencies: tuple[CurrencySummary, ...]  # by currency code, "" last
    loans_read: int
    deposits_read: int
    loans_total: int | None  # what the API says the client has (None: it did not say)
    deposits_total: int | None
    partial: bool  # SUMMARY_MAX_PAGES stopped the reading: figures cover what was read
    as_of: datetime  # when the loans and deposits were read
    today: date

    def currency(self, code: str) -> CurrencySummary | None:
        return next((line for line in self.currencies if line.currency == code), None)


# --- the figures ------------------------------------------------------------------------


def summarise(
    loans: Iterable[api.Loan],
    deposits: Iterable[api.Deposit],
    *,
    today: date,
    zone: tzinfo = UTC,
    as_of: datetime,
    partial: bool = False,
    loans_total: int | None = None,
    deposits_total: int | None = None,
) -> Summary:
    loans, deposits = tuple(loans), tuple(deposits)
    months = _months_up_to(today)
    with localcontext() as context:
        context.prec = SUM_PRECISION
        lines: dict[str, _Line] = {}
        for loan in loans:
            lines.setdefault(_currency(loan.currency), _Line(months)).add_loan(loan, today)
        for deposit in deposits:
            line = lines.setdefault(_currency(deposit.currency), _Line(months))
            line.add_deposit(deposit, _local_day(deposit.created_at, zone), today)
        currencies = tuple(
            lines[code].summary(code) for code in sorted(lines, key=lambda code: (not code, code))
        )
    return Summary(
        currencies=currencies,
        loans_read=len(loans),
        deposits_read=len(deposits),
        loans_total=loans_total,
        deposits_total=deposits_total,
        partial=partial,
        as_of=as_of,
        today=today,
    )


def is_overdue(loan: api.Loan, today: date) -> bool:
    """The one overdue rule: of the band's figures, its chart, and the Loans table's rows."""
    if loan.status.lower() in api.LOAN_IN_ARREARS_STATUSES:
        return True
    past_due = loan.due_date is not None and loan.due_date < today
    return past_due and (loan.outstanding_balance or ZERO) > 0


def signed_amount(deposit: api.Deposit) -> tuple[Decimal, Decimal]:
    """(received, reversed) by one deposit: what came in, and what went back (<= 0)."""
    amount, status = deposit.amount or ZERO, deposit.status.lower()
    if amount < 0 and (status in api.DEPOSIT_SETTLED_STATUSES | api.DEPOSIT_REVERSED_STATUSES):
        return ZERO, amount  # a reversal entry
    if status in api.DEPOSIT_REVERSED_STATUSES:
        return amount, -amount  # came in, went back
    if status in api.DEPOSIT_SETTLED_STATUSES:
        return amount, ZERO
    return ZERO, ZERO  # pending, failed, or a status nobody told us about


class _Line:
    """One currency's figures as they add up."""

    def __init__(self, months: tuple[date, ...]) -> None:
        self.months = months
        self.first_day = months[0]
        self.loans = self.active = self.overdue = self.deposits = self.reversals = 0
        self.amount = self.outstanding = self.overdue_amount = self.disbursed = ZERO
        self.deposited = self.received = self.reversed = ZERO
        self.by_month = {month: [ZERO, ZERO] for month in months}
        self.last: tuple[datetime, date, Decimal] | None = None  # when, its day, amount
        self.balances: list[LoanBalance] = []

    def add_loan(self, loan: api.Loan, today: date) -> None:
        status = loan.status.lower()
        balance = loan.outstanding_balance or ZERO
        overdue = is_overdue(loan, today)
        self.loans += 1
        self.active += status in api.LOAN_RUNNING_STATUSES
        self.amount += loan.amount or ZERO
        self.outstanding += balance
        if overdue:
            self.overdue += 1
            self.overdue_amount += balance
        if loan.disbursed_at is not None or status in api.LOAN_DISBURSED_STATUSES:
            self.disbursed += loan.amount or ZERO
        if balance > 0:
            self.balances.append(LoanBalance(loan.reference, balance, overdue))

    def add_deposit(self, deposit: api.Deposit, day: date | None, today: date) -> None:
        self.deposits += 1
        received, reversed_ = signed_amount(deposit)
        self.deposited += received + reversed_
        stands = received > 0 and reversed_ == 0 and deposit.created_at is not None
        if stands and (self.last is None or deposit.created_at > self.last[0]):
            self.last = (deposit.created_at, day, received)
        if day is None or not self.first_day <= day <= today:
            return
        month = self.by_month[day.replace(day=1)]
        month[0] += received
        month[1] += reversed_
        self.received += received
        if reversed_:
            self.reversals += 1
            self.reversed += reversed_

    def summary(self, currency: str) -> CurrencySummary:
        return CurrencySummary(
            currency=currency,
            loans=self.loans,
            active_loans=self.active,
            amount=self.amount,
            outstanding=self.outstanding,
            overdue_loans=self.overdue,
            overdue_amount=self.overdue_amount,
            disbursed=self.disbursed,
            deposits=self.deposits,
            deposited=self.deposited,
            received_12m=self.received,
            reversals_12m=self.reversals,
            reversed_12m=self.reversed,
            deposited_12m=self.received + self.reversed,
            last_deposit_on=self.last[1] if self.last else None,
            last_deposit_amount=self.last[2] if self.last else None,
            months=tuple(MonthOfDeposits(month, *self.by_month[month]) for month in self.months),
            balances=tuple(sorted(self.balances, key=lambda loan: -loan.outstanding)),
        )


def _currency(code: str) -> str:
    return code.strip().upper()


def _local_day(moment: datetime | None, zone: tzinfo) -> date | None:
    return None if moment is None else moment.astimezone(zone).date()


def _months_up_to(today: date) -> tuple[date, ...]:
    """The first days of the MONTHS calendar months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return tuple(
        date(number // 12, number % 12 + 1, 1) for number in range(index - MONTHS + 1, index + 1)
    )


# --- read, and kept briefly ---------------------------------------------------------------

CACHE_VERSION = 2  # raise it when a dataclass above changes: older values become misses


def portfolio_summary(*, client_id: str, today: date | None = None) -> Summary:
    """The client's summary, from the cache when read within SUMMARY_CACHE_SECONDS (and
    today); otherwise every loan and deposit is read again. Raises api.ApiError."""
    today = today or timezone.localdate()
    cached = _cached(client_id, today)
    if cached is not None:
        return cached
    portfolio = api.client_portfolio(client_id=client_id)
    summary = summarise(
        portfolio.loans,
        portfolio.deposits,
        today=today,
        zone=timezone.get_current_timezone(),
        as_of=portfolio.as_of,
        partial=portfolio.partial,
        loans_total=portfolio.loans_total,
        deposits_total=portfolio.deposits_total,
    )
    _keep(client_id, summary)
    return summary


def cached_summary(*, client_id: str, today: date | None = None) -> Summary | None:
    """The client's summary if the cache has today's, else None: never an API call."""
    return _cached(client_id, today or timezone.localdate())


def forget(client_id: str) -> None:
    """Drop the client's summary: the dashboard just wrote to the client."""
    try:
        cache.delete(_key(client_id))
    except Exception:  # the cache is an optimisation: its failure must not fail a save
        logger.warning("Could not drop a portfolio summary from the cache", exc_info=True)


def _key(client_id: str) -> str:
    # Hashed: an id is opaque, and may hold what a cache key must not.
    return f"portfolio:{CACHE_VERSION}:{hashlib.sha256(client_id.encode()).hexdigest()[:40]}"


def _keep(client_id: str, summary: Summary) -> None:
    if settings.SUMMARY_CACHE_SECONDS <= 0:
        return
    # Plain values only (dicts, lists, str, int, Decimal, date, datetime): unpickling
    # never depends on this module's classes, which another release may have changed.
    try:
        cache.set(_key(client_id), asdict(summary), settings.SUMMARY_CACHE_SECONDS)
    except Exception:  # a cache that is down is a miss next time, not an error now
        logger.warning("Could not keep a portfolio summary in the cache", exc_info=True)


def _cached(client_id: str, today: date) -> Summary | None:
    try:
        plain = cache.get(_key(client_id))
    except Exception:
        logger.warning("Could not read a portfolio summary from the cache", exc_info=True)
        return None
    if not isinstance(plain, dict):
        return None
    try:
        summary = _from_plain(plain)
    except (TypeError, KeyError, ValueError):  # a value of another shape: a miss
        return None
    return summary if summary.today == today else None


def _from_plain(plain: dict) -> Summary:
    currencies = tuple(
        CurrencySummary(
            **{
                **line,
                "months": tuple(MonthOfDeposits(**month) for month in line["months"]),
                "balances": tuple(LoanBalance(**loan) for loan in line["balances"]),
            }
        )
        for line in plain["currencies"]
    )
    return Summary(**{**plain, "currencies": currencies})
