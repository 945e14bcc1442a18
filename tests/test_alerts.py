"""Alert rules on generated series with known answers: crossings, once only, delivery, scope."""
import email
import email.policy
import json
import threading
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard import importing, users
from dashboard.extensions import db
from dashboard.reports import alert_rules, alerts
from dashboard.reports.alert_rules import AlertError, RuleInput
from models import AlertEvent, AlertRule
from tests.helpers import create_users

FIRST_DAY = date(2026, 9, 1)
DAYS = 70
SPEND_PER_DAY = 100


def day(number):
    """Day `number` of the generated series, 1-based."""
    return FIRST_DAY + timedelta(days=number - 1)


def morning_after(number):
    """An evaluation time whose last complete day is day `number`."""
    return datetime.combine(day(number) + timedelta(days=1), datetime.min.time()).replace(hour=8)


def _revenue_ig1(number):
    # ROAS 10 for nine weeks, then 6 in the last week: a planted drop of 40%.
    return 600 if number > 63 else 1000


def _revenue_ig3(number):
    # Two dips below ROAS 7 with a recovery between them.
    return 600 if 43 <= number <= 49 or number > 63 else 1000


def _revenue_yt2(number):
    # Orders stop after day 60; paid posts go on to day 70.
    return 500 if number <= 60 else None


CREATORS = {
    # id: (name, platform, brand, campaign, revenue per day, payout overpaid by)
    "IG1": ("Ira", "Instagram", "MuscleBlaze", "MB_Q4", _revenue_ig1, 0),
    "IG3": ("Isha", "Instagram", "MuscleBlaze", "MB_Q4", _revenue_ig3, 0),
    "YT2": ("Yash", "YouTube", "HK Vitals", "HK_Q4", _revenue_yt2, 500),
}


def write_series(folder):
    """Every creator posts daily and is paid per post, so spend is SPEND_PER_DAY a day."""
    folder.mkdir(parents=True, exist_ok=True)
    influencers = ["ID,name,category,gender,follower_count,platform"]
    posts = ["influencer_id,platform,date,URL,caption,reach,likes,comments"]
    tracking = ["source,campaign,influencer_id,user_id,product,brand,date,orders,revenue"]
    payouts = ["influencer_id,basis,rate,orders,total_payout"]
    for key, (name, platform, brand, campaign, revenue, overpaid) in CREATORS.items():
        influencers.append(f"{key},{name},Fitness,F,50000,{platform}")
        payouts.append(f"{key},post,{SPEND_PER_DAY},,{SPEND_PER_DAY * DAYS + overpaid}")
        for number in range(1, DAYS + 1):
            posts.append(f"{key},{platform},{day(number)},https://example.com/{key}/{number},"
                         f"post {number},10000,500,100")
            if revenue(number) is not None:
                tracking.append(f"{platform.lower()},{campaign},{key},u{number},Whey,{brand},"
                                f"{day(number)},1,{revenue(number)}")
    for name, lines in (("influencers", influencers), ("posts", posts),
                        ("tracking_data", tracking), ("payouts", payouts)):
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture
def series(app, tmp_path):
    """The generated series imported, the three test users, and their e-mail addresses."""
    create_users(app)
    with app.app_context():
        result = importing.import_paths([str(write_series(tmp_path / "series"))],
                                        limits=importing.ImportLimits.from_app(app),
                                        username="test")
        assert not result.errors, [str(error) for error in result.errors]
        for name in ("admin", "analyst", "manager"):
            users.set_contact(name, f"{name}@example.com", None)
    return app


def rule_for(username, **wanted):
    wanted.setdefault("send_email", True)
    return alert_rules.save_rule(users.get_user(username), RuleInput(**wanted)).id


def events(rule_id):
    return db.session.scalars(select(AlertEvent).where(AlertEvent.rule_id == rule_id)
                              .order_by(AlertEvent.crossing)).all()


# ------------------------------------------------------------------------ the known answers

def test_a_planted_40_percent_drop_fires_down_by_30_and_not_down_by_50(series):
    with series.app_context():
        by_30 = rule_for("analyst", kind="down_by", metric="roas", scope_kind="creator",
                         scope_value="IG1", threshold=30, periods=4)
        by_50 = rule_for("analyst", kind="down_by", metric="roas", scope_kind="creator",
                         scope_value="IG1", threshold=50, periods=4)
        fired = alerts.evaluate(morning_after(70))
        assert [alert.rule_id for alert in fired] == [by_30]
        message = events(by_30)[0].message
        assert "ROAS for creator IG1 was 6.00× in the 7 days to 09 Nov 2026, down 40% " \
               "from 10.00× in the 4 weeks before" in message
        assert "/influencers/IG1?start=2026-10-06&end=2026-11-09" in message
        assert events(by_50) == []
        # A week earlier nothing had dropped yet.
        assert not alerts.measure(db.session.get(AlertRule, by_30), None,
                                  morning_after(63)).crossing


def test_sums_compare_against_the_weekly_average(series):
    with series.app_context():
        rule = rule_for("analyst", kind="down_by", metric="revenue", scope_kind="creator",
                        scope_value="IG1", threshold=35, periods=2)
        outcome = alerts.measure(db.session.get(AlertRule, rule), None, morning_after(70))
        # 7 x 600 against (14 x 1000) / 2 weeks: down 40%.
        assert outcome.crossing and outcome.value == 4200
        assert "from ₹7,000 a week on average in the 2 weeks before" in outcome.message


def test_spend_without_orders_fires_exactly_on_day_n(series):
    with series.app_context():
        rule = rule_for("analyst", kind="spend_no_orders", scope_kind="creator",
                        scope_value="YT2", periods=5)
        # Orders stop after day 60: day 64 is the fourth day without, day 65 the fifth.
        assert alerts.evaluate(morning_after(64)) == []
        fired = alerts.evaluate(morning_after(65))
        assert [alert.rule_id for alert in fired] == [rule]
        assert "with 0 orders in the 5 days to 04 Nov 2026" in fired[0].message


def test_thresholds_below_and_above(series):
    with series.app_context():
        below_7 = rule_for("analyst", kind="below", metric="roas", scope_kind="brand",
                           scope_value="MuscleBlaze", threshold=7)
        below_5 = rule_for("analyst", kind="below", metric="roas", scope_kind="brand",
                           scope_value="MuscleBlaze", threshold=5)
        above = rule_for("analyst", kind="above", metric="spend", scope_kind="platform",
                         scope_value="YouTube", threshold=500)
        fired = {alert.rule_id: alert.message for alert in alerts.evaluate(morning_after(70))}
        assert set(fired) == {below_7, above} and below_5 not in fired
        assert fired[below_7].startswith(
            "ROAS for MuscleBlaze fell to 6.00× in the 7 days to 09 Nov 2026, below your "
            "line of 7.00×. Open: http://127.0.0.1:8050/roi?start=2026-11-03&end=2026-11-09"
            "&brand=MuscleBlaze")
        # YouTube: 7 of 70 paid posts of 7,500.
        assert "Spend for YouTube rose to ₹750 in the 7 days" in fired[above]


def test_a_payout_that_does_not_reconcile(series):
    with series.app_context():
        rule = rule_for("analyst", kind="payout_mismatch", scope_kind="everything",
                        threshold=1)
        fired = alerts.evaluate(morning_after(70))
        assert [alert.rule_id for alert in fired] == [rule]
        assert "1 payout(s) do not match" in fired[0].message
        assert "Yash (YT2, basis post) was paid ₹7,500 against ₹7,000 for 70 posts" \
            in fired[0].message
        with pytest.raises(AlertError, match="only users who see every brand"):
            rule_for("manager", kind="payout_mismatch", scope_kind="everything")


# ------------------------------------------------------------------------------- once only

def test_no_second_alert_for_the_same_crossing_and_a_new_one_after_recovery(series):
    with series.app_context():
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                        scope_value="IG3", threshold=7)
        assert len(alerts.evaluate(morning_after(49))) == 1
        assert alerts.evaluate(morning_after(49)) == []
        assert alerts.evaluate(morning_after(50)) == []  # days 44..50: still below
        assert alerts.evaluate(morning_after(56)) == []  # recovered
        assert db.session.get(AlertRule, rule).firing is False
        assert len(alerts.evaluate(morning_after(70))) == 1
        assert [event.crossing for event in events(rule)] == [1, 2]


def test_two_evaluators_at_once_record_one_alert(series, monkeypatch):
    with series.app_context():
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                        scope_value="IG1", threshold=7)
    # Both evaluators measure before either writes: the worst interleaving.
    both_measured = threading.Barrier(2, timeout=20)
    measure = alerts.measure

    def measure_then_wait(*args):
        outcome = measure(*args)
        both_measured.wait()
        return outcome

    monkeypatch.setattr(alerts, "measure", measure_then_wait)
    results, failures = [], []

    def evaluator():
        try:
            with series.app_context():
                results.append(alerts.evaluate(morning_after(70)))
        except Exception as error:  # reported below, with the other thread's result
            failures.append(error)

    threads = [threading.Thread(target=evaluator) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert sorted(len(fired) for fired in results) == [0, 1]
    with series.app_context():
        assert [event.crossing for event in events(rule)] == [1]
        assert events(rule)[0].email_status == "sent"


def test_a_stale_evaluator_cannot_record_the_same_crossing(series):
    with series.app_context():
        rule_id = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                           scope_value="IG1", threshold=7)
        stale = db.session.get(AlertRule, rule_id)
        db.session.expunge(stale)
        assert len(alerts.evaluate(morning_after(70))) == 1
        # The unique (rule, crossing) key refuses a second row for crossing 1.
        db.session.add(AlertEvent(rule_id=rule_id, crossing=1, message="again", link="",
                                  attempts=0))
        with pytest.raises(Exception):
            db.session.commit()
        db.session.rollback()
        assert len(events(rule_id)) == 1


# ------------------------------------------------------------------------ mute and snooze

def test_mute_and_snooze_record_but_do_not_send(series, smtp_server):
    series.config["SMTP_URL"] = smtp_server.url
    with series.app_context():
        analyst = users.get_user("analyst")
        muted = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                         scope_value="IG1", threshold=7)
        snoozed = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                           scope_value="IG3", threshold=7)
        alert_rules.set_muted(analyst, muted, True)
        alert_rules.snooze(analyst, snoozed, day(80))
        assert len(alerts.evaluate(morning_after(70))) == 2
        assert smtp_server.handler.messages == []
        assert events(muted)[0].email_status == "suppressed"
        assert events(muted)[0].email_detail == "muted"
        assert events(snoozed)[0].email_detail == "snoozed until 19 Nov 2026"
        # Unmuted, the same crossing still sends nothing new.
        alert_rules.set_muted(analyst, muted, False)
        assert alerts.evaluate(morning_after(70)) == []
        assert smtp_server.handler.messages == []


# ------------------------------------------------------------------------------- delivery

def test_the_alert_arrives_by_e_mail(series, smtp_server):
    series.config["SMTP_URL"] = smtp_server.url
    with series.app_context():
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                        scope_value="IG1", threshold=7)
        alerts.evaluate(morning_after(70))
        [message] = smtp_server.handler.messages
        assert message["To"] == "analyst@example.com"
        assert message["Subject"] == "Alert: ROAS for creator IG1 below 7.00×"
        assert "fell to 6.00×" in message.get_content()
        event = events(rule)[0]
        assert (event.email_status, event.webhook_status) == ("sent", "none")
        assert event.email_detail.startswith("to analyst@example.com via smtp://127.0.0.1:")


class _Hook(BaseHTTPRequestHandler):
    received = []
    answer = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    _Hook.received, _Hook.answer = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}/hooks/alerts"
    yield server
    server.shutdown()
    server.server_close()


def test_the_alert_is_posted_to_an_allowed_webhook(series, webhook_server):
    with series.app_context():
        alert_rules.allow_webhook(webhook_server.url, "admin")
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                        scope_value="IG1", threshold=7, send_email=False,
                        webhook_url=webhook_server.url)
        [fired] = alerts.evaluate(morning_after(70))
        [(path, content_type, body)] = _Hook.received
        assert (path, content_type) == ("/hooks/alerts", "application/json")
        assert json.loads(body) == {"text": fired.message}
        assert events(rule)[0].webhook_status == "sent"


def test_a_failed_webhook_is_tried_again_then_given_up(series, webhook_server):
    _Hook.answer = 500
    with series.app_context():
        alert_rules.allow_webhook(webhook_server.url, "admin")
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                        scope_value="IG1", threshold=7, send_email=False,
                        webhook_url=webhook_server.url)
        for _ in range(5):
            alerts.evaluate(morning_after(70))
        event = events(rule)[0]
        assert len(_Hook.received) == alerts.MAX_ATTEMPTS == event.attempts
        assert event.webhook_status == "failed"
        assert "answered 500" in event.webhook_detail


def test_a_webhook_nobody_allowed_is_refused(series):
    with series.app_context():
        with pytest.raises(AlertError, match="not on the list an admin allowed"):
            rule_for("analyst", kind="below", metric="roas", scope_kind="everything",
                     threshold=7, webhook_url="http://127.0.0.1:9/steal")
        alert_rules.allow_webhook("https://hooks.example.com/", "admin")
        assert alert_rules.is_allowed("https://hooks.example.com/services/T1/B2")
        assert not alert_rules.is_allowed("https://hooks.example.com.evil.net/x")
        with pytest.raises(AlertError, match="must start with https://"):
            alert_rules.allow_webhook("file:///etc/passwd", "admin")
        assert db.session.scalars(select(AlertRule)).all() == []


# ---------------------------------------------------------------------------------- scope

def test_a_managers_rule_never_sees_other_brands(series):
    with series.app_context():
        # YouTube is YT2 of HK Vitals alone, with spend and no orders.
        managers = rule_for("manager", kind="spend_no_orders", scope_kind="platform",
                            scope_value="YouTube", periods=5)
        analysts = rule_for("analyst", kind="spend_no_orders", scope_kind="platform",
                            scope_value="YouTube", periods=5)
        spend = rule_for("manager", kind="above", metric="spend", scope_kind="everything",
                         threshold=1)
        creator = rule_for("manager", kind="above", metric="spend", scope_kind="creator",
                           scope_value="YT2", threshold=1)
        fired = {alert.rule_id: alert.message for alert in alerts.evaluate(morning_after(70))}
        assert set(fired) == {analysts, spend}
        assert managers not in fired and creator not in fired
        # MuscleBlaze only: two creators at 100 a day for 7 days.
        assert "Spend rose to ₹1,400 in the 7 days" in fired[spend]
        with pytest.raises(AlertError, match="cannot see the brand 'HK Vitals'"):
            rule_for("manager", kind="below", metric="roas", scope_kind="brand",
                     scope_value="HK Vitals", threshold=1)


def test_a_deactivated_owner_gets_nothing(series):
    with series.app_context():
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="everything",
                        threshold=100)
        users.set_active("analyst", False)
        assert alerts.evaluate(morning_after(70)) == []
        assert events(rule) == []


def test_rules_belong_to_their_owner(series):
    with series.app_context():
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="everything",
                        threshold=1)
        manager = users.get_user("manager")
        for change in (lambda: alert_rules.delete_rule(manager, rule),
                       lambda: alert_rules.set_muted(manager, rule, True),
                       lambda: alert_rules.snooze(manager, rule, day(80))):
            with pytest.raises(AlertError, match=f"no alert rule number {rule}"):
                change()
        assert db.session.get(AlertRule, rule).muted is False


def test_bad_input_says_what_and_changes_nothing(series):
    with series.app_context():
        for wanted, why in (
                ({"kind": "sideways"}, "Pick when to alert"),
                ({"kind": "below", "metric": "happiness"}, "Pick a number to watch"),
                ({"kind": "below", "metric": "roas", "threshold": "lots"},
                 "The line must be a number, not 'lots'"),
                ({"kind": "down_by", "metric": "roas", "threshold": 30, "periods": 99},
                 "between 1 and 52"),
                ({"kind": "below", "metric": "roas", "threshold": 1, "scope_kind": "brand"},
                 "Name the brand to watch"),
                ({"kind": "below", "metric": "roas", "threshold": 1, "send_email": False},
                 "Choose where alerts go")):
            with pytest.raises(AlertError, match=why):
                rule_for("analyst", **wanted)
        assert db.session.scalars(select(AlertRule)).all() == []


# --------------------------------------------------------------- daily run, imports, CLI

def test_evaluate_due_runs_once_a_day_after_its_time(series):
    with series.app_context():
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                        scope_value="IG1", threshold=7)
        before = datetime.combine(day(71), datetime.min.time()).replace(hour=6, minute=59)
        assert alerts.evaluate_due(before) == []
        assert db.session.get(AlertRule, rule).checked_on is None
        # 12:29 in India is 06:59 UTC: not yet.
        india = timezone(timedelta(hours=5, minutes=30))
        assert alerts.evaluate_due(before.replace(tzinfo=timezone.utc).astimezone(india)) == []
        assert len(alerts.evaluate_due(morning_after(70))) == 1
        db.session.expire_all()
        assert db.session.get(AlertRule, rule).checked_on == day(71)
        assert alerts.evaluate_due(morning_after(70)) == []


def test_the_scheduler_runs_the_daily_evaluation(series):
    from dashboard.reports import scheduler

    with series.app_context():
        rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                 scope_value="IG1", threshold=7)
    results = scheduler.run_jobs(series, morning_after(70))
    assert len(results["alerts"]) == 1
    assert scheduler.run_jobs(series, morning_after(70))["alerts"] == []


def test_an_import_evaluates_the_rules_and_an_alert_failure_never_fails_it(
        series, tmp_path, monkeypatch):
    with series.app_context():
        rule_for("analyst", kind="above", metric="spend", scope_kind="everything",
                 threshold=1)
    runner = series.test_cli_runner()
    folder = write_series(tmp_path / "again")
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 alert(s) fired on the new data." in result.output

    def broken(*_args, **_kwargs):
        raise RuntimeError("the alert store is down")

    monkeypatch.setattr(alerts, "evaluate", broken)
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Import committed." in result.output


def test_the_commands_list_and_evaluate(series):
    with series.app_context():
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                        scope_value="IG1", threshold=7)
    runner = series.test_cli_runner()
    result = runner.invoke(args=["alerts", "evaluate", "--now", "2026-11-10T08:00"])
    assert result.exit_code == 0, result.output
    assert f"rule {rule}: ROAS for creator IG1 fell to 6.00×" in result.output
    assert result.output.strip().endswith("1 alert(s) fired.")
    result = runner.invoke(args=["alerts", "list"])
    assert f"{rule}\tanalyst\tROAS for creator IG1 below 7.00×\tfiring\te-mail" \
        in result.output
    result = runner.invoke(args=["alerts", "evaluate", "--now", "yesterday"])
    assert result.exit_code != 0 and "is not a time like" in result.output


def test_without_a_mail_server_the_alert_waits_in_the_outbox(series):
    with series.app_context():
        rule = rule_for("analyst", kind="above", metric="spend", scope_kind="everything",
                        threshold=1)
        [fired] = alerts.evaluate(morning_after(70))
        [kept] = list((Path(series.instance_path) / "outbox").glob("*.eml"))
        message = email.message_from_bytes(kept.read_bytes(), policy=email.policy.default)
        assert message.get_content().strip() == fired.message
        event = events(rule)[0]
        assert event.email_status == "sent"
        # The history is the user's: it names no path on the server.
        assert event.email_detail == ("to analyst@example.com, kept in the server's outbox "
                                      "(no mail server is set up)")


def test_changing_the_line_starts_the_rule_afresh(series):
    with series.app_context():
        analyst = users.get_user("analyst")
        rule = rule_for("analyst", kind="below", metric="roas", scope_kind="creator",
                        scope_value="IG1", threshold=7)
        assert len(alerts.evaluate(morning_after(70))) == 1
        alert_rules.save_rule(analyst, RuleInput(kind="below", metric="roas",
                                                 scope_kind="creator", scope_value="IG1",
                                                 threshold=6.5), rule)
        assert db.session.get(AlertRule, rule).firing is False
        [fired] = alerts.evaluate(morning_after(70))
        assert "below your line of 6.50×" in fired.message
        assert [event.crossing for event in events(rule)] == [1, 2]
        # Only the channels changed: the same line, still firing, nothing new.
        alert_rules.save_rule(analyst, RuleInput(kind="below", metric="roas",
                                                 scope_kind="creator", scope_value="IG1",
                                                 threshold=6.5, send_email=True), rule)
        assert alerts.evaluate(morning_after(70)) == []
