"""Alert evaluation: which rules crossed their line, one alert per crossing, then delivery.

The windows and the crossing rule are defined in docs/alerts.md. Every rule is measured
within its owner's role and brand scope as they are at evaluation time.
"""
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, timezone
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from dashboard import analytics, auth
from dashboard.analytics.queries import as_date
from dashboard.extensions import db
from dashboard.reports import mail
from dashboard.reports.alert_rules import (METRICS, describe, is_allowed, line_words,
                                           scope_words)
from models import AlertEvent, AlertRule, User

log = logging.getLogger(__name__)

# The current window of below/above/down_by/up_by rules, in days.
WINDOW_DAYS = 7
# A failed e-mail or webhook is tried again on later evaluations, this many times in all.
MAX_ATTEMPTS = 3


@dataclass
class Outcome:
    """What one rule's evaluation found: crossing True/False, or None when it cannot tell."""
    crossing: bool | None
    message: str = ""
    link: str = ""
    value: float | None = None


@dataclass
class Fired:
    rule_id: int
    event_id: int
    message: str


# ------------------------------------------------------------------------------ entry points

def evaluate(now=None, rule_ids=None, *, daily=False) -> list[Fired]:
    """Evaluate rules (all, or `rule_ids`) as of `now`; returns the alerts that fired.

    One rule's failure is logged and never stops the others."""
    now = utc_naive(now or datetime.utcnow())
    statement = select(AlertRule.id).order_by(AlertRule.id)
    if rule_ids is not None:
        statement = statement.where(AlertRule.id.in_(list(rule_ids)))
    fired = []
    for rule_id in db.session.scalars(statement).all():
        try:
            event = _evaluate_one(rule_id, now, daily)
        except Exception:
            db.session.rollback()
            log.exception("evaluating alert rule %s failed", rule_id)
            continue
        if event is not None:
            fired.append(event)
            deliver(event.event_id)
    retry_failed()
    return fired


def evaluate_due(now) -> list[Fired]:
    """The once-a-day evaluation, for a scheduler ticking every minute: the rules not yet
    checked today, once the day's ALERTS_DAILY_AT (UTC) has passed."""
    now = utc_naive(now)
    setting = current_app.config["ALERTS_DAILY_AT"]
    try:
        due_at = time.fromisoformat(setting)
    except ValueError:
        raise ValueError(f"ALERTS_DAILY_AT must be a time of day like 07:00, not "
                         f"{setting!r}.") from None
    if now.time() < due_at:
        return []
    due = db.session.scalars(select(AlertRule.id).where(
        (AlertRule.checked_on.is_(None)) | (AlertRule.checked_on < now.date()))).all()
    db.session.rollback()
    return evaluate(now, due, daily=True) if due else []


def evaluate_after_import():
    """Every rule against the data just imported. Never raises: the import is committed
    and stays so whatever happens here."""
    try:
        return evaluate(datetime.utcnow())
    except Exception:
        db.session.rollback()
        log.exception("evaluating alerts after an import failed")
        return []


def utc_naive(moment):
    """A time as naive UTC, the way the database stores times; naive input is UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


# ------------------------------------------------------------------------- one rule, once

def _evaluate_one(rule_id, now, daily) -> Fired | None:
    """Evaluate one rule and record its crossing; None when nothing new fired, including
    when another evaluator recorded this crossing first."""
    try:
        return _record_crossing(rule_id, now, daily)
    except (_Lost, IntegrityError):
        db.session.rollback()
        return None
    except OperationalError as error:
        # SQLite: the other evaluator's write made this one's snapshot stale. Its alert
        # is the one; this rule is looked at again next time.
        db.session.rollback()
        log.info("alert rule %s left to another evaluator (%s)", rule_id, error.orig)
        return None


def _record_crossing(rule_id, now, daily) -> Fired | None:
    with db.transaction() as session:
        rule = session.get(AlertRule, rule_id)
        if rule is None:
            return None
        owner = session.get(User, rule.owner_id)
        if daily:
            rule.checked_on = now.date()
        # A deactivated owner, or one whose role lost the page, gets nothing.
        if owner is None or not owner.active or not auth.can_open(owner, "alerts"):
            return None
        outcome = measure(rule, owner.brand_scope, now)
        if outcome.crossing is False and rule.firing:
            # Recovered: the next crossing is a new alert. Only if no other evaluator
            # recorded a crossing since this one read the rule.
            session.execute(update(AlertRule).where(
                AlertRule.id == rule.id, AlertRule.crossings == rule.crossings)
                .values(firing=False).execution_options(synchronize_session=False))
            return None
        if not outcome.crossing or rule.firing:
            return None
        crossing = rule.crossings + 1
        # Guarded by the count this evaluator read: a second evaluator that read the same
        # count changes nothing here (Postgres re-reads the row after the first commits),
        # and the unique (rule, crossing) key refuses its event row in any case.
        claimed = session.execute(
            update(AlertRule).where(AlertRule.id == rule.id,
                                    AlertRule.crossings == rule.crossings)
            .values(crossings=crossing, firing=True,
                    checked_on=rule.checked_on).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            raise _Lost()
        # fired_at is when it happened; `now` may be a time cron asked about.
        event = AlertEvent(rule_id=rule.id, crossing=crossing, fired_at=datetime.utcnow(),
                           message=outcome.message, link=outcome.link, value=outcome.value,
                           attempts=0, **_statuses(rule, now))
        session.add(event)
        session.flush()
        return Fired(rule.id, event.id, outcome.message)


class _Lost(Exception):
    """Another evaluator recorded this crossing first."""


def _statuses(rule, now):
    suppressed = None
    if rule.muted:
        suppressed = "muted"
    elif rule.snoozed_until is not None and rule.snoozed_until >= now.date():
        suppressed = f"snoozed until {rule.snoozed_until:%d %b %Y}"

    def channel(used):
        if not used:
            return "none", None
        return ("suppressed", suppressed) if suppressed else ("pending", None)

    email_status, email_detail = channel(rule.send_email)
    webhook_status, webhook_detail = channel(rule.webhook_url)
    return {"email_status": email_status, "email_detail": email_detail,
            "webhook_status": webhook_status, "webhook_detail": webhook_detail}


# ------------------------------------------------------------------------------- measuring

def measure(rule, scope, now) -> Outcome:
    """Evaluate `rule` for a viewer with brand `scope` as of `now` (docs/alerts.md)."""
    last_day = analytics.filter_options(scope=scope).get("max_date")
    if last_day is None:
        return Outcome(None)
    end = min(now.date() - timedelta(days=1), as_date(last_day))
    if rule.kind == "payout_mismatch":
        return _payout_outcome(rule, scope)
    if rule.kind == "spend_no_orders":
        return _spend_without_orders(rule, scope, end)
    start = end - timedelta(days=WINDOW_DAYS - 1)
    current = _metric(rule, scope, start, end)
    if rule.kind in ("below", "above"):
        if current is None:
            return Outcome(None)
        crossed = current < rule.threshold if rule.kind == "below" else current > rule.threshold
        verb = "fell to" if rule.kind == "below" else "rose to"
        side = "below" if rule.kind == "below" else "above"
        text = (f"{_subject(rule)} {verb} {line_words(rule.metric, current)} in the "
                f"{WINDOW_DAYS} days to {end:%d %b %Y}, {side} your line of "
                f"{line_words(rule.metric, rule.threshold)}.")
        return _outcome(crossed, text, rule, start, end, current)
    weeks = rule.periods
    before_end = start - timedelta(days=1)
    before_start = before_end - timedelta(days=7 * weeks - 1)
    before = _metric(rule, scope, before_start, before_end)
    if before is not None and METRICS[rule.metric].is_sum:
        before /= weeks  # a week's average
    if current is None or not before:
        return Outcome(None)
    change = current / before - 1
    line = rule.threshold / 100
    crossed = change <= -line if rule.kind == "down_by" else change >= line
    direction = "down" if change < 0 else "up"
    per_week = " a week on average" if METRICS[rule.metric].is_sum else ""
    text = (f"{_subject(rule)} was {line_words(rule.metric, current)} in the {WINDOW_DAYS} "
            f"days to {end:%d %b %Y}, {direction} {abs(change):.0%} from "
            f"{line_words(rule.metric, before)}{per_week} in the {weeks} weeks before; your "
            f"line is {'down' if rule.kind == 'down_by' else 'up'} {rule.threshold:g}%.")
    return _outcome(crossed, text, rule, before_start, end, current)


def _subject(rule):
    label = METRICS[rule.metric].label
    return label if rule.scope_kind == "everything" else f"{label} for {scope_words(rule)}"


def _outcome(crossed, text, rule, start, end, value):
    link = view_link(rule, start, end)
    return Outcome(bool(crossed), f"{text} Open: {link}", link, value)


def _row(rule, scope, start, end):
    """The metrics row of the rule's scope over start..end; None when it has none."""
    selection = analytics.Selection(start=start, end=end)
    by = "overall"
    if rule.scope_kind == "brand":
        selection = replace(selection, brands=frozenset([rule.scope_value]))
    elif rule.scope_kind == "platform":
        selection = replace(selection, platforms=frozenset([rule.scope_value]))
    elif rule.scope_kind == "creator":
        by = "influencer"
    elif rule.scope_kind == "campaign":
        by = "campaign"
    frame = analytics.metrics(selection, by, scope=scope)
    if by != "overall":
        frame = frame[frame[frame.columns[0]].astype(str) == rule.scope_value]
    return frame.iloc[0].to_dict() if len(frame) else None


def _metric(rule, scope, start, end):
    row = _row(rule, scope, start, end)
    if row is None:
        return 0.0 if METRICS[rule.metric].is_sum else None
    value = row.get(rule.metric)
    return None if value is None else float(value)


def _spend_without_orders(rule, scope, end):
    start = end - timedelta(days=rule.periods - 1)
    row = _row(rule, scope, start, end) or {"spend": 0.0, "orders": 0}
    spend, orders = float(row["spend"] or 0), int(row["orders"] or 0)
    crossed = spend > 0 and orders == 0
    where = "" if rule.scope_kind == "everything" else f" for {scope_words(rule)}"
    text = (f"Spend{where} was {line_words('spend', spend)} with {orders:,} orders in the "
            f"{rule.periods} days to {end:%d %b %Y}; your line is spend with no orders for "
            f"{rule.periods} days.")
    return _outcome(crossed, text, rule, start, end, spend)


def _payout_outcome(rule, scope):
    if scope is not None:
        return Outcome(None)  # a brand-limited owner sees no whole payouts
    frame = analytics.reconciliation_frame(scope=None)
    if rule.scope_kind == "creator":
        frame = frame[frame["influencer_id"].astype(str) == rule.scope_value]
    off = frame[frame["difference"].abs() > rule.threshold]
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    link = (f"{base}/influencers/{quote(rule.scope_value, safe='')}"
            if rule.scope_kind == "creator" else f"{base}/influencers")
    if off.empty:
        return Outcome(False, link=link, value=0.0)
    shown = [f"{row.name} ({row.influencer_id}, basis {row.basis}) was paid "
             f"{line_words('spend', row.total_payout)} against "
             f"{line_words('spend', row.expected)} for {row.units:,} {row.units_source}"
             for row in off.head(5).itertuples()]
    more = f" and {len(off) - 5} more" if len(off) > 5 else ""
    text = (f"{len(off)} payout(s) do not match rate × units by more than your tolerance of "
            f"{line_words('spend', rule.threshold)}: {'; '.join(shown)}{more}.")
    return Outcome(True, f"{text} Open: {link}", link, float(off["difference"].abs().sum()))


def view_link(rule, start, end) -> str:
    """The address of the view that shows what the alert is about, for those dates."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    selection = analytics.Selection(start=start, end=end)
    if rule.scope_kind == "brand":
        selection = replace(selection, brands=frozenset([rule.scope_value]))
    elif rule.scope_kind == "platform":
        selection = replace(selection, platforms=frozenset([rule.scope_value]))
    if rule.scope_kind == "creator":
        path = f"/influencers/{quote(rule.scope_value, safe='')}"
    else:
        path = f"/{METRICS[rule.metric].view}" if rule.metric in METRICS else "/overview"
    return f"{base}{path}?{selection.to_query()}"


# ------------------------------------------------------------------------------- delivery

def deliver(event_id):
    """Send what is pending of one alert. Claimed first by its attempt count, so two
    evaluators never both send it; each channel's outcome is committed as it ends."""
    with db.transaction() as session:
        event = session.get(AlertEvent, event_id)
        channels = [name for name in ("email", "webhook")
                    if getattr(event, f"{name}_status") in ("pending", "failed")]
        if not channels or event.attempts >= MAX_ATTEMPTS:
            return
        claimed = session.execute(
            update(AlertEvent).where(AlertEvent.id == event_id,
                                     AlertEvent.attempts == event.attempts)
            .values(attempts=event.attempts + 1).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            return
        rule = session.get(AlertRule, event.rule_id)
        owner = session.get(User, rule.owner_id)
        message, rule_text = event.message, describe(rule)
        email, webhook_url = owner.email, rule.webhook_url
    for channel in channels:
        try:
            if channel == "email":
                detail = _send_email(email, rule_text, message)
            else:
                detail = post_webhook(webhook_url, message)
            status = "sent"
        except DeliveryError as error:
            status, detail = "failed", str(error)
            log.warning("alert %s: %s not delivered: %s", event_id, channel, error)
        with db.transaction() as session:
            session.execute(update(AlertEvent).where(AlertEvent.id == event_id).values(
                **{f"{channel}_status": status, f"{channel}_detail": detail[:500]}))


def retry_failed():
    """Try the failed channels of earlier alerts again, up to MAX_ATTEMPTS in all."""
    failed = db.session.scalars(select(AlertEvent.id).where(
        AlertEvent.attempts < MAX_ATTEMPTS,
        (AlertEvent.email_status == "failed") | (AlertEvent.webhook_status == "failed"))).all()
    db.session.rollback()
    for event_id in failed:
        deliver(event_id)


class DeliveryError(RuntimeError):
    """An alert could not be handed over; the text says why."""


def _send_email(address, rule_text, message):
    if not address:
        raise DeliveryError("You have no e-mail address; an admin can set one on the users "
                            "page or with `dashboard users contact`.")
    try:
        where = mail.send(mail.new_message(address, f"Alert: {rule_text}", message))
    except mail.MailError as error:
        raise DeliveryError(str(error)) from error
    if where.startswith(("smtp://", "smtps://")):
        return f"to {address} via {where}"
    # Not the file's path: the history is shown to the user, not only to the admin.
    return f"to {address}, kept in the server's outbox (no mail server is set up)"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # An allowed address must not bounce the alert to one nobody allowed.
    def redirect_request(self, *args, **kwargs):
        return None


def post_webhook(url, text):
    """POST {"text": text} as JSON, the shape Slack's incoming webhooks take."""
    if not url or not is_allowed(url):
        raise DeliveryError(f"The webhook address {url} is no longer allowed by an admin.")
    body = json.dumps({"text": text}).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "influencer-roi-alerts"})
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=current_app.config["WEBHOOK_TIMEOUT_S"]) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"The webhook at {url} answered {error.code} {error.reason}.") \
            from error
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryError(f"The webhook at {url} could not be reached: "
                            f"{getattr(error, 'reason', error)}.") from error
    return f"POST {url} answered {status}"
