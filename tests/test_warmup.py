"""The views every scope opens on are computed ahead, after an import and at start."""
import importlib

import pytest

from dashboard import analytics
from dashboard.analytics.warmup import warm_default_views
from layouts import components
from tests.helpers import body_of, find, import_tiny, route, update_view

# The modules (the package's own names `metrics`... are the functions).
metrics_module = importlib.import_module("dashboard.analytics.metrics")
baseline_module = importlib.import_module("dashboard.analytics.baseline")
FIRST_KPI = {"overview": "overview-kpi-revenue", "roi": "roi-kpi-roas"}


def opening_filters(client, view):
    """The filter bar's values of a page opened without filters in its link."""
    page = route(client, f"/{view}").get_json()
    return {name: find(page, component_id)["props"].get(prop)
            for (component_id, prop), (name, _) in zip(components.filter_ids(view),
                                                      components.FILTER_CONTROLS)}


def count_calls(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize("role", ["analyst", "manager"])
def test_opening_views_are_read_from_the_warm_cache(app, client, tiny, monkeypatch, role):
    with app.app_context():
        assert warm_default_views() >= 2  # everyone, and the manager's brands
    overview = count_calls(monkeypatch, metrics_module, "_overview")
    computed_metrics = count_calls(monkeypatch, metrics_module, "_metrics_frame")
    computed_baseline = count_calls(monkeypatch, baseline_module, "_measured_baseline")
    tiny.login(role)
    for view in ("overview", "roi"):
        filters = opening_filters(client, view)
        assert filters["period"] == "last30"
        inputs = ([{"id": "roi-dimension", "property": "value", "value": "influencer"}]
                  if view == "roi" else [])
        body = body_of(update_view(client, view, filters, inputs=inputs), view)
        assert find(body, FIRST_KPI[view]) is not None
    assert overview == [] and computed_metrics == [] and computed_baseline == []


def test_a_selection_not_warmed_is_computed(app, client, tiny, monkeypatch):
    """The counting above can see a computation: a view asked for all time computes."""
    with app.app_context():
        warm_default_views()
    overview = count_calls(monkeypatch, metrics_module, "_overview")
    tiny.login("analyst")
    body_of(update_view(client, "overview", {"period": "all"}), "overview")
    assert len(overview) == 1


def test_a_job_forked_from_a_worker_warms_up_without_polars(sqlite_app):
    """The data page's import is a job forked from a web worker that has run Polars, whose
    threads do not survive a fork: its warm-up must finish, not hang."""
    import os
    import signal

    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        opening = analytics.Selection()
        analytics.measured_baseline(opening, "influencer", scope=None)
    pid = os.fork()
    if pid == 0:  # the child: what a diskcache background job is
        code = 1
        try:
            signal.alarm(60)  # a hang ends the child, and the test with it
            with sqlite_app.app_context():
                code = 0 if warm_default_views() >= 1 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_the_warm_up_lowers_its_priority_only_once_the_snapshot_is_built(sqlite_app,
                                                                          monkeypatch):
    """Until the new snapshot is there every request sums in the database: it is built at
    the requests' own priority, the default views and the planner after it at a lower one."""
    from dashboard.analytics import columnar, warmup
    from dashboard.analytics.cache import data_identity

    import_tiny(sqlite_app)
    snapshots_at_lowering = []
    monkeypatch.setattr(warmup, "lower_priority", lambda: snapshots_at_lowering.append(
        columnar._loaded["identity"]))
    with sqlite_app.app_context():
        assert warm_default_views(lower_priority_after_snapshot=True) >= 1
        assert snapshots_at_lowering == [data_identity()]
        warm_default_views()
    assert len(snapshots_at_lowering) == 1
