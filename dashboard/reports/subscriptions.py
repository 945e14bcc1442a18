"""Subscriptions to views by e-mail: make, list, pause and delete them; read deliveries.

Shared by the subscribe control on the views, the /account/reports page, the admin's
/admin/deliveries page and `dashboard reports`. Only the owner or an admin may change one."""
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import select

from dashboard import analytics, audit, auth
from dashboard.extensions import db
from dashboard.reports import render, schedule
from models import Delivery, Subscription, User

MAX_QUERY_LENGTH = 2000


class SubscriptionError(ValueError):
    """A subscription that cannot be made or changed; the text says why, shown as is."""


@dataclass
class SubscriptionRow:
    """A subscription with what its pages and the CLI show beside it."""
    subscription: Subscription
    username: str
    email: str | None
    timezone: str | None
    next_at: datetime | None
    last: Delivery | None

    @property
    def next_text(self):
        """The next delivery in the user's own time zone, e.g. "Mon 07 Dec 2026, 08:00"."""
        if self.next_at is None:
            return "paused"
        local = self.next_at.astimezone(schedule.zone_named(self.timezone))
        return f"{local:%a %d %b %Y, %H:%M} {self.timezone or local.tzname()}"

    @property
    def schedule_text(self):
        sub = self.subscription
        return schedule.describe(sub.every, sub.at_minute, self.timezone)


def split_address(address):
    """(path, query) of "/overview?brand=X" or of a path and its query given apart."""
    parts = urlsplit((address or "").strip())
    return parts.path or "/", parts.query


def clean_query(query):
    """The query as the page would write it again: its parameters in a stable order. A named
    period ("last 30 days") is kept without the dates it meant today, so each report covers
    the period as it stands when it is sent."""
    pairs = sorted(parse_qsl((query or "").lstrip("?"), keep_blank_values=False))
    periods = [value for name, value in pairs if name == "period"]
    if periods and periods[0] in analytics.PERIODS:
        pairs = [(name, value) for name, value in pairs if name not in ("start", "end")]
    text = urlencode(pairs)
    if len(text) > MAX_QUERY_LENGTH:
        raise SubscriptionError(f"The address is too long to keep: at most "
                                f"{MAX_QUERY_LENGTH} characters of filters, not {len(text)}.")
    return text


def subscribe(username, path, query="", every="weekly", at="08:00", actor=None):
    """Subscribe `username` to the view at `path` (with its filters) by e-mail."""
    path, inline_query = split_address(path)
    query = clean_query(query or inline_query)
    view = render.view_of_path(path)
    if view is None:
        raise SubscriptionError(f"{path!r} cannot be sent by e-mail; these views can: "
                                f"{', '.join('/' + v for v in render.VIEW_TITLES)}.")
    try:
        every = schedule.clean_frequency(every)
        at_minute = schedule.parse_time_of_day(at)
    except schedule.ScheduleError as error:
        raise SubscriptionError(str(error)) from None
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise SubscriptionError(f"There is no user named {username!r}.")
        if not user.active:
            raise SubscriptionError(f"{username!r} is deactivated and gets no reports.")
        if not auth.can_open(user, view):
            raise SubscriptionError(f"A {user.role} cannot open the {view} view.")
        subscription = Subscription(user_id=user.id, path="/" + view, query=query,
                                    every=every, at_minute=at_minute, paused=False,
                                    created_at=schedule.naive_utc(schedule.utc_now()))
        session.add(subscription)
        session.add(audit.event("report_subscribed", username=actor or username, detail=(
            f"{username!r} gets /{view}{'?' + query if query else ''} "
            f"{schedule.describe(every, at_minute, user.timezone)}")))
    return subscription


def rows(user_id=None):
    """Every subscription (or one user's), newest first, with its next and last delivery."""
    statement = (select(Subscription, User).join(User, User.id == Subscription.user_id)
                 .order_by(Subscription.id.desc()))
    if user_id is not None:
        statement = statement.where(Subscription.user_id == user_id)
    found = db.session.execute(statement).all()
    last = _last_deliveries([sub.id for sub, _user in found])
    now = schedule.utc_now()
    result = []
    for sub, user in found:
        next_at = None
        if not sub.paused:
            after = max(now, schedule.as_utc(sub.created_at))
            next_at = schedule.next_after(sub.every, sub.at_minute,
                                          schedule.zone_named(user.timezone), after)[1]
        result.append(SubscriptionRow(sub, user.username, user.email, user.timezone,
                                      next_at, last.get(sub.id)))
    return result


def _last_deliveries(subscription_ids):
    if not subscription_ids:
        return {}
    deliveries = db.session.scalars(select(Delivery).where(
        Delivery.subscription_id.in_(subscription_ids)).order_by(Delivery.id)).all()
    return {delivery.subscription_id: delivery for delivery in deliveries}


def deliveries(user_id=None, limit=500):
    """The latest deliveries (of one user's subscriptions, or all), newest first, each with
    its subscription and the recipient's username."""
    statement = (select(Delivery, Subscription, User)
                 .join(Subscription, Subscription.id == Delivery.subscription_id)
                 .join(User, User.id == Subscription.user_id)
                 .order_by(Delivery.due_at.desc(), Delivery.id.desc()).limit(limit))
    if user_id is not None:
        statement = statement.where(Subscription.user_id == user_id)
    return db.session.execute(statement).all()


def set_paused(subscription_id, paused, actor):
    """Pause or resume; `actor` (a User) must own it or be an admin."""
    with db.transaction() as session:
        subscription = _owned(session, subscription_id, actor)
        subscription.paused = bool(paused)
        session.add(audit.event("report_paused" if paused else "report_resumed",
                                username=actor.username,
                                detail=f"subscription {subscription_id}"))
    return subscription


def delete(subscription_id, actor):
    """Delete a subscription and its delivery history; owner or admin only."""
    with db.transaction() as session:
        subscription = _owned(session, subscription_id, actor)
        session.delete(subscription)
        session.add(audit.event("report_deleted", username=actor.username,
                                detail=f"subscription {subscription_id} "
                                       f"({subscription.path})"))


def _owned(session, subscription_id, actor):
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or (subscription.user_id != actor.id
                                and not auth.can(actor, "manage_reports")):
        # Someone else's subscription looks the same as a missing one.
        raise SubscriptionError(f"There is no subscription number {subscription_id} "
                                f"of yours.")
    return subscription


def view_address(subscription):
    return subscription.path + (f"?{subscription.query}" if subscription.query else "")
