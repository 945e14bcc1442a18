"""Where one cold view's server time goes: SQL, the rest of analytics, figures, serialisation."""
import statistics
import time
from dataclasses import dataclass

from plotly.io.json import to_json_plotly
from sqlalchemy import event
from sqlalchemy.engine.cursor import FullyBufferedCursorFetchStrategy

from dashboard import analytics
from dashboard.extensions import cache
from layouts import overview as overview_layout
from layouts import roi as roi_layout

# The ROI view opens on creators; that is the dimension the issue measures.
ROI_DIMENSION = "influencer"


class SqlClock:
    """Seconds spent in the database driver, summed over every statement.

    SQLite may hand back the first row of a query before it has read the rest (a GROUP
    BY that follows an index), so execute alone undercounts: the rows are fetched here,
    inside the clock, and handed to SQLAlchemy as an already-read result.
    """

    def __init__(self, engine):
        self.engine = engine
        self.seconds = 0.0
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, connection, cursor, statement, parameters, context, executemany):
        connection.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, connection, cursor, statement, parameters, context, executemany):
        if cursor.description is not None and context is not None and not executemany:
            context.cursor_fetch_strategy = FullyBufferedCursorFetchStrategy(
                cursor, initial_buffer=cursor.fetchall())
        self.seconds += time.perf_counter() - connection.info["bench_started"].pop()
        self.statements += 1

    def reset(self):
        self.seconds, self.statements = 0.0, 0

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


@dataclass
class ColdView:
    """One cold view: its numbers and the four parts of its server time, in ms."""

    numbers: object
    numbers_ms: float
    sql_ms: float
    figures_ms: float
    serialise_ms: float
    body_bytes: int
    statements: int
    steps: dict


    def breakdown(self):
        return {"sql": round(self.sql_ms, 1),
                "python": round(max(0.0, self.numbers_ms - self.sql_ms), 1),
                "figures": round(self.figures_ms, 1),
                "serialise": round(self.serialise_ms, 1)}


class Steps:
    """Milliseconds and SQL milliseconds of each analytics call a view makes."""

    def __init__(self, clock):
        self.clock = clock
        self.timings = {}

    def run(self, name, compute, *arguments, **options):
        sql_before = self.clock.seconds
        started = time.perf_counter()
        result = compute(*arguments, **options)
        self.timings[name] = {
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "sql_ms": round((self.clock.seconds - sql_before) * 1000, 1)}
        return result


def overview_numbers(selection, steps):
    return steps.run("overview", analytics.overview, selection, scope=None)


def overview_body(selection, numbers):
    return overview_layout.body(selection, numbers, True)


def roi_numbers(selection, steps):
    """What the ROI view's callback reads, in its order (callbacks/roi.py)."""
    groups = steps.run("metrics", analytics.metrics, selection, ROI_DIMENSION, scope=None)
    overall = steps.run("overall", analytics.metrics, selection, "overall", scope=None)
    # Reads the per-creator metrics above from the cache, as the view does.
    baseline = steps.run("measured_baseline", analytics.measured_baseline, selection,
                         ROI_DIMENSION, scope=None)
    return groups, overall, baseline


def roi_body(selection, numbers):
    groups, overall, baseline = numbers
    return roi_layout.body(selection, ROI_DIMENSION, groups, overall, baseline, True)


VIEWS = {"overview": (overview_numbers, overview_body), "roi": (roi_numbers, roi_body)}


def cold_view(app, clock, view, selection, empty_cache=True):
    """Compute one view with an empty cache (or the cache as it is), draw its body and
    encode it as Dash does."""
    compute, draw = VIEWS[view]
    with app.app_context():
        if empty_cache:
            cache.clear()
        clock.reset()
        steps = Steps(clock)
        started = time.perf_counter()
        numbers = compute(selection, steps)
        numbers_ms = (time.perf_counter() - started) * 1000
        sql_ms, statements = clock.seconds * 1000, clock.statements
    # The body is drawn in a request, as in a callback (export links, summaries).
    with app.test_request_context():
        started = time.perf_counter()
        body = draw(selection, numbers)
        drawn = time.perf_counter()
        payload = to_json_plotly(body)
        encoded = time.perf_counter()
    return ColdView(numbers, numbers_ms, sql_ms, (drawn - started) * 1000,
                    (encoded - drawn) * 1000, len(payload.encode()), statements,
                    steps.timings)


def opening_view(app, clock, view):
    """A view as a page without filters in its link opens it (its most recent 30 days),
    on the cache as the import's warm-up left it."""
    with app.app_context():
        options = analytics.filter_options(scope=None)
        selection = analytics.opening_selection("", options.get("min_date"),
                                                options.get("max_date"))
    return cold_view(app, clock, view, selection, empty_cache=False)


def warm_ms(app, clock, view, selection, repeats):
    """Median time to read the view's numbers again once they are cached, each read in an
    app context of its own as each request is (a request keeps what it has read)."""
    compute, _ = VIEWS[view]
    runs = []
    with app.app_context():
        compute(selection, Steps(clock))
    for _ in range(max(1, repeats)):
        with app.app_context():
            started = time.perf_counter()
            compute(selection, Steps(clock))
            runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def measure_view(app, clock, view, selection, cold_repeats, warm_repeats):
    """The median cold run (of cold_repeats, cache emptied before each) and warm reads."""
    runs = [cold_view(app, clock, view, selection) for _ in range(max(1, cold_repeats))]
    median = sorted(runs, key=lambda run: run.numbers_ms)[(len(runs) - 1) // 2]
    return median, warm_ms(app, clock, view, selection, warm_repeats)
