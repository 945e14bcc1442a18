"""Sending what is due, exactly once per (subscription, period), with retries and backoff.

How a delivery moves (each step committed before the next one starts):

    claimed ──render──► handing_off ──SMTP accepted──► sent
       │                    │
       │ render or SMTP error: retrying (5 min, 30 min, 2 h), then failed
       │
       └ lease ran out (the sender died while rendering): another sender takes it over

The delivery row is unique per (subscription, period): of two schedulers only the one whose
INSERT commits owns the period; a retry or a take-over is a compare-and-swap UPDATE on
(state, attempts), so only one sender wins it. Nothing has reached a mail server while the
row says `claimed`, so a take-over resends nothing twice. A row left in `handing_off` past
its lease belongs to a sender that died while giving the message to the mail server: it may
or may not have arrived, and sending again could deliver it twice, so it is marked failed
with that reason and never resent on its own (at most once inside that one narrow window;
exactly once everywhere else). The message's Message-ID is fixed per delivery, so a mail
server or client that sees it twice can tell.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from dashboard import auth
from dashboard.extensions import db
from dashboard.reports import mail, render, schedule
from models import Delivery, Subscription, User

log = logging.getLogger(__name__)

# Long enough to render the largest view and hand it over; a dead sender's claim is taken
# over after this.
LEASE = timedelta(minutes=15)
# Wait before the 2nd, 3rd and 4th attempt; after the 4th failure the delivery is failed.
RETRY_AFTER = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
LOST_HAND_OFF = ("The sender stopped while handing this report to the mail server, so it "
                 "may or may not have arrived. It is not sent again on its own, so it can "
                 "never arrive twice.")


@dataclass
class Outcome:
    """What one send_due did with one delivery, for the CLI and the log."""
    delivery_id: int
    username: str
    path: str
    period: str
    state: str
    detail: str = ""


def send_due(now=None):
    """Claim and send every delivery due at `now` (default: the present); returns Outcomes.

    Safe to run from any number of processes at once, on SQLite and Postgres."""
    now = schedule.as_utc(now) if now else schedule.utc_now()
    _give_up_lost_hand_offs(now)
    claimed = [delivery_id for delivery_id in (
        _claim_new(subscription, due, now) for subscription, due in _due_periods(now))
        if delivery_id is not None]
    claimed += _claim_waiting(now)
    return [_deliver(delivery_id, now) for delivery_id in claimed]


def _due_periods(now):
    found = db.session.execute(
        select(Subscription, User.timezone).join(User, User.id == Subscription.user_id)
        .where(Subscription.paused.is_(False)).order_by(Subscription.id)).all()
    # Only the latest period of each subscription can be due: a month back covers them.
    recent = (now - timedelta(days=40)).date().isoformat()
    have = set(db.session.execute(select(Delivery.subscription_id, Delivery.period).where(
        Delivery.period >= recent)).all())
    db.session.rollback()  # end the read: every claim below starts a transaction of its own
    for subscription, zone_name in found:
        due = schedule.latest_due(subscription.every, subscription.at_minute,
                                  schedule.zone_named(zone_name),
                                  schedule.as_utc(subscription.created_at), now)
        if due is not None and (subscription.id, due[0].isoformat()) not in have:
            yield subscription, due


def _claim_new(subscription, due, now):
    """The id of a new delivery row this sender owns, or None when another sender has it."""
    day, moment = due
    delivery = Delivery(subscription_id=subscription.id, period=day.isoformat(),
                        due_at=schedule.naive_utc(moment), state="claimed", attempts=1,
                        lease_until=schedule.naive_utc(now + LEASE),
                        updated_at=schedule.naive_utc(now))
    try:
        with db.transaction() as session:
            session.add(delivery)
    except IntegrityError:
        return None  # the unique (subscription, period) row is another sender's
    return delivery.id


def _claim_waiting(now):
    """Take retries that are due and claims whose sender died before any hand-off."""
    naive_now = schedule.naive_utc(now)
    waiting = db.session.execute(select(Delivery.id, Delivery.state, Delivery.attempts).where(
        or_((Delivery.state == "retrying") & (Delivery.next_attempt_at <= naive_now),
            (Delivery.state == "claimed") & (Delivery.lease_until < naive_now)))
        .order_by(Delivery.id)).all()
    db.session.rollback()
    claimed = []
    for delivery_id, state, attempts in waiting:
        if attempts >= MAX_ATTEMPTS:
            _swap(delivery_id, state, attempts, state="failed",
                  error=f"Gave up after {attempts} attempts.")
            continue
        if _swap(delivery_id, state, attempts, state="claimed", attempts=attempts + 1,
                 lease_until=schedule.naive_utc(now + LEASE), next_attempt_at=None,
                 updated_at=naive_now):
            claimed.append(delivery_id)
    return claimed


def _swap(delivery_id, seen_state, seen_attempts, /, **values):
    """Compare-and-swap: change the row only if it still has the state and attempts seen."""
    with db.transaction() as session:
        result = session.execute(update(Delivery).where(
            Delivery.id == delivery_id, Delivery.state == seen_state,
            Delivery.attempts == seen_attempts).values(**values))
    return result.rowcount == 1


def _give_up_lost_hand_offs(now):
    naive_now = schedule.naive_utc(now)
    with db.transaction() as session:
        session.execute(update(Delivery).where(
            Delivery.state == "handing_off", Delivery.lease_until < naive_now).values(
            state="failed", error=LOST_HAND_OFF, updated_at=naive_now))


def _deliver(delivery_id, now):
    """Render and send one claimed delivery; the row says how it went."""
    session = db.session
    delivery = session.get(Delivery, delivery_id)
    subscription = session.get(Subscription, delivery.subscription_id)
    # The recipient as they are now: role, brands and active flag are read at send time.
    user = session.get(User, subscription.user_id)
    session.refresh(user)
    outcome = Outcome(delivery_id, user.username, subscription.path, delivery.period,
                      "claimed")
    reason = _why_nothing_is_sent(user, subscription)
    if reason:
        return _finish(outcome, delivery, "skipped", now, error=reason)
    scope = user.brand_scope
    session.rollback()
    try:
        report = render.render(subscription.path, subscription.query, scope, user.username)
        message = _message(user, subscription, delivery, report)
    except Exception as error:  # any failure to draw it is retried like a mail failure
        log.exception("report %s could not be rendered", delivery_id)
        return _failed(outcome, delivery, now, f"The report could not be made: {error}")
    if not _swap(delivery_id, "claimed", delivery.attempts, state="handing_off",
                 updated_at=schedule.naive_utc(now)):
        # Our lease ran out and another sender took the delivery over: it is theirs.
        outcome.state, outcome.detail = "lost", "another sender took it over"
        return outcome
    try:
        where = mail.send(message)
    except mail.MailError as error:
        return _failed(outcome, delivery, now, str(error), from_state="handing_off")
    return _finish(outcome, delivery, "sent", now, from_state="handing_off", sent_to=where,
                   sent_at=schedule.naive_utc(schedule.utc_now()))


def _why_nothing_is_sent(user, subscription):
    if not user.active:
        return f"{user.username} is deactivated, so nothing was sent."
    if not user.email:
        return f"{user.username} has no e-mail address; an admin can add one on the Users page."
    view = render.view_of_path(subscription.path)
    if view is None or not auth.can_open(user, view):
        return f"A {user.role} can no longer open {subscription.path}, so nothing was sent."
    return None


def _failed(outcome, delivery, now, error, from_state="claimed"):
    if delivery.attempts >= MAX_ATTEMPTS:
        return _finish(outcome, delivery, "failed", now, from_state=from_state,
                       error=f"{error} (gave up after {delivery.attempts} attempts)")
    wait = RETRY_AFTER[delivery.attempts - 1]
    retry_at = now + wait
    return _finish(outcome, delivery, "retrying", now, from_state=from_state, error=error,
                   next_attempt_at=schedule.naive_utc(retry_at),
                   detail=f"tries again at {retry_at:%Y-%m-%d %H:%M} UTC")


def _finish(outcome, delivery, state, now, from_state="claimed", detail="", **values):
    _swap(delivery.id, from_state, delivery.attempts, state=state, lease_until=None,
          updated_at=schedule.naive_utc(now), **values)
    outcome.state = state
    outcome.detail = detail or values.get("error") or values.get("sent_to") or ""
    log.info("report delivery %s for %s: %s %s", delivery.id, outcome.username, state,
             outcome.detail)
    return outcome


def _message(user, subscription, delivery, report):
    every = {"daily": "daily", "weekly": "weekly", "monthly": "monthly"}[subscription.every]
    address = subscription.path + (f"?{subscription.query}" if subscription.query else "")
    text = "\n".join([
        f"Hello {user.username},",
        "",
        f"Here is your {every} {report.title} report for {delivery.period}.",
        report.summary,
        *([report.chart_note] if report.chart_note else []),
        "",
        "The PDF has the key numbers, charts and tables; the CSV files hold every row, "
        "as the page's downloads do.",
        f"Open the view in the dashboard at {address}.",
        "To pause or stop these e-mails, open My reports (/account/reports).",
    ])
    message = mail.new_message(
        user.email, f"{report.title}: your {every} report for {delivery.period}", text,
        message_id=f"<report-{delivery.id}-{delivery.period}@influencer-roi>")
    stem = f"{report.title.lower().replace(' ', '-')}-{delivery.period}"
    mail.attach(message, f"{stem}.pdf", report.pdf, "application/pdf")
    for filename, csv_text in report.csvs:
        mail.attach(message, filename, csv_text.encode("utf-8"), "text/csv")
    return message
