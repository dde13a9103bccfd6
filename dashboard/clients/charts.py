"""The summary band's two small charts, as the geometry of inline SVG: no chart library,
nothing sent to the browser but the drawing (templates/clients/summary.html draws it).

Both charts have a fixed drawing size (a viewBox the card scales to its width), so the
skeleton, an empty chart and a full one take the same room and nothing below them moves:
- deposits per month over the summary's 12 months: a bar up for what came in, a bar down
  for what was reversed, on one scale with the zero line where they meet;
- outstanding balance by loan, largest first: up to BALANCE_ROWS loans, the rest as one
  "other loans" line (their sum, without a bar); overdue loans in the warning colour
  (and said so in words).
Coordinates are rounded to a tenth of a unit: the markup stays short. The repeated
marks (a month's bars, a loan's row) are written here with format_html, which escapes
every value: through the template language they cost the band a third of its time.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .portfolio import ZERO, CurrencySummary, MonthOfDeposits
from .templatetags.formatting import MONTHS as MONTH_NAMES
from .templatetags.formatting import money, money_short

# The deposits chart: 12 columns of SLOT units, month names below the plot.
MONTHS_WIDTH, MONTHS_HEIGHT = 300, 120
MONTH_SLOT = MONTHS_WIDTH / 12
MONTH_BAR = 17
PLOT_TOP, PLOT_BOTTOM = 14, 104  # the largest amount above, the month names below
LABEL_HALF = 18  # half the width of an amount such as "₦12.3M"
MIN_BAR = 1.0  # an amount above zero is never drawn as nothing

# The balances chart: one row of ROW units per loan, reference | bar | amount.
BALANCE_ROWS = 6  # loans drawn one by one; a seventh row holds the rest
ROW = 16
BALANCES_WIDTH, BALANCES_HEIGHT = 300, ROW * (BALANCE_ROWS + 1)
BAR_LEFT, BAR_RIGHT = 74, 226  # references left of the bars, amounts right of them
BAR_THICKNESS = 10


@dataclass(frozen=True, slots=True)
class MonthColumn:
    month: MonthOfDeposits
    name: str  # "Mar 2026"
    short: str  # "Mar", under its bars
    x: float  # the bars' left edge
    label_x: float  # the centre of the column, for its month name
    up_y: float  # the deposits bar: from up_y down to the zero line
    up_height: float
    down_height: float  # the reversals bar: from the zero line down


@dataclass(frozen=True, slots=True)
class MonthsChart:
    columns: tuple[MonthColumn, ...]
    zero_y: float
    empty: bool  # nothing came in or went back in the 12 months
    largest: Decimal  # the tallest deposits bar's amount
    largest_x: float  # where the largest amount is written, over its bar
    largest_y: float
    any_reversal: bool
    width: int = MONTHS_WIDTH
    height: int = MONTHS_HEIGHT
    bar_width: int = MONTH_BAR


@dataclass(frozen=True, slots=True)
class BalanceRow:
    name: str  # the loan's reference, or "N other loans"
    label: str  # the name as drawn: a long reference is cut short
    outstanding: Decimal
    overdue: bool  # never for the other loans' line: it counts them (overdue_count)
    overdue_count: int
    other: bool  # the line adding up the loans not drawn one by one
    text_y: float
    bar_y: float
    bar_width: float


@dataclass(frozen=True, slots=True)
class BalancesChart:
    rows: tuple[BalanceRow, ...]
    empty: bool
    width: int = BALANCES_WIDTH
    height: int = BALANCES_HEIGHT
    bar_left: int = BAR_LEFT
    amount_x: int = BALANCES_WIDTH
    bar_thickness: int = BAR_THICKNESS


def _length(amount: Decimal, scale: Decimal, room: float) -> float:
    """How long `amount` is drawn, `scale` filling `room`: a tenth of a unit, never
    below MIN_BAR for an amount above zero."""
    if amount <= 0 or scale <= 0:
        return 0.0
    return round(max(MIN_BAR, float(amount / scale) * room), 1)


def deposits_by_month(line: CurrencySummary) -> MonthsChart:
    up = max((month.deposits for month in line.months), default=ZERO)
    down = max((-month.reversals for month in line.months), default=ZERO)
    room = PLOT_BOTTOM - PLOT_TOP
    both = up + down
    # The zero line splits the plot in proportion to the tallest bar each way.
    zero_y = PLOT_TOP + (room * float(up / both) if both > 0 else room)
    zero_y = round(zero_y, 1)
    columns = []
    for index, month in enumerate(line.months):
        up_height = _length(month.deposits, both, room)
        short = MONTH_NAMES[month.month.month - 1]
        columns.append(
            MonthColumn(
                month=month,
                name=f"{short} {month.month.year}",
                short=short,
                x=round(index * MONTH_SLOT + (MONTH_SLOT - MONTH_BAR) / 2, 1),
                label_x=round(index * MONTH_SLOT + MONTH_SLOT / 2, 1),
                up_y=round(zero_y - up_height, 1),
                up_height=up_height,
                down_height=_length(-month.reversals, both, room),
            )
        )
    tallest = max(columns, key=lambda column: column.up_height)
    return MonthsChart(
        columns=tuple(columns),
        zero_y=zero_y,
        empty=both <= 0,
        largest=up,
        # Kept off the edges, where a centred label would be cut.
        largest_x=min(max(tallest.label_x, LABEL_HALF), MONTHS_WIDTH - LABEL_HALF),
        largest_y=round(tallest.up_y - 3, 1),
        any_reversal=down > 0,
    )


LABEL_CHARACTERS = 13  # what fits left of the bars; the whole reference is in the table


def _short(reference: str) -> str:
    if len(reference) <= LABEL_CHARACTERS:
        return reference
    return reference[: LABEL_CHARACTERS - 1] + "…"


def balances_by_loan(line: CurrencySummary) -> BalancesChart:
    drawn = list(line.balances[:BALANCE_ROWS])
    rest = line.balances[BALANCE_ROWS:]
    rows: list[tuple[str, Decimal, bool, int, bool]] = [
        (loan.reference, loan.outstanding, loan.overdue, int(loan.overdue), False)
        for loan in drawn
    ]
    if rest:
        rest_total = sum((loan.outstanding for loan in rest), ZERO)
        noun = "other loan" if len(rest) == 1 else "other loans"
        overdue = sum(loan.overdue for loan in rest)
        rows.append((f"{len(rest)} {noun}", rest_total, False, overdue, True))
    # The loans drawn one by one set the scale; the other loans' sum, often larger than
    # any of them, is written out without a bar, which would shrink every other bar.
    scale = max((loan.outstanding for loan in drawn), default=ZERO)
    return BalancesChart(
        rows=tuple(
            BalanceRow(
                name=name,
                label=name if other else _short(name),
                outstanding=outstanding,
                overdue=overdue,
                overdue_count=overdue_count,
                other=other,
                text_y=index * ROW + ROW / 2 + 3,  # a 9-unit text's baseline, centred
                bar_y=index * ROW + (ROW - BAR_THICKNESS) / 2,
                bar_width=0.0 if other else _length(outstanding, scale, BAR_RIGHT - BAR_LEFT),
            )
            for index, (name, outstanding, overdue, overdue_count, other) in enumerate(rows)
        ),
        empty=not rows,
    )


VIEW_BOXES = {
    "months": f"0 0 {MONTHS_WIDTH} {MONTHS_HEIGHT}",
    "balances": f"0 0 {BALANCES_WIDTH} {BALANCES_HEIGHT}",
}


def month_marks(chart: MonthsChart, currency: str) -> SafeString:
    """Each month's bars, its tooltip and its name, as SVG."""
    return format_html_join("", "<g><title>{}</title>{}{}{}</g>", (
        (
            _month_tooltip(column, currency),
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"/>',
                column.x, column.up_y, chart.bar_width, column.up_height,
            ) if column.up_height else "",
            format_html(
                '<rect class="chart-bar chart-bar-reversal" x="{}" y="{}" width="{}"'
                ' height="{}"/>',
                column.x, chart.zero_y, chart.bar_width, column.down_height,
            ) if column.down_height else "",
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                column.label_x, chart.height - 4, column.short,
            ),
        )
        for column in chart.columns
    ))  # fmt: skip


def _month_tooltip(column: MonthColumn, currency: str) -> str:
    text = f"{column.name}: {money(column.month.deposits, currency)} in"
    if column.month.reversals:
        text += f", {money(column.month.reversals, currency)} reversed"
    return text


def balance_marks(chart: BalancesChart, currency: str) -> SafeString:
    """Each loan's row (or the other loans' line): name, bar and amount, as SVG."""
    return format_html_join("", "<g{}><title>{}</title>{}{}{}</g>", (
        (
            mark_safe(' class="chart-overdue"') if row.overdue else "",
            f"{row.name}: {money(row.outstanding, currency)} outstanding"
            + (", overdue" if row.overdue else ""),
            format_html(
                '<text class="chart-label{}" x="0" y="{}">{}</text>',
                "" if row.other else " chart-reference", row.text_y, row.label,
            ),
            format_html(
                '<rect class="chart-bar{}" x="{}" y="{}" width="{}" height="{}" rx="1.5"/>',
                " chart-bar-overdue" if row.overdue else "",
                chart.bar_left, row.bar_y, row.bar_width, chart.bar_thickness,
            ) if row.bar_width else "",
            format_html(
                '<text class="chart-label chart-amount" x="{}" y="{}" text-anchor="end">{}</text>',
                chart.amount_x, row.text_y, money_short(row.outstanding, currency),
            ),
        )
        for row in chart.rows
    ))  # fmt: skip
