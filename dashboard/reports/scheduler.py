"""Once a minute, run the scheduled jobs (report deliveries, the daily alert evaluation).

Three ways to drive it, one per deployment (docs/deployment.md):
- `dashboard run` (make run): a thread in the server process;
- gunicorn (make serve): the master starts `python -m dashboard.reports.scheduler`, one
  process per host beside the workers (dashboard/gunicorn_conf.py);
- BACKGROUND=celery: Celery beat calls the `dashboard.run_scheduled_jobs` task each minute;
- or cron: `* * * * * dashboard reports send-due` and `dashboard alerts evaluate` daily.
Running two of them at once is safe: every job is exactly-once by itself."""
import logging
import os
import threading
import time

from dashboard.reports import schedule

log = logging.getLogger(__name__)

TICK_SECONDS = 60
CELERY_TASK = "dashboard.run_scheduled_jobs"
# (name, function(now)); a job is called once a minute inside an app context.
_jobs = []
# The app whose jobs the Celery task runs (add_celery_beat).
_celery_server = None


def _send_due_reports(now):
    from dashboard.reports import delivery

    return delivery.send_due(now)


def _evaluate_due_alerts(now):
    from dashboard.reports import alerts

    return alerts.evaluate_due(now)


def register_job(name, function):
    """Add `function(now)` to the jobs run each minute (e.g. the daily alert evaluation)."""
    if name not in [existing for existing, _function in _jobs]:
        _jobs.append((name, function))


def jobs():
    return list(_jobs)


register_job("reports", _send_due_reports)
register_job("alerts", _evaluate_due_alerts)


def run_jobs(app, now=None):
    """Run every job once, each in its own app context; one failing job never stops the
    others. Returns {job name: its result, or the error}."""
    now = now or schedule.utc_now()
    results = {}
    for name, function in jobs():
        with app.app_context():
            try:
                results[name] = function(now)
            except Exception as error:  # logged with its trace; the next minute tries again
                log.exception("scheduled job %s failed", name)
                results[name] = error
    return results


class SchedulerThread(threading.Thread):
    """Runs the jobs at the start of every minute until stopped."""

    def __init__(self, app, parent_pid=None):
        super().__init__(name="report-scheduler", daemon=True)
        self.app = app
        # A scheduler process started by gunicorn's master ends when the master is gone,
        # even when the master was killed before it could stop it.
        self.parent_pid = parent_pid
        self.stopping = threading.Event()

    def run(self):
        log.info("report scheduler started: jobs run every minute")
        while not self.stopping.wait(TICK_SECONDS - time.time() % TICK_SECONDS):
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                log.info("report scheduler stops: the process that started it is gone")
                return
            run_jobs(self.app)

    def stop(self):
        self.stopping.set()


def start_thread(app):
    """The scheduler thread of a single-process server; none under Celery (beat runs the
    jobs) or when SCHEDULER is off."""
    if not app.config.get("SCHEDULER", True) or app.config.get("BACKGROUND") == "celery":
        return None
    thread = SchedulerThread(app)
    thread.start()
    return thread


def add_celery_beat(celery_app, server):
    """The `dashboard.run_scheduled_jobs` task and its once-a-minute beat entry; start beat
    with `celery -A dashboard.web.background:celery_app beat`."""
    # The task runs in the newest app of this process (one per process outside tests); it
    # is registered once, as Celery keeps the first callable under a name.
    global _celery_server
    _celery_server = server
    if CELERY_TASK not in celery_app.tasks:
        @celery_app.task(name=CELERY_TASK, ignore_result=True)
        def run_scheduled_jobs():
            run_jobs(_celery_server)

    celery_app.conf.beat_schedule = {
        **(celery_app.conf.beat_schedule or {}),
        "run-scheduled-jobs": {"task": CELERY_TASK, "schedule": float(TICK_SECONDS)},
    }
    return celery_app.tasks[CELERY_TASK]


def main():
    """`python -m dashboard.reports.scheduler`: the scheduler as a process of its own."""
    from dashboard import create_app

    app = create_app()
    thread = SchedulerThread(app, parent_pid=os.getppid())
    log.info("report scheduler process started")
    try:
        thread.run()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    # Through the imported module, so jobs registered on `dashboard.reports.scheduler` (by
    # other modules) are the ones this process runs.
    from dashboard.reports import scheduler

    scheduler.main()
