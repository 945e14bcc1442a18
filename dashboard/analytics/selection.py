"""What one request asks for: its filters, period, comparison, baseline share and grouping."""
import calendar
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
# Named periods, counted back from the last day with data (not today: demo and imported
# data can end months ago, and "last 30 days" of nothing helps nobody). Order = menu order.
PERIODS = {"last7": "Last 7 days", "last30": "Last 30 days", "last90": "Last 90 days",
           "this_month": "This month", "last_month": "Last month",
           "quarter": "Quarter to date", "year": "Year to date", "all": "All time"}
# What a page opens on when its link names no dates and no period.
DEFAULT_PERIOD = "last30"
# What the KPI changes compare with.
COMPARISONS = {"previous": "Previous period", "year": "Same period last year"}
# Trend buckets; "auto" picks days for short ranges and weeks for long ones.
FREQUENCIES = {"auto": "Automatic", "day": "Day", "week": "Week", "month": "Month"}
# The link parameters of a Selection: what follows a person from view to view.
LINK_PARAMETERS = ("period", "start", "end", "brand", "platform", "category", "tier",
                   "baseline", "compare", "freq")


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
    # A key of PERIODS, or None for the dates as given. resolved() turns it into dates.
    period: str | None = None
    compare: str = "previous"
    freq: str = "auto"
    # Why parts of a link were left out, in plain words for the page. Not a filter: two
    # selections that differ only here are equal and share their cached results.
    notes: tuple[str, ...] = field(default=(), compare=False)
    # The first and last day with data the viewer can see, once resolved() knows them.
    data_start: date | None = field(default=None, compare=False)
    data_end: date | None = field(default=None, compare=False)

    def resolved(self, data_start, data_end) -> "Selection":
        """The named period as dates counted back from `data_end`, the last day with data;
        dates given by hand stay as they are."""
        selection = replace(self, data_start=data_start, data_end=data_end)
        if self.period is None or data_end is None:
            return selection
        start, end = period_range(self.period, data_end)
        return replace(selection, start=start, end=end)

    def comparison_period(self) -> "Selection | None":
        """What the KPI changes compare with: the days just before, or the same days a year
        earlier (29 February becomes the 28th); None without both dates."""
        if self.compare != "year":
            return self.previous_period()
        if self.start is None or self.end is None:
            return None
        try:
            return replace(self, start=year_earlier(self.start), end=year_earlier(self.end),
                           notes=())
        except (OverflowError, ValueError):
            return None

    def comparison_words(self) -> str:
        """How a KPI change names what it compares with: "the previous 30 days"."""
        if self.start is None or self.end is None:
            return "an earlier period"
        if self.compare == "year":
            return "the same days last year"
        return f"the previous {(self.end - self.start).days + 1} days"

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
        # The period comes first: a link keeps "last 30 days" relative to the data, and the
        # dates beside it are what it meant when made (exports and the API read those).
        if self.period is not None:
            pairs.insert(0, ("period", self.period))
        elif self.start is None and self.end is None:
            # No dates means all time; said outright, since a link without dates opens on
            # the most recent 30 days (DEFAULT_PERIOD).
            pairs.insert(0, ("period", "all"))
        if self.compare != "previous":
            pairs.append(("compare", self.compare))
        if self.freq != "auto":
            pairs.append(("freq", self.freq))
        return urlencode(pairs)

    @classmethod
    def from_query(cls, query: str, default_period=None) -> "Selection":
        """Inverse of to_query; a bad value is left out with a note saying so.

        `default_period` is the period of a link that names no dates and no period (the
        pages open on recent data; exports and the API read such a link as all dates).
        """
        values = parse_qs((query or "").lstrip("?"), keep_blank_values=False)
        period = values.get("period", [])
        if not period and not values.get("start") and not values.get("end"):
            period = [default_period]
        return cls.from_values(
            start=values.get("start", []), end=values.get("end", []),
            brands=values.get("brand", []), platforms=values.get("platform", []),
            categories=values.get("category", []), tiers=values.get("tier", []),
            baseline=values.get("baseline", []), period=period,
            compare=values.get("compare", []), freq=values.get("freq", []))

    @classmethod
    def from_values(cls, *, start=None, end=None, brands=None, platforms=None,
                    categories=None, tiers=None, baseline=None, period=None, compare=None,
                    freq=None) -> "Selection":
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

        def one_of(choices, label, usual):
            def parse(value):
                if value in choices:
                    return value
                notes.append(f"The {label} {_shown(value)} in the link is not one of "
                             f"{', '.join(choices.values())}, so it was left out "
                             f"({usual} instead).")
                return None
            return parse

        chosen_start = first_usable(start, day("start"))
        chosen_end = first_usable(end, day("end"))
        chosen_baseline = first_usable(baseline, baseline_share)
        # "custom" is the filter bar's word for the dates as given.
        chosen_period = first_usable(
            [value for value in _as_list(period) if value != "custom"],
            one_of(PERIODS, "period", "the dates in the link"))
        chosen_compare = first_usable(compare, one_of(COMPARISONS, "comparison",
                                                      "the previous period"))
        chosen_freq = first_usable(freq, one_of(FREQUENCIES, "trend step",
                                                "the automatic step"))
        return cls(start=chosen_start, end=chosen_end,
                   brands=_text_values(brands), platforms=_text_values(platforms),
                   categories=_text_values(categories), tiers=_text_values(tiers),
                   baseline=DEFAULT_BASELINE if chosen_baseline is None else chosen_baseline,
                   period=chosen_period, compare=chosen_compare or "previous",
                   freq=chosen_freq or "auto", notes=tuple(notes))

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


def opening_selection(query, data_start, data_end) -> Selection:
    """The selection a page shows for its link's query: a link without dates opens on the
    most recent data (DEFAULT_PERIOD), counted back from the last day the viewer can see."""
    return Selection.from_query(query, default_period=DEFAULT_PERIOD).resolved(
        data_start, data_end)


def period_range(period, last_day):
    """(start, end) of a PERIODS key counted back from `last_day`; (None, None) for all.

    Calendar periods end on `last_day` too ("this month" is the 1st up to the data's last
    day), except "last month", which is the whole month before `last_day`'s month.
    """
    if period == "all":
        return None, None
    if period in ("last7", "last30", "last90"):
        days = int(period[4:])
        return last_day - timedelta(days=days - 1), last_day
    if period == "this_month":
        return last_day.replace(day=1), last_day
    if period == "last_month":
        end = last_day.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if period == "quarter":
        first_month = 3 * ((last_day.month - 1) // 3) + 1
        return date(last_day.year, first_month, 1), last_day
    if period == "year":
        return date(last_day.year, 1, 1), last_day
    raise ValueError(f"Unknown period {period!r}: choose one of {', '.join(PERIODS)}.")


def year_earlier(day):
    """The same calendar day a year before; 29 February becomes the 28th."""
    last_of_month = calendar.monthrange(day.year - 1, day.month)[1]
    return date(day.year - 1, day.month, min(day.day, last_of_month))


def view_option(query, name, choices, usual, label):
    """(value, notes) of one view's own control in a link ("?by=campaign" on ROI): a value
    not among `choices` gives `usual` and a note saying so."""
    given = parse_qs((query or "").lstrip("?")).get(name, [])
    for value in given:
        if value in choices:
            return value, ()
    if not given:
        return usual, ()
    return usual, (f"The {label} {_shown(given[0])} in the link is not one we know, so "
                   f"{choices[usual] if isinstance(choices, dict) else usual} was used.",)


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
