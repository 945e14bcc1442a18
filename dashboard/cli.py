"""The `dashboard` command: schema, imports, demo data, users, metrics and the dev server."""
import json
import sys

import click
from flask.cli import FlaskGroup, with_appcontext

from dashboard.analytics import DEFAULT_BASELINE, DIMENSIONS
from dashboard.importing.schemas import DATASETS
from models.users import ROLES

# What `dashboard import` does after its commit (see _warm_in_background).
WARM_CHOICES = ("background", "wait", "no")


def _create_app():
    from dashboard import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main():
    """Influencer ROI dashboard: operator commands. All of them honour DATABASE_URL."""


@main.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database schema, or upgrade it to the latest version."""
    from dashboard import schema

    schema.upgrade()
    schema.ensure_database_identity()
    click.echo("Database schema is up to date.")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--dataset", type=click.Choice(DATASETS),
              help="Which dataset the files hold (default: from each file name).")
@click.option("--dry-run", is_flag=True, help="Check and report what would change; write nothing.")
@click.option("--warm", type=click.Choice(WARM_CHOICES), default=None,
              help="After the commit, build the analytics snapshot, compute the views every "
                   "brand opens first and fit the budget planner: in a background process "
                   "(the command returns at once), waiting for it, or not at all (`dashboard "
                   "warm` does it later). Default: WARM_AFTER_IMPORT, itself background.")
@with_appcontext
def import_command(paths, dataset, dry_run, warm):
    """Import CSV files or folders of them, all or nothing."""
    from flask import current_app

    from dashboard import importing

    warm = warm or current_app.config["WARM_AFTER_IMPORT"]
    if warm not in WARM_CHOICES:
        raise click.UsageError(f"WARM_AFTER_IMPORT is {warm!r}: use one of "
                               f"{', '.join(WARM_CHOICES)}.")
    try:
        # In the background, `dashboard warm` checkpoints first, off the import's time.
        result = importing.import_paths(
            paths, limits=importing.ImportLimits.from_app(current_app), dataset=dataset,
            dry_run=dry_run, username="cli", checkpoint=warm != "background")
    except importing.UsageError as error:
        raise click.UsageError(str(error))
    for error in result.errors:
        click.echo(str(error), err=True)
    for report in result.files:
        click.echo(report.summary())
    if result.errors:
        click.echo(f"Nothing was imported: {len(result.errors)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("Dry run: nothing was written." if dry_run else "Import committed.")
    if not dry_run:
        if warm == "wait":
            _warm_after_import()
        elif warm == "background":
            _warm_in_background(current_app.instance_path)
        _evaluate_alerts()


@main.command("warm")
@click.option("--lower-priority", is_flag=True,
              help="Once the snapshot is built, go on at a lower CPU priority (what an "
                   "import's background warm-up does).")
@with_appcontext
def warm_command(lower_priority):
    """Build the data's analytics snapshot, compute the views every brand opens first and fit
    the budget planner (what `dashboard import` starts after its commit)."""
    from dashboard import importing

    importing.checkpoint_database()
    _warm_after_import(lower_priority)


def _warm_after_import(lower_priority=False):
    # The import is committed and said so; a failed warm-up only means a slower first plan,
    # so it is reported and the command still succeeds.
    from dashboard.analytics import planner
    from dashboard.analytics.warmup import warm_default_views
    from dashboard.importing.writers import timed

    click.echo("Fitting the budget planner for the new data ...")
    try:
        # The snapshot and the views every scope opens first, ready before the first visit.
        with timed("warm the default views"):
            warm_default_views(lower_priority_after_snapshot=lower_priority)
        with timed("fit the budget planner"):
            planner.warm_after_import()
    except Exception as error:
        click.echo(f"The budget planner could not be fitted now ({error}); the Plan page "
                   "fits it on its first visit instead.", err=True)
    else:
        click.echo("Budget planner ready.")


def _warm_in_background(instance_path):
    """`dashboard warm` in a process of its own, so the import returns at its commit."""
    from dashboard.analytics.warmup import start_warm_process

    pid, log_path = start_warm_process(instance_path)
    click.echo(f"Computing the first views and fitting the budget planner in the background "
               f"(process {pid}, log {log_path}).")


def _evaluate_alerts():
    # After the commit, and never failing it: evaluate_after_import logs its own errors.
    from dashboard.reports import alerts

    from dashboard.importing.writers import timed

    with timed("evaluate alerts"):
        fired = alerts.evaluate_after_import()
    if fired:
        click.echo(f"{len(fired)} alert(s) fired on the new data.")


@main.group("alerts")
def alerts_group():
    """Alert rules: list them, evaluate them (for cron, once a day)."""


@alerts_group.command("evaluate")
@click.option("--now", "now_text", default=None,
              help="Evaluate as of this time, ISO (default: now, UTC).")
@with_appcontext
def alerts_evaluate_command(now_text):
    """Evaluate every rule now and send the alerts that fire."""
    from datetime import datetime

    from dashboard.reports import alerts

    try:
        now = datetime.fromisoformat(now_text) if now_text else datetime.utcnow()
    except ValueError:
        raise click.BadParameter(f"{now_text!r} is not a time like 2026-11-15T08:00.",
                                 param_hint="--now")
    fired = alerts.evaluate(now.replace(tzinfo=None), daily=True)
    for alert in fired:
        click.echo(f"rule {alert.rule_id}: {alert.message}")
    click.echo(f"{len(fired)} alert(s) fired.")


@alerts_group.command("list")
@with_appcontext
def alerts_list_command():
    """List every rule: number, owner, what it watches, state."""
    from dashboard.reports import alert_rules

    rules = alert_rules.all_rules()
    for rule, username in rules:
        state = "firing" if rule.firing else "quiet"
        if rule.muted:
            state += ", muted"
        if rule.snoozed_until:
            state += f", snoozed until {rule.snoozed_until:%Y-%m-%d}"
        where = ", ".join(filter(None, ["e-mail" if rule.send_email else "",
                                        rule.webhook_url or ""]))
        click.echo(f"{rule.id}\t{username}\t{alert_rules.describe(rule)}\t{state}\t{where}")
    if not rules:
        click.echo("No alert rules yet. Users add them on the Alerts page.")


@main.command("demo")
@click.option("--scale", type=int, default=None,
              help="Number of orders to generate (default: the small sample's size).")
@click.option("--creators", type=click.IntRange(min=1), default=None,
              help="Number of creators (default: one per 2,000 orders, at least 40).")
@click.option("--posts", type=click.IntRange(min=1), default=None,
              help="Number of posts in all (default: each creator's usual count).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write the four CSVs here instead of importing them.")
@with_appcontext
def demo_command(scale, creators, posts, seed, out_dir):
    """Generate realistic demo data: write CSVs (--out) or import them."""
    from dashboard import demo

    shape = {"scale": scale, "seed": seed, "creators": creators, "posts": posts}
    try:
        if out_dir:
            paths = demo.write_demo(out_dir, **shape)
            for path in paths.values():
                click.echo(f"Wrote {path}")
            return
        result = demo.load_demo(**shape)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    for error in result.errors:
        click.echo(str(error), err=True)
    for report in result.files:
        click.echo(report.summary())
    if result.errors:
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)


@main.command("setup-demo")
@with_appcontext
def setup_demo_command():
    """Upgrade the schema, load demo data if the database is empty, ensure demo users."""
    from dashboard import demo, schema

    schema.upgrade()
    if demo.database_is_empty():
        click.echo("Loading demo data ...")
        demo.load_sample()
    for username, password, role, brands in demo.ensure_demo_users():
        scope = ", ".join(brands) if brands else "all brands"
        click.echo(f"  {role:8} user {username!r} password {password!r} ({scope})")


@main.command("reset-data")
@click.option("--yes", is_flag=True, help="Delete without asking (for scripts).")
@with_appcontext
def reset_data_command(yes):
    """Delete the database, uploaded files and cached results, after asking."""
    from flask import current_app

    from dashboard import reset

    deletions = reset.planned_deletions(current_app)
    if not deletions:
        click.echo("Nothing to delete: there is no database, upload or cache yet.")
        return
    click.echo("This deletes, for good:")
    for deletion in deletions:
        click.echo(f"  - {deletion.what}")
    if not yes and not click.confirm("Delete all of this?", default=False):
        click.echo("Nothing was deleted.", err=True)
        sys.exit(1)
    for deletion in deletions:
        deletion.delete()
    click.echo("Deleted. `dashboard setup-demo` starts again with the demo data, "
               "`dashboard init-db` with an empty database.")


@main.group("users")
def users_group():
    """Create and list users."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--brand", "brands", multiple=True, help="A brand the user may see (repeat).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--email", default=None, help="Where the user's reports and alerts go.")
@click.option("--timezone", default=None,
              help="The user's time zone, e.g. Asia/Kolkata (default: the server's).")
@with_appcontext
def users_create_command(username, role, brands, password_stdin, email, timezone):
    """Create a user; without --brand the user sees every brand."""
    from dashboard import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        users.create_user(username, password, role, brands, actor="cli", email=email,
                          timezone=timezone)
    except users.UserError as error:
        raise click.ClickException(str(error))
    click.echo(f"Created {role} {username!r}.")


@users_group.command("contact")
@click.argument("username")
@click.option("--email", default="", help="Where reports and alerts go (empty: none).")
@click.option("--timezone", default="", help="e.g. Asia/Kolkata (empty: the server's).")
@with_appcontext
def users_contact_command(username, email, timezone):
    """Set a user's e-mail address and time zone."""
    from dashboard import users

    try:
        user = users.set_contact(username, email, timezone, actor="cli")
    except users.UserError as error:
        raise click.ClickException(str(error))
    click.echo(f"{user.username}: e-mail {user.email or 'none'}, "
               f"time zone {user.timezone or 'the server' + chr(39) + 's'}.")


@users_group.command("list")
@with_appcontext
def users_list_command():
    """List users with role, brands and status."""
    from dashboard import users

    for user in users.list_users():
        scope = ", ".join(sorted(user.brand_scope)) if user.brand_scope is not None else "all"
        status = "active" if user.active else "deactivated"
        click.echo(f"{user.username}\t{user.role}\t{scope}\t{status}\t{user.email or '-'}")


@main.group("tokens")
def tokens_group():
    """Create, list and revoke API tokens (docs/api.md)."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--days", type=int, default=None,
              help="How many days the token works (default 90).")
@click.option("--name", default="", help="A label to recognise the token by.")
@with_appcontext
def tokens_create_command(username, days, name):
    """Make an API token for USERNAME; it is printed once, on the last line."""
    from dashboard import tokens

    try:
        new = tokens.create_token(username, tokens.DEFAULT_DAYS if days is None else days,
                                  name, actor="cli")
    except tokens.TokenError as error:
        raise click.ClickException(str(error))
    click.echo(f"Created API token {new.token.id} for {username!r}, valid until "
               f"{new.token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only now: copy it.")
    click.echo(new.secret)


@tokens_group.command("revoke")
@click.argument("username")
@click.option("--id", "token_id", type=int, default=None,
              help="Revoke only this token (default: every token of USERNAME).")
@with_appcontext
def tokens_revoke_command(username, token_id):
    """Revoke USERNAME's API tokens: calls with them get 401 from now on."""
    from dashboard import tokens

    try:
        revoked = tokens.revoke_tokens(username, token_id, actor="cli")
    except tokens.TokenError as error:
        raise click.ClickException(str(error))
    ids = ", ".join(str(token.id) for token in revoked) or "none was still in force"
    click.echo(f"Revoked {len(revoked)} API token(s) of {username!r}: {ids}.")


@tokens_group.command("list")
@click.argument("username", required=False)
@with_appcontext
def tokens_list_command(username):
    """List API tokens (never the tokens themselves), of USERNAME or of everyone."""
    from dashboard import tokens

    try:
        listed = tokens.list_tokens(username)
    except tokens.TokenError as error:
        raise click.ClickException(str(error))
    click.echo("id\tuser\ttoken\tname\tstatus\tcreated\texpires\tlast used")
    for token, owner in listed:
        last_used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.id}\t{owner}\t{tokens.shown_prefix(token)}\t{token.name or '-'}\t"
                   f"{tokens.status(token)}\t{token.created_at:%Y-%m-%d}\t"
                   f"{token.expires_at:%Y-%m-%d}\t{last_used}")


@main.group("reports")
def reports_group():
    """Views by e-mail: subscribe users, list subscriptions, send what is due (for cron)."""


@reports_group.command("subscribe")
@click.argument("username")
@click.option("--path", required=True, help="The view's address with its filters, e.g. "
              "'/overview?brand=MuscleBlaze'.")
@click.option("--every", type=click.Choice(["daily", "weekly", "monthly"]), required=True,
              help="weekly: Mondays; monthly: the 1st.")
@click.option("--at", "at", default="08:00", show_default=True,
              help="Time of day (HH:MM) in the user's time zone.")
@with_appcontext
def reports_subscribe_command(username, path, every, at):
    from dashboard.reports import subscriptions

    try:
        subscription = subscriptions.subscribe(username, path, every=every, at=at,
                                               actor="cli")
    except subscriptions.SubscriptionError as error:
        raise click.ClickException(str(error))
    [row] = [row for row in subscriptions.rows() if row.subscription.id == subscription.id]
    click.echo(f"Subscription {subscription.id}: {username} gets "
               f"{subscriptions.view_address(subscription)} {row.schedule_text}; "
               f"first at {row.next_at:%Y-%m-%d %H:%M} UTC.")


@reports_group.command("list")
@with_appcontext
def reports_list_command():
    """Every subscription with its schedule, next time and last delivery."""
    from dashboard.reports import subscriptions

    found = subscriptions.rows()
    for row in found:
        sub, last = row.subscription, row.last
        status = "paused" if sub.paused else f"next {row.next_at:%Y-%m-%d %H:%M} UTC"
        last_text = (f"last {last.period} {last.state}" + (f" ({last.error})" if last.error
                                                           else "")) if last else "none sent"
        click.echo(f"{sub.id}\t{row.username}\t{subscriptions.view_address(sub)}\t"
                   f"{row.schedule_text}\t{status}\t{last_text}")
    click.echo(f"{len(found)} subscriptions.")


@reports_group.command("send-due")
@click.option("--now", "now_text", default=None,
              help="Act as if it were this ISO time (default: now); without a zone, UTC.")
@with_appcontext
def reports_send_due_command(now_text):
    """Send every report that is due; safe to run from cron every minute, on many hosts."""
    from dashboard.reports import delivery, schedule

    try:
        now = schedule.parse_now(now_text) if now_text else None
    except schedule.ScheduleError as error:
        raise click.BadParameter(str(error), param_hint="--now")
    outcomes = delivery.send_due(now)
    for outcome in outcomes:
        click.echo(f"{outcome.delivery_id}\t{outcome.username}\t{outcome.path}\t"
                   f"{outcome.period}\t{outcome.state}\t{outcome.detail}")
    sent = sum(1 for outcome in outcomes if outcome.state == "sent")
    click.echo(f"{sent} sent, {len(outcomes) - sent} not sent.")


@main.command("metrics")
@click.option("--by", "dimension", required=True, type=click.Choice(DIMENSIONS))
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--brand", "brands", multiple=True)
@click.option("--platform", "platforms", multiple=True)
@click.option("--category", "categories", multiple=True)
@click.option("--tier", "tiers", multiple=True)
@click.option("--baseline", type=float, default=None,
              help=f"Baseline share b for incremental ROAS (default {DEFAULT_BASELINE:.2f}).")
@click.option("--format", "output_format", type=click.Choice(["csv", "json"]), default="csv")
@with_appcontext
def metrics_command(dimension, start, end, brands, platforms, categories, tiers, baseline,
                    output_format):
    """Print the numbers of docs/metrics.md for one group-by dimension. No brand scope applies."""
    from dashboard import analytics
    from dashboard.analytics.records import metrics_records

    selection = analytics.Selection(
        start=start.date() if start else None, end=end.date() if end else None,
        brands=frozenset(brands), platforms=frozenset(platforms),
        categories=frozenset(categories), tiers=frozenset(tiers),
        baseline=DEFAULT_BASELINE if baseline is None else baseline)
    columns, records = metrics_records(selection, dimension, scope=None, use_cache=False)
    if output_format == "json":
        click.echo(json.dumps(records))
        return
    click.echo(",".join(columns))
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for record in records:
        writer.writerow(["" if record[c] is None else _csv_value(record[c]) for c in columns])
    click.echo(buffer.getvalue(), nl=False)


@main.command("plan")
@click.option("--budget", type=click.FloatRange(min=0), required=True,
              help="Money to spend over the next --days days.")
@click.option("--days", type=click.IntRange(min=7, max=92), default=30, show_default=True)
@click.option("--brand", "brands", multiple=True)
@click.option("--platform", "platforms", multiple=True)
@click.option("--keep", multiple=True, help="A creator (influencer_id) to keep at least at "
              "current spend (repeat).")
@click.option("--exclude", multiple=True, help="A creator (influencer_id) to leave out.")
@click.option("--platform-min", multiple=True, metavar="PLATFORM=AMOUNT")
@click.option("--platform-max", multiple=True, metavar="PLATFORM=AMOUNT")
@click.option("--widen", type=click.FloatRange(min=1), default=1.0, show_default=True,
              help="Allow this many times the most posts a creator has made in a period.")
@click.option("--whole-posts", is_flag=True, help="Buy whole posts only.")
@click.option("--format", "output_format", type=click.Choice(["json", "csv"]), default="json")
@with_appcontext
def plan_command(budget, days, brands, platforms, keep, exclude, platform_min, platform_max,
                 widen, whole_posts, output_format):
    """Spread a budget over creators for the next days (docs/planner.md). No brand scope."""
    from dashboard import analytics
    from dashboard.analytics import planner

    constraints = planner.Constraints(
        keep=frozenset(keep), exclude=frozenset(exclude),
        platform_min=_platform_amounts(platform_min, "--platform-min"),
        platform_max=_platform_amounts(platform_max, "--platform-max"), widen=widen,
        whole_posts=whole_posts)
    selection = analytics.Selection(brands=frozenset(brands), platforms=frozenset(platforms))
    try:
        result = planner.plan(selection, None, budget, days=days, constraints=constraints,
                              use_cache=False)
    except ValueError as error:
        raise click.ClickException(str(error))
    document = planner.plan_document(result)
    if output_format == "json":
        click.echo(json.dumps(document))
        return
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=planner.EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(document["rows"])
    click.echo(buffer.getvalue(), nl=False)


def _platform_amounts(values, option):
    amounts = []
    for value in values:
        platform, _, amount = value.partition("=")
        try:
            amounts.append((platform.strip(), float(amount)))
        except ValueError:
            raise click.BadParameter(f"{value!r} should look like Instagram=50000.",
                                     param_hint=option)
    return tuple(amounts)


def _csv_value(value):
    # repr keeps every digit of a float (full precision, as the spec asks).
    return repr(value) if isinstance(value, float) else value


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--debug", is_flag=True)
@click.option("--log-requests", is_flag=True,
              help="Log one line per request (also LOG_REQUESTS=1); off by default here.")
@with_appcontext
def run_command(host, port, debug, log_requests):
    """Serve the dashboard with Flask's development server."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from dashboard.web import logs

    config = current_app.config
    if log_requests:
        config["LOG_REQUESTS"] = True
    elif config["LOG_REQUESTS"] is None:
        # A developer's terminal stays readable; production logs every request.
        config["LOG_REQUESTS"] = config["DASHBOARD_ENV"] == "production"
    # Flask's app.run() refuses to start from inside a Flask CLI command; run_simple is
    # what it would call.
    if config["WARM_ON_START"]:
        from dashboard.analytics.warmup import warm_in_background

        warm_in_background(current_app._get_current_object())
    click.echo(f"Serving on http://{host}:{port} (stop with Ctrl+C)")
    # Reports due are sent from this process once a minute (SCHEDULER=0 turns it off).
    from dashboard.reports import scheduler

    scheduler.start_thread(current_app._get_current_object())
    run_simple(host, port, current_app._get_current_object(), threaded=True,
               use_reloader=False, use_debugger=debug,
               request_handler=logs.DevServerRequestHandler)


def init_app(app):
    """Make the commands available through `flask --app wsgi ...` too."""
    for command in main.commands.values():
        app.cli.add_command(command)
