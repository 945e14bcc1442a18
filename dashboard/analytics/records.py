"""Analytics results as JSON-ready rows: one shape for `dashboard metrics --format json`
and the JSON API, so the two can never disagree."""
import math
from datetime import date



def plain(value):
    """JSON-safe: numpy scalars to Python, NaN to None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def frame_records(frame) -> list[dict]:
    """One dict per row of `frame`, every value JSON-safe."""
    return [{key: plain(value) for key, value in row.items()}
            for row in frame.to_dict("records")]


def metrics_records(selection, dimension, *, scope, use_cache=True):
    """(columns, rows) of metrics() for `dimension`: what the CLI prints and the API sends."""
    from dashboard import analytics

    frame = analytics.metrics(selection, dimension, scope=scope, use_cache=use_cache)
    return list(frame.columns), frame_records(frame)
