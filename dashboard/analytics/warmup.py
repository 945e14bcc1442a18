"""What every brand scope opens by default, computed ahead: after an import and at start."""
import logging
import os
import subprocess
import sys
import threading

from sqlalchemy import select

from dashboard.analytics import columnar
from dashboard.analytics.baseline import measured_baseline
from dashboard.analytics.cache import data_identity
from dashboard.analytics.metrics import metrics, overview
from dashboard.analytics.queries import filter_options
from dashboard.analytics.selection import opening_selection
from dashboard.extensions import db
from models import User

log = logging.getLogger(__name__)
# `dashboard warm` started after an import lowers its CPU priority by this much once the
# snapshot is built: the default views and the planner's fits are for later visits, and
# the requests of people using the dashboard now come first. The snapshot itself is built
# at their priority: until it is there every request of the host sums in the database, and
# at a lower priority it would wait behind the very requests it is to speed up.
WARM_NICENESS = 10
WARM_LOG_NAME = "warm-after-import.log"


def warm_default_views(lower_priority_after_snapshot=False) -> int:
    """Map (or build) this data version's snapshot, then fill the shared cache with the
    numbers the overview and ROI views show on opening, for each brand scope in use.
    Returns how many scopes were warmed (none before the first import).

    `lower_priority_after_snapshot`: in a process of its own (`dashboard warm`), go on at a
    lower CPU priority once the snapshot is there (WARM_NICENESS).
    """
    if data_identity() is None:
        return 0
    warm_snapshot()
    if lower_priority_after_snapshot:
        lower_priority()
    scopes = {None} | {user.brand_scope for user in db.session.execute(
        select(User).where(User.active.is_(True))).scalars()}
    for scope in scopes:
        options = filter_options(scope=scope)
        # What a page without a link's filters shows this scope: its most recent 30 days
        # (the overview computes its comparison period too).
        opening = opening_selection("", options.get("min_date"), options.get("max_date"))
        overview(opening, scope=scope)
        for by in ("influencer", "overall"):
            metrics(opening, by, scope=scope)
        if columnar.polars_usable():
            # Not in a data-page import job forked from a web worker, where Polars would
            # hang: the first ROI view computes it instead.
            measured_baseline(opening, "influencer", scope=scope)
    return len(scopes)


def warm_snapshot():
    """Map (or build) this data version's snapshot and this process's summaries of it.

    Built here if need be; requests meanwhile sum in the database. The summaries too: the
    shared cache may hold the default views already, and this worker's first cold view
    should not wait for them."""
    if columnar.configured():
        columnar.prepare(columnar.snapshot())


def lower_priority():
    """This process's CPU priority lowered by WARM_NICENESS (where the system has nice)."""
    if hasattr(os, "nice"):
        os.nice(WARM_NICENESS)


def warm_in_background(app):
    """warm_default_views() in a daemon thread of this process, so a worker starts serving
    at once; a failure only means a slower first view, so it is logged, never raised."""
    def run():
        try:
            with app.app_context():
                warm_default_views()
        except Exception:  # a cold cache is slower, not wrong
            log.exception("computing the default views ahead failed")

    thread = threading.Thread(target=run, name="warm-default-views", daemon=True)
    thread.start()
    return thread


def start_warm_process(instance_path):
    """Start `dashboard warm --lower-priority` as a process of its own, so an import
    returns at its commit: (its process id, its log's path).

    At 10M orders the warm-up takes longer than the import; a visit before it ends is
    answered as before an import warm-up existed (computed on demand), never wrongly: the
    cache keys carry the data version.
    """
    os.makedirs(instance_path, exist_ok=True)
    log_path = os.path.join(instance_path, WARM_LOG_NAME)
    with open(log_path, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", "from dashboard.cli import main; main()", "warm",
             "--lower-priority"], stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True)
    return process.pid, log_path
