"""Callbacks of the alerts view (component ids start with "alerts-"): the user's own rules."""
from datetime import date

from dash import Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks import common
from dashboard import auth
from dashboard.reports import alert_rules as rules
from layouts import alerts as view


def page(search="", **_kwargs):
    return view.layout(rules.KINDS, {name: metric.label for name, metric in rules.METRICS.items()},
                       rules.SCOPE_KINDS, current_user.email,
                       [hook.url for hook in rules.allowed_webhooks()],
                       auth.can_open(current_user, "webhooks"))


def register(app):
    @app.callback(Output("alerts-rules", "children"), Output("alerts-history", "children"),
                  Output("alerts-selected", "options"), Input("alerts-version", "data"))
    @common.guarded
    def show(_version):
        own = rules.rules_of(current_user.id)
        return (view.rules_table(own, rules.describe),
                view.history_table(rules.history_of(current_user.id)),
                view.rule_options(own, rules.describe))

    @app.callback(Output("alerts-metric", "value"), Output("alerts-kind", "value"),
                  Output("alerts-threshold", "value"), Output("alerts-periods", "value"),
                  Output("alerts-scope-kind", "value"), Output("alerts-scope-value", "value"),
                  Output("alerts-email", "value"), Output("alerts-webhook", "value"),
                  Output("alerts-mute", "children"), Output("alerts-snooze-until", "date"),
                  Input("alerts-selected", "value"), Input("alerts-version", "data"))
    @common.guarded
    def fill(rule_id, _version):
        rule = next((rule for rule in rules.rules_of(current_user.id) if rule.id == rule_id),
                    None)
        if rule is None:
            return "roas", "below", None, None, "everything", "", True, "", "Mute", None
        metric = rule.metric if rule.metric in rules.METRICS else no_update
        return (metric, rule.kind, rule.threshold, rule.periods, rule.scope_kind,
                rule.scope_value or "", rule.send_email, rule.webhook_url or "",
                "Unmute" if rule.muted else "Mute",
                rule.snoozed_until.isoformat() if rule.snoozed_until else None)

    @app.callback(Output("alerts-save-message", "children"), Output("alerts-version", "data"),
                  Input("alerts-save", "n_clicks"),
                  State("alerts-selected", "value"), State("alerts-metric", "value"),
                  State("alerts-kind", "value"), State("alerts-threshold", "value"),
                  State("alerts-periods", "value"), State("alerts-scope-kind", "value"),
                  State("alerts-scope-value", "value"), State("alerts-email", "value"),
                  State("alerts-webhook", "value"), State("alerts-version", "data"),
                  prevent_initial_call=True)
    @common.guarded
    def save(_clicks, rule_id, metric, kind, threshold, periods, scope_kind, scope_value,
             email, webhook, version):
        wanted = rules.RuleInput(kind=kind, metric=metric, scope_kind=scope_kind,
                                 scope_value=scope_value, threshold=threshold,
                                 periods=periods, send_email=bool(email), webhook_url=webhook)
        try:
            rule = rules.save_rule(current_user, wanted, rule_id)
        except rules.AlertError as error:
            return view.message(str(error), ok=False), no_update
        verb = "Saved" if rule_id else "Added"
        return view.message(f"{verb} rule {rule.id}: {rules.describe(rule)}."), (version or 0) + 1

    @app.callback(Output("alerts-manage-message", "children"),
                  Output("alerts-version", "data", allow_duplicate=True),
                  Output("alerts-selected", "value"),
                  Input("alerts-mute", "n_clicks"), Input("alerts-delete", "n_clicks"),
                  Input("alerts-snooze", "n_clicks"), Input("alerts-unsnooze", "n_clicks"),
                  State("alerts-selected", "value"), State("alerts-snooze-until", "date"),
                  State("alerts-version", "data"), prevent_initial_call=True)
    @common.guarded
    def manage(_mute, _delete, _snooze, _unsnooze, rule_id, until, version):
        if not rule_id:
            return view.message("Pick a rule first.", ok=False), no_update, no_update
        keep = rule_id
        try:
            if ctx.triggered_id == "alerts-mute":
                rule = next(rule for rule in rules.rules_of(current_user.id)
                            if rule.id == rule_id)
                rule = rules.set_muted(current_user, rule_id, not rule.muted)
                text = f"Rule {rule_id} is {'muted' if rule.muted else 'no longer muted'}."
            elif ctx.triggered_id == "alerts-delete":
                rules.delete_rule(current_user, rule_id)
                text, keep = f"Rule {rule_id} is deleted; its alerts are gone too.", None
            elif ctx.triggered_id == "alerts-snooze":
                if not until:
                    return view.message("Pick the day to snooze until.", ok=False), \
                        no_update, no_update
                rules.snooze(current_user, rule_id, date.fromisoformat(until[:10]))
                text = f"Rule {rule_id} is snoozed until {until[:10]} (inclusive)."
            elif ctx.triggered_id == "alerts-unsnooze":
                rules.snooze(current_user, rule_id, None)
                text = f"Rule {rule_id} is no longer snoozed."
            else:
                return no_update, no_update, no_update
        except (rules.AlertError, StopIteration):
            return view.message(f"You have no alert rule number {rule_id}.", ok=False), \
                no_update, no_update
        return view.message(text), (version or 0) + 1, keep
