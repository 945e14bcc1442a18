"""Alert rules and the webhook allow-list: what a rule may say, who may change it, in words."""
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from dashboard import audit
from dashboard.extensions import db
from models import AlertEvent, AlertRule, AllowedWebhook, User


@dataclass(frozen=True)
class Metric:
    label: str
    # money (₹), times (×), count, percent: how a value and a line are written.
    style: str
    # A sum (compared per week) rather than a ratio of sums (compared as a ratio).
    is_sum: bool
    # The view whose link an alert on this metric carries.
    view: str


# The numbers of docs/metrics.md an alert can watch.
METRICS = {
    "roas": Metric("ROAS", "times", False, "roi"),
    "incremental_roas": Metric("Incremental ROAS", "times", False, "roi"),
    "revenue": Metric("Revenue", "money", True, "overview"),
    "orders": Metric("Orders", "count", True, "overview"),
    "spend": Metric("Spend", "money", True, "overview"),
    "cpo": Metric("Cost per order", "money", False, "roi"),
    "aov": Metric("Average order value", "money", False, "roi"),
    "engagement_rate": Metric("Engagement rate", "percent", False, "overview"),
}
KINDS = {
    "below": "falls below a value",
    "above": "rises above a value",
    "down_by": "drops by a share against the weeks before",
    "up_by": "rises by a share against the weeks before",
    "spend_no_orders": "has spend but no orders for some days",
    "payout_mismatch": "a payout does not match rate × units",
}
SCOPE_KINDS = {
    "everything": "Everything I can see",
    "brand": "A brand",
    "platform": "A platform",
    "creator": "A creator (their id)",
    "campaign": "A campaign",
}
# Kinds that watch a metric; the other two watch spend and orders, or payouts.
METRIC_KINDS = ("below", "above", "down_by", "up_by")
DEFAULT_WEEKS = 4
DEFAULT_DAYS = 7
MAX_WEEKS = 52
MAX_DAYS = 90
# A payout off by less than this many rupees is taken as rounding.
DEFAULT_PAYOUT_TOLERANCE = 1.0


class AlertError(ValueError):
    """A rule or an address that cannot be saved; the text says what and where."""


@dataclass(frozen=True)
class RuleInput:
    """What the form or a caller asks for, before it is checked."""
    kind: str
    metric: str | None = None
    scope_kind: str = "everything"
    scope_value: str | None = None
    threshold: float | None = None
    periods: int | None = None
    send_email: bool = True
    webhook_url: str | None = None


# ---------------------------------------------------------------------------------- rules

def rules_of(owner_id) -> list[AlertRule]:
    return list(db.session.scalars(select(AlertRule).where(AlertRule.owner_id == owner_id)
                                   .order_by(AlertRule.id)))


def all_rules() -> list[tuple[AlertRule, str]]:
    """Every rule with its owner's username (for the command line)."""
    return list(db.session.execute(
        select(AlertRule, User.username).join(User, User.id == AlertRule.owner_id)
        .order_by(AlertRule.id)).all())


def save_rule(owner, wanted: RuleInput, rule_id=None) -> AlertRule:
    """Create a rule for `owner`, or change their rule `rule_id`; raises AlertError."""
    values = check(owner, wanted)
    with db.transaction() as session:
        if rule_id is None:
            rule = AlertRule(owner_id=owner.id, muted=False, firing=False, crossings=0)
            session.add(rule)
        else:
            rule = _own_rule(session, owner, rule_id)
            if (rule.kind, rule.metric, rule.scope_kind, rule.scope_value, rule.threshold,
                    rule.periods) != tuple(values[name] for name in (
                        "kind", "metric", "scope_kind", "scope_value", "threshold",
                        "periods")):
                # A different line: what fired for the old one says nothing about the new.
                rule.firing = False
        for name, value in values.items():
            setattr(rule, name, value)
        session.flush()
        session.add(audit.event("alert_rule_saved", f"rule {rule.id}: {describe(rule)}",
                                username=owner.username))
    return rule


def delete_rule(owner, rule_id):
    with db.transaction() as session:
        rule = _own_rule(session, owner, rule_id)
        text = describe(rule)
        session.delete(rule)
        session.add(audit.event("alert_rule_deleted", f"rule {rule_id}: {text}",
                                username=owner.username))


def set_muted(owner, rule_id, muted: bool) -> AlertRule:
    with db.transaction() as session:
        rule = _own_rule(session, owner, rule_id)
        rule.muted = bool(muted)
    return rule


def snooze(owner, rule_id, until: date | None) -> AlertRule:
    """Record but do not send this rule's alerts through `until`; None ends a snooze."""
    with db.transaction() as session:
        rule = _own_rule(session, owner, rule_id)
        rule.snoozed_until = until
    return rule


def history_of(owner_id, limit=200) -> list[tuple[AlertEvent, AlertRule]]:
    return list(db.session.execute(
        select(AlertEvent, AlertRule).join(AlertRule, AlertRule.id == AlertEvent.rule_id)
        .where(AlertRule.owner_id == owner_id)
        .order_by(AlertEvent.fired_at.desc(), AlertEvent.id.desc()).limit(limit)).all())


def _own_rule(session, owner, rule_id) -> AlertRule:
    rule = session.get(AlertRule, _whole_number(rule_id, "rule"))
    # Someone else's rule is answered as missing, so ids reveal nothing.
    if rule is None or rule.owner_id != owner.id:
        raise AlertError(f"You have no alert rule number {rule_id}.")
    return rule


def check(owner, wanted: RuleInput) -> dict:
    """The column values of a valid rule, or AlertError naming the field at fault."""
    if wanted.kind not in KINDS:
        raise AlertError(f"Pick when to alert: one of {', '.join(KINDS)} "
                         f"(not {wanted.kind!r}).")
    if wanted.scope_kind not in SCOPE_KINDS:
        raise AlertError(f"Pick what to watch: one of {', '.join(SCOPE_KINDS)}.")
    scope_value = (wanted.scope_value or "").strip() or None
    if wanted.scope_kind == "everything":
        scope_value = None
    elif scope_value is None:
        raise AlertError(f"Name the {wanted.scope_kind} to watch.")
    brands = owner.brand_scope
    if wanted.scope_kind == "brand" and brands is not None and scope_value not in brands:
        raise AlertError(f"You cannot see the brand {scope_value!r}; you can watch "
                         f"{', '.join(sorted(brands)) or 'no brand'}.")
    metric = wanted.metric
    threshold = wanted.threshold
    periods = wanted.periods
    if wanted.kind in METRIC_KINDS:
        if metric not in METRICS:
            raise AlertError(f"Pick a number to watch: one of {', '.join(METRICS)}.")
        threshold = _number(threshold, "The line")
        if wanted.kind in ("down_by", "up_by"):
            if not 0 < threshold <= 1000:
                raise AlertError("The change must be a percentage above 0, e.g. 30 for 30%.")
            periods = _periods(periods, DEFAULT_WEEKS, MAX_WEEKS, "weeks to compare against")
        else:
            periods = None
    elif wanted.kind == "spend_no_orders":
        metric, threshold = "orders", None
        periods = _periods(periods, DEFAULT_DAYS, MAX_DAYS, "days without orders")
    else:
        metric, periods = "payout", None
        threshold = (DEFAULT_PAYOUT_TOLERANCE if threshold in (None, "")
                     else _number(threshold, "The tolerance"))
        if threshold < 0:
            raise AlertError("The tolerance cannot be negative.")
        if wanted.scope_kind not in ("everything", "creator"):
            raise AlertError("A payout has no brand, platform or campaign: watch every "
                             "payout, or one creator's.")
        if brands is not None:
            raise AlertError("Payouts are shared across brands, so only users who see every "
                             "brand can watch them.")
    webhook_url = (wanted.webhook_url or "").strip() or None
    if webhook_url is not None and not is_allowed(webhook_url):
        raise AlertError(f"The webhook address {webhook_url} is not on the list an admin "
                         "allowed. Ask an admin to allow it first.")
    if not wanted.send_email and webhook_url is None:
        raise AlertError("Choose where alerts go: e-mail, a webhook, or both.")
    return {"kind": wanted.kind, "metric": metric, "scope_kind": wanted.scope_kind,
            "scope_value": scope_value, "threshold": threshold, "periods": periods,
            "send_email": bool(wanted.send_email), "webhook_url": webhook_url}


def _number(value, what):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AlertError(f"{what} must be a number, not {value!r}.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise AlertError(f"{what} must be a number, not {value!r}.")
    return number


def _whole_number(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AlertError(f"The {what} must be a whole number, not {value!r}.") from None


def _periods(value, default, most, what):
    if value in (None, ""):
        return default
    number = _whole_number(value, f"number of {what}")
    if not 1 <= number <= most:
        raise AlertError(f"The number of {what} must be between 1 and {most}.")
    return number


# ----------------------------------------------------------------------------- in words

def scope_words(rule) -> str:
    if rule.scope_kind == "everything":
        return "everything you can see"
    if rule.scope_kind in ("brand", "platform"):
        return rule.scope_value
    return f"{rule.scope_kind} {rule.scope_value}"


def line_words(metric_name, value) -> str:
    """A value in the metric's own unit: 1.8×, ₹12,000, 340 orders, 4.1%."""
    if value is None:
        return "no value"
    style = METRICS[metric_name].style if metric_name in METRICS else "money"
    if style == "times":
        return f"{value:,.2f}×"
    if style == "money":
        return f"₹{value:,.0f}" if abs(value) >= 100 else f"₹{value:,.2f}"
    if style == "percent":
        return f"{value * 100:.2f}%"
    return f"{value:,.0f}"


def describe(rule) -> str:
    """The rule in one sentence, as the rules list shows it."""
    where = "" if rule.scope_kind == "everything" else f" for {scope_words(rule)}"
    if rule.kind == "spend_no_orders":
        return f"Spend but no orders for {rule.periods} days{where}"
    if rule.kind == "payout_mismatch":
        return (f"A payout off rate × units by more than "
                f"{line_words('spend', rule.threshold)}{where}")
    label = METRICS[rule.metric].label
    if rule.kind in ("below", "above"):
        return f"{label}{where} {rule.kind} {line_words(rule.metric, rule.threshold)}"
    direction = "down" if rule.kind == "down_by" else "up"
    return (f"{label}{where} {direction} by {rule.threshold:g}% or more against the "
            f"{rule.periods} weeks before")


# ----------------------------------------------------------------------- webhook allow-list

def allowed_webhooks() -> list[AllowedWebhook]:
    return list(db.session.scalars(select(AllowedWebhook).order_by(AllowedWebhook.url)))


def is_allowed(url) -> bool:
    """Is `url` an allowed address, or under an allowed prefix (one ending in "/")?"""
    for entry in db.session.scalars(select(AllowedWebhook.url)):
        if url == entry or (entry.endswith("/") and url.startswith(entry)):
            return True
    return False


def allow_webhook(url, actor) -> AllowedWebhook:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertError(f"A webhook address must start with https:// or http:// and name a "
                         f"host, e.g. https://hooks.slack.com/services/... (not {url!r}).")
    if parts.username or parts.password:
        raise AlertError("Leave the password out of the webhook address.")
    if parts.path in ("", "/") and not url.endswith("/"):
        url += "/"
    try:
        with db.transaction() as session:
            entry = AllowedWebhook(url=url, added_by=actor)
            session.add(entry)
            session.add(audit.event("webhook_allowed", url, username=actor))
    except IntegrityError:
        raise AlertError(f"{url} is already allowed.") from None
    return entry


def remove_webhook(url, actor):
    with db.transaction() as session:
        removed = session.execute(delete(AllowedWebhook).where(AllowedWebhook.url == url))
        if not removed.rowcount:
            raise AlertError(f"{url} is not on the list.")
        session.add(audit.event("webhook_removed", url, username=actor))
