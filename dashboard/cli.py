"""The `dashboard` command: schema, imports, demo data, users, metrics and the dev server."""
import json
import math
import sys

import click
from flask.cli import FlaskGroup, with_appcontext

from dashboard.analytics import DEFAULT_BASELINE, DIMENSIONS
from dashboard.importing.schemas import DATASETS
from models.users import ROLES


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
@with_appcontext
def import_command(paths, dataset, dry_run):
    """Import CSV files or folders of them, all or nothing."""
    from flask import current_app

    from dashboard import importing

    try:
        result = importing.import_paths(
            paths, limits=importing.ImportLimits.from_app(current_app), dataset=dataset,
            dry_run=dry_run, username="cli")
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
        _warm_planner()


def _warm_planner():
    # The import is committed and said so; a failed warm-up only means a slower first plan,
    # so it is reported and the command still succeeds.
    from dashboard.analytics import planner

    from dashboard.analytics.warmup import warm_default_views

    click.echo("Fitting the budget planner for the new data ...")
    try:
        # The snapshot and the views every scope opens first, ready before the first visit.
        warm_default_views()
        planner.warm_after_import()
    except Exception as error:
        click.echo(f"The budget planner could not be fitted now ({error}); the Plan page "
                   "fits it on its first visit instead.", err=True)
    else:
        click.echo("Budget planner ready.")


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
@with_appcontext
def users_create_command(username, role, brands, password_stdin):
    """Create a user; without --brand the user sees every brand."""
    from dashboard import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        users.create_user(username, password, role, brands, actor="cli")
    except users.UserError as error:
        raise click.ClickException(str(error))
    click.echo(f"Created {role} {username!r}.")


@users_group.command("list")
@with_appcontext
def users_list_command():
    """List users with role, brands and status."""
    from dashboard import users

    for user in users.list_users():
        scope = ", ".join(sorted(user.brand_scope)) if user.brand_scope is not None else "all"
        status = "active" if user.active else "deactivated"
        click.echo(f"{user.username}\t{user.role}\t{scope}\t{status}")


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

    selection = analytics.Selection(
        start=start.date() if start else None, end=end.date() if end else None,
        brands=frozenset(brands), platforms=frozenset(platforms),
        categories=frozenset(categories), tiers=frozenset(tiers),
        baseline=DEFAULT_BASELINE if baseline is None else baseline)
    frame = analytics.metrics(selection, dimension, scope=None, use_cache=False)
    records = [{key: _plain(value) for key, value in row.items()}
               for row in frame.to_dict("records")]
    if output_format == "json":
        click.echo(json.dumps(records))
        return
    writer_columns = list(frame.columns)
    click.echo(",".join(writer_columns))
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for record in records:
        writer.writerow(["" if record[c] is None else _csv_value(record[c])
                         for c in writer_columns])
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


def _plain(value):
    """JSON-safe: numpy scalars to Python, NaN to None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


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
    run_simple(host, port, current_app._get_current_object(), threaded=True,
               use_reloader=False, use_debugger=debug,
               request_handler=logs.DevServerRequestHandler)


def init_app(app):
    """Make the commands available through `flask --app wsgi ...` too."""
    for command in main.commands.values():
        app.cli.add_command(command)
