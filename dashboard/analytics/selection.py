"""What one request asks for: its filters, the baseline share and the dimension to group by."""
import math
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode

from dashboard.importing.dates import parse_day

# The baseline share b of incremental ROAS (METRICS.md): the usual value and the range a
# selection may hold, one source for links, the filter bar's slider and the command line.
DEFAULT_BASELINE = 0.20
BASELINE_MIN = 0.0
BASELINE_MAX = 0.5
BASELINE_STEP = 0.05
# What metrics() can group by: the `--by` values of `dashboard metrics` too.
DIMENSIONS = ("overall", "influencer", "platform", "brand", "category", "tier", "campaign",
              "month")
# The dimensions the ROI view compares, in its order; its CSV exports follow the same list.
ROI_DIMENSIONS = ("influencer", "campaign", "platform", "tier")


@dataclass(frozen=True)
class Selection:
    """The filters of one request; empty sets mean every value."""

    start: date | None = None
    end: date | None = None
    brands: frozenset[str] = field(default_factory=frozenset)
    platforms: frozenset[str] = field(default_factory=frozenset)
    categories: frozenset[str] = field(default_factory=frozenset)
    tiers: frozenset[str] = field(default_factory=frozenset)
    baseline: float = DEFAULT_BASELINE
    # Why parts of a link were left out, in plain words for the page. Not a filter: two
    # selections that differ only here are equal and share their cached results.
    notes: tuple[str, ...] = field(default=(), compare=False)

    def previous_period(self) -> "Selection | None":
        """The same number of days just before this range; None without both dates, or
        when those days would fall before the first day a date can hold."""
        if self.start is None or self.end is None:
            return None
        days = (self.end - self.start).days + 1
        try:
            return replace(self, start=self.start - timedelta(days=days),
                           end=self.start - timedelta(days=1), notes=())
        except OverflowError:
            return None

    def to_query(self) -> str:
        """URL query string with only the filters that are set, values sorted."""
        pairs = []
        if self.start is not None:
            pairs.append(("start", self.start.isoformat()))
        if self.end is not None:
            pairs.append(("end", self.end.isoformat()))
        for name, values in (("brand", self.brands), ("platform", self.platforms),
                             ("category", self.categories), ("tier", self.tiers)):
            pairs += [(name, value) for value in sorted(values)]
        if self.baseline != DEFAULT_BASELINE:
            pairs.append(("baseline", repr(float(self.baseline))))
        return urlencode(pairs)

    @classmethod
    def from_query(cls, query: str) -> "Selection":
        """Inverse of to_query; a bad date or baseline is left out with a note saying so."""
        values = parse_qs((query or "").lstrip("?"), keep_blank_values=False)
        return cls.from_values(
            start=values.get("start", []), end=values.get("end", []),
            brands=values.get("brand", []), platforms=values.get("platform", []),
            categories=values.get("category", []), tiers=values.get("tier", []),
            baseline=values.get("baseline", []))

    @classmethod
    def from_values(cls, *, start=None, end=None, brands=None, platforms=None,
                    categories=None, tiers=None, baseline=None) -> "Selection":
        """The Selection of a link's or the filter bar's values, whatever their shape.

        One place for the rules both follow: dates within dates.FIRST_DAY..last_day(), a
        baseline within the slider's bounds, a list sent as one string is one value.
        Each argument may be one value or a list of them (a link may repeat a parameter);
        the first usable one counts, and every bad one leaves a note.
        """
        notes = []

        def first_usable(given, parse):
            for value in _as_list(given):
                if value is None or value == "":
                    continue
                parsed = parse(value)
                if parsed is not None:
                    return parsed
            return None

        def day(label):
            def parse(value):
                parsed, why = parse_day(value)
                if why:
                    notes.append(f"The {label} date {_shown(value)} in the link {why}, so "
                                 "it was left out.")
                return parsed
            return parse

        def baseline_share(value):
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if BASELINE_MIN <= number <= BASELINE_MAX:
                return number
            notes.append(f"The baseline share {_shown(value)} in the link is not between "
                         f"{BASELINE_MIN:.0%} and {BASELINE_MAX:.0%}, so the usual "
                         f"{DEFAULT_BASELINE:.0%} was used.")
            return None

        chosen_start = first_usable(start, day("start"))
        chosen_end = first_usable(end, day("end"))
        chosen_baseline = first_usable(baseline, baseline_share)
        return cls(start=chosen_start, end=chosen_end,
                   brands=_text_values(brands), platforms=_text_values(platforms),
                   categories=_text_values(categories), tiers=_text_values(tiers),
                   baseline=DEFAULT_BASELINE if chosen_baseline is None else chosen_baseline,
                   notes=tuple(notes))

    def cache_key(self) -> str:
        parts = []
        for item in fields(self):
            if not item.compare:
                continue
            value = getattr(self, item.name)
            if isinstance(value, frozenset):
                value = sorted(value)
            parts.append(f"{item.name}={value!r}")
        return "&".join(parts)

    @property
    def dated(self) -> bool:
        return self.start is not None or self.end is not None


def _as_list(value):
    """A parameter's values: one value alone is a list of one, never its characters."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _text_values(value):
    """A list filter's values as a set of strings; anything that is not text is dropped."""
    return frozenset(item for item in _as_list(value) if isinstance(item, str) and item)


def _shown(value):
    """A value from a link, quoted and cut short, for a note that repeats it."""
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"


def effective_brands(selection, scope):
    """None: no brand filter; else the brand names rows must carry (maybe none at all)."""
    if scope is None:
        return frozenset(selection.brands) if selection.brands else None
    if selection.brands:
        return frozenset(selection.brands) & frozenset(scope)
    return frozenset(scope)
