"""Numbers in words the team reads: rupees in lakh and crore, ratios, shares, counts, ticks.

One set of rules for KPI cards, tables (the JavaScript twins below run in the grid) and
chart ticks and hover, so ₹15.0 L means the same amount on every part of a page.
"""
import math
import re

import numpy as np
import pandas as pd

NO_VALUE = "–"
LAKH = 100_000
CRORE = 10_000_000


def missing(value):
    if value is None:
        return True
    if isinstance(value, float):  # most values: no pandas call (a chart formats thousands)
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array is a value, not a gap
        return False


def _indian_digits(whole):
    """1234567 -> '12,34,567': the last three digits, then pairs."""
    if whole < LAKH:  # below a lakh the Indian and Western groupings agree; Python's is quick
        return f"{whole:,}"
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join(([head] if head else []) + pairs + [tail])


def money_full(value):
    """The exact rupee amount, grouped the Indian way: ₹12,34,567 (paise below ₹100)."""
    if missing(value):
        return NO_VALUE
    value = float(value)
    sign = "−" if value < 0 else ""
    if abs(value) < 100 and abs(value) != round(abs(value)):
        return f"{sign}₹{abs(value):.2f}"
    return f"{sign}₹{_indian_digits(round(abs(value)))}"


def money(value, decimals=1):
    """Rupees short: ₹85,000 below a lakh, then ₹15.0 L, then ₹1.2 Cr."""
    if missing(value):
        return NO_VALUE
    value = float(value)
    size = abs(value)
    sign = "−" if value < 0 else ""
    if size >= CRORE:
        return f"{sign}₹{size / CRORE:,.{decimals}f} Cr"
    if size >= LAKH:
        return f"{sign}₹{size / LAKH:.{decimals}f} L"
    return money_full(value)


def money_texts(values, decimals=1):
    """money() of every value of a float list: a chart labels thousands of points.

    Positive amounts are formatted in one pass per unit (crore, lakh, whole rupees), the
    rest (paise, negatives, gaps) one by one: money()'s checks for any kind of value were
    most of its time.
    """
    sizes = np.asarray(values, dtype=float)
    texts = np.empty(len(sizes), dtype=object)
    crore, lakh = sizes >= CRORE, (sizes >= LAKH) & (sizes < CRORE)
    texts[crore] = list(map(f"₹{{:,.{decimals}f}} Cr".format, (sizes[crore] / CRORE).tolist()))
    texts[lakh] = list(map(f"₹{{:.{decimals}f}} L".format, (sizes[lakh] / LAKH).tolist()))
    # Whole rupees below a lakh, grouped as Python does (the Indian way agrees there); rint
    # rounds half to even, as round() does.
    whole = np.rint(sizes)
    plain = (sizes >= 0) & (whole < LAKH) & ((sizes >= 100) | (sizes == whole))
    texts[plain] = list(map("₹{:,}".format, whole[plain].astype(np.int64).tolist()))
    for position in np.flatnonzero(~(crore | lakh | plain)).tolist():
        texts[position] = _money_text(float(sizes[position]), decimals)
    return texts.tolist()


def _money_text(value, decimals):
    """money() of a float below a lakh, or negative, or NaN."""
    if value != value:  # NaN
        return NO_VALUE
    size = abs(value)
    sign = "−" if value < 0 else ""
    if size >= CRORE:
        return f"{sign}₹{size / CRORE:,.{decimals}f} Cr"
    if size >= LAKH:
        return f"{sign}₹{size / LAKH:.{decimals}f} L"
    if size < 100 and size != round(size):
        return f"{sign}₹{size:.2f}"
    return f"{sign}₹{_indian_digits(round(size))}"


def money_tick(value, top=None):
    """A round axis value: ₹0, ₹50,000, ₹2.5 L, ₹1 Cr (no needless '.0').

    `top`, the axis's largest tick, sets one unit for the whole axis: ₹0.5 L beside ₹1 L,
    never ₹50,000 beside it.
    """
    unit = top if top is not None else value
    if value and unit is not None and abs(unit) >= LAKH:
        size, word = (CRORE, "Cr") if abs(unit) >= CRORE else (LAKH, "L")
        return f"{'−' if value < 0 else ''}₹{abs(value) / size:.3f}".rstrip("0").rstrip(".") \
            + f" {word}"
    return re.sub(r"\.?0+ (L|Cr)$", r" \1", money(value, decimals=2))


def ratio(value):
    return NO_VALUE if missing(value) else f"{float(value):,.2f}×"


def percent(value):
    return NO_VALUE if missing(value) else f"{float(value) * 100:,.1f}%"


def count(value):
    return NO_VALUE if missing(value) else f"{float(value):,.0f}"


FORMATS = {"money": money, "ratio": ratio, "percent": percent, "count": count}


def formatted(value, kind):
    return FORMATS[kind](value)


# The grid's twins of money() and the others (JavaScript run by ag-grid in the browser; d3
# comes with dash-ag-grid). Same thresholds as above, so a table and a card agree.
# assets/grid_formats.js holds the function, with LAKH and CRORE as above.
JS_MONEY = "rupeesShort(params.value)"
JS_FORMATS = {
    "money": JS_MONEY,
    "ratio": "params.value == null ? '–' : d3.format(',.2f')(params.value) + '×'",
    "percent": "params.value == null ? '–' : d3.format('.1%')(params.value)",
    "count": "params.value == null ? '–' : d3.format(',.0f')(params.value)",
    "score": "params.value == null ? '–' : d3.format('.0f')(params.value)",
    "rupees": "params.value == null ? '–' : '₹' + d3.format(',.2f')(params.value)",
}


# ---- chart axes --------------------------------------------------------------------------

def nice_step(top, intervals=5):
    """A round step (1, 2, 2.5 or 5 × a power of ten) that covers 0..top in ~`intervals`."""
    if not top or top <= 0 or math.isnan(top):
        return 1.0
    raw = top / intervals
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw - 1e-12:
            return factor * power
    return 10 * power


def ticks(top, intervals, whole=False):
    """(step, count of intervals) for an axis from 0 that reaches `top` in round steps;
    `whole` keeps the step a whole number (orders, posts)."""
    step = nice_step(top, intervals)
    if whole:
        step = max(1.0, math.ceil(step))
    return step, max(1, math.ceil((top or 0) / step - 1e-9))


def aligned_axes(left_top, right_top, intervals=5, left_whole=False):
    """Two axes from 0 with round steps and the same number of gridlines, so they line up.

    Returns ((left step, left end), (right step, right end), number of intervals).
    """
    left_step, left_count = ticks(left_top, intervals, whole=left_whole)
    right_step, right_count = ticks(right_top, intervals)
    count_ = max(left_count, right_count)
    return (left_step, left_step * count_), (right_step, right_step * count_), count_
