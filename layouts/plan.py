"""Budget planner page: the controls, and the plan, moves, chart and check it is built from."""
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import tables
from dashboard.analytics import planner
from dashboard.analytics.planner import PLATFORMS
from layouts import components, figures, numbers

PLAN_TABLE_COLUMNS = tables.PLAN_COLUMNS
PERIOD_CHOICES = [7, 14, 30, 60, 90]
# The chart shows this many creators, those with the most money before or after.
CHART_CREATORS = 25
LABELS = {"current_spend": "Spend, last period", "planned_spend": "Planned spend",
          "planned_posts": "Planned posts", "expected_incremental_revenue": "Extra sales expected",
          "low": "Low (10th pct.)", "high": "High (90th pct.)"}
# ag-grid formatters: layouts/numbers.py's, with posts to one decimal.
JS_FORMATS = dict(numbers.JS_FORMATS,
                  count="params.value == null ? '–' : d3.format(',.1f')(params.value)")
FORMATS = {"current_spend": "money", "planned_spend": "money", "planned_posts": "count",
           "expected_incremental_revenue": "money", "low": "money", "high": "money"}


def layout(**_kwargs):
    """The page frame; the options and the plan arrive through callbacks/plan.py."""
    def field(label, control, width=3):
        return dbc.Col([dbc.Label(label, html_for=control.id, className="small mb-1"),
                        control], xs=12, md=6, lg=width)

    def choice(name, placeholder):
        return dcc.Dropdown(id=f"plan-{name}", options=[], value=[], multi=True,
                            placeholder=placeholder)

    platform_limits = [dbc.Col([
        dbc.Label(platform, className="small mb-1"),
        # Each box named for screen readers; the placeholders alone vanish once typed in.
        dbc.Label(f"{platform}: at least (₹)", html_for=f"plan-min-{platform}",
                  className="visually-hidden"),
        dbc.Label(f"{platform}: at most (₹)", html_for=f"plan-max-{platform}",
                  className="visually-hidden"),
        dbc.InputGroup([
            dbc.Input(id=f"plan-min-{platform}", type="number", min=0, placeholder="min ₹",
                      debounce=True),
            dbc.Input(id=f"plan-max-{platform}", type="number", min=0, placeholder="max ₹",
                      debounce=True),
        ], size="sm"),
    ], xs=6, lg=3) for platform in PLATFORMS]
    controls = dbc.Card(dbc.CardBody([
        dbc.Row([
            field("Budget (₹)", dbc.Input(id="plan-budget", type="number", min=0,
                                          debounce=True,
                                          placeholder="Last period's spend")),
            field("Period (days)", dcc.Dropdown(id="plan-days", clearable=False, value=30,
                                                options=PERIOD_CHOICES), width=2),
            field("Brands", choice("brands", "All your brands")),
            field("Platforms", choice("platforms", "All platforms"), width=4),
        ], className="g-2"),
        dbc.Row([
            field("Keep at least at current spend", choice("keep", "No one in particular"),
                  width=4),
            field("Leave out", choice("exclude", "No one"), width=4),
            field("Posts a period, × the most a creator has made",
                  # The marks say the value; a number box beside them would say it twice.
                  dcc.Slider(id="plan-widen", min=1, max=2, step=0.25, value=1,
                             marks={1: "1×", 1.5: "1.5×", 2: "2×"},
                             allow_direct_input=False), width=4),
        ], className="g-2 mt-1"),
        dbc.Checkbox(id="plan-whole-posts", value=False, className="mt-2",
                     label="Whole posts only (otherwise part of a post means part of its fee)"),
        html.Details([html.Summary("Money per platform (optional)", className="small"),
                      dbc.Row(platform_limits, className="g-2 mt-1")], className="mt-2"),
    ]), className="mb-3 filter-bar", id="plan-controls")
    return html.Div([
        dcc.Location(id="plan-url", refresh=False),
        html.Div([html.H1("Budget planner", className="h3 mb-0"),
                  html.P("What the next period's money should buy, learned from what posts "
                         "have sold so far.", className="text-muted mb-2")], className="mb-2"),
        controls,
        dcc.Loading(html.Div(id="plan-body", className="view-body"), type="default",
                    delay_show=150),
    ], id="plan-page")


def brand_options(brands):
    return [{"label": brand, "value": brand} for brand in brands]


def creator_options(creators):
    return [{"label": f"{name} ({key})", "value": key} for name, key in creators]


def problem(message):
    """A plan that cannot be made, said plainly (nothing else changes)."""
    return dbc.Alert(message, color="warning", id="plan-problem")


PERFORMER_COLUMNS = ["name", "platform", "tier", "posts_in_history", "shrunk_return",
                     "own_return", "performance_score"]
PERFORMER_LABELS = {"posts_in_history": "Posts so far",
                    "shrunk_return": "Extra sales per ₹1 (planner, shrunk)",
                    "own_return": "Extra sales per ₹1 (own history only)",
                    "performance_score": "Performance score (raw, 0–100)"}


def performers_section(performers):
    """Top and under performers by the shrunk estimate, the raw score kept beside it."""
    if performers is None or performers["p75"] is None:
        return html.Div()

    def table(component_id, frame):
        grid = components.grid(component_id, frame, PERFORMER_COLUMNS, page_size=10)
        for definition in grid.columnDefs:
            if definition["field"] in PERFORMER_LABELS:
                definition["headerName"] = PERFORMER_LABELS[definition["field"]]
            if definition["field"] in ("shrunk_return", "own_return"):
                definition.update(valueFormatter={"function": JS_FORMATS["rupees"]},
                                  type="rightAligned")
        return grid

    return components.section(
        "Top and under performers, by the planner's estimate",
        dbc.Row([dbc.Col([html.H6("Top quarter"), table("plan-top", performers["top"])], lg=6),
                 dbc.Col([html.H6("Bottom quarter"), table("plan-under", performers["under"])],
                         lg=6)], className="g-3"),
        help_text="Ranked by the extra sales a creator's next post should bring per ₹1, pulled "
                  "toward similar creators so a few lucky posts do not top the list. The raw "
                  "performance score (METRICS.md: ROAS, engagement, orders, cost per order) "
                  "is shown beside it; the Insights page ranks by it under \"By performance "
                  "score (raw)\".")


def plan_body(page, export_href=None, performers=None):
    """The plan: totals, moves, table, chart, assumptions and the backtest."""
    result = page["plan"]
    rows = result["rows"]
    if rows.empty:
        return components.empty_state(
            "No creator with spend or sales to plan for in these brands and platforms.",
            component_id="plan-empty")
    budget_note = ("" if result["budget"] != page["default_budget"]
                   else " (the last period's spend)")
    export = (export_href, "Download the plan (CSV)") if export_href else None
    return html.Div([
        dbc.Row([
            dbc.Col(_total_card("Budget", components.money(result["budget"]),
                                f"for {result['days']} days{budget_note}"), md=4),
            dbc.Col(_total_card(
                "Extra sales expected", components.money(result["expected_incremental_revenue"]),
                f"likely between {components.money(result['low'])} and "
                f"{components.money(result['high'])}", "plan-total"), md=4),
            dbc.Col(_total_card(
                "The same spend as last period", components.money(result["current_expected"]),
                f"expected from {components.money(result['current_spend'])} spread as before"),
                md=4),
        ], className="g-3 mb-3"),
        components.section("Moves", move_list(result["moves"]),
                           help_text="Each move with the extra sales it should bring, and the "
                                     "range they will likely fall in (10th–90th percentile)."),
        components.section("Current and planned spend per creator",
                           figures.chart("plan-chart", spend_figure(rows), "budget-plan"),
                           _plan_grid(rows), export=export),
        performers_section(performers),
        components.section("How the plan was made",
                           html.P(assumptions(page), id="plan-assumptions")),
        components.section("Checked against the last period", backtest_text(page["backtest"])),
    ], id="plan-result")


def _total_card(title, value, note, component_id=None):
    kwargs = {"id": component_id} if component_id else {}
    return dbc.Card(dbc.CardBody([html.Div(title, className="small text-muted"),
                                  html.Div(value, className="h4 mb-0", **kwargs),
                                  html.Div(note, className="small text-muted")]))


def move_list(moves):
    if not moves:
        return html.P("Keep the money where it is: no move is expected to earn more.",
                      id="plan-moves")
    return html.Ul([html.Li(planner.move_sentence(move)) for move in moves], id="plan-moves")


def _plan_grid(rows):
    grid = components.grid("plan-table", rows, PLAN_TABLE_COLUMNS, page_size=20)
    for definition in grid.columnDefs:
        field = definition["field"]
        if field in LABELS:
            definition["headerName"] = LABELS[field]
        if field in FORMATS:
            definition.update(valueFormatter={"function": JS_FORMATS[FORMATS[field]]},
                              type="rightAligned", filter="agNumberColumnFilter")
    return grid


def spend_figure(rows):
    """Current against planned spend for the creators with the most money either way."""
    # Two creators may share a name: the id keeps their bars apart.
    shown = rows.assign(most=rows[["current_spend", "planned_spend"]].max(axis=1),
                        label=rows["name"] + " (" + rows["influencer_id"] + ")") \
        .sort_values("most", ascending=False).head(CHART_CREATORS).iloc[::-1]
    labels = figures.texts(shown["label"])
    figure = figures.figure([
        {"type": "bar", "name": "Spend, last period", "y": labels,
         "x": figures.numeric(shown["current_spend"]), "orientation": "h",
         "marker": {"color": figures.SPEND_COLOUR},
         "customdata": figures.money_text(shown["current_spend"]),
         "hovertemplate": "%{customdata} last period<extra></extra>"},
        {"type": "bar", "name": "Planned spend", "y": labels,
         "x": figures.numeric(shown["planned_spend"]), "orientation": "h",
         "marker": {"color": figures.REVENUE_COLOUR},
         "customdata": figures.money_text(shown["planned_spend"]),
         "hovertemplate": "%{customdata} planned<extra></extra>"},
    ], barmode="group", hovermode="y unified")
    figures.money_axis(figure, float(shown["most"].max()), "xaxis", title="Spend")
    figures.update_layout(figure, yaxis={"automargin": True})
    return figures.style_figure(figure, height=max(320, 22 * len(shown) + 120))


def assumptions(page):
    periods = page.get("periods") or 0
    return (
        "Forecasts are extra sales: what each creator sells beyond their usual sales on "
        "days far from any post (the measured baseline). A creator's extra sales grow with "
        "the posts bought in a period but flatten out, each post bringing less than the one "
        f"before; that curve is learned from up to {periods} past periods of the same length. "
        "Creators with little history are pulled toward similar creators (same platform, "
        "tier and category), so a couple of lucky posts cannot make a star. A post costs "
        "what it cost before (creators paid per order: what their orders cost per post), and "
        "no one is planned for more posts than they have ever made in a period unless you "
        "widen it. The range is the 10th to 90th percentile: the curve's uncertainty plus "
        "the usual ups and downs of a period. Not taken into account: new rates, seasons, "
        "creators never paid before, and creators affecting each other's sales.")


def backtest_text(backtest):
    if not backtest or backtest.get("error") is None:
        return html.P("Not enough history yet to check the forecasts against a past period.",
                      id="plan-backtest")
    money = components.money
    held = backtest["low"] <= backtest["measured"] <= backtest["high"]
    return html.P(
        f"Learning only from the history up to {backtest['as_of']}, the planner forecast "
        f"{money(backtest['forecast'])} of extra sales ({money(backtest['low'])} to "
        f"{money(backtest['high'])}) for the {money(backtest['budget'])} actually spent in "
        f"the period after it; {money(backtest['measured'])} was measured (the forecast was "
        f"{abs(backtest['error']):.0%} {'above' if backtest['error'] > 0 else 'below'} it), "
        f"{'inside' if held else 'outside'} the range. For "
        f"{backtest['creators_in_range']} of {backtest['creators']} creators their own range "
        f"held what they sold. Planned the planner's way, the same money was expected to "
        f"bring {money(backtest['plan_forecast'])}.", id="plan-backtest")
