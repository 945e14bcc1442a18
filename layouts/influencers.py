"""Creators: the sortable grid and one creator's page."""
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import tables
from dashboard.analytics import PAYOUT_SHARE_NOTE
from layouts import components, drill, figures, numbers

GRID_COLUMNS = tables.CREATOR_COLUMNS


def layout(options, selection, influencer_key=None):
    creator = dcc.Store(id="influencers-key", data=influencer_key)
    if influencer_key:
        return components.view_page(
            "influencers", "Creator",
            "One creator's reach, posts, orders and what they were paid.",
            options, selection, stores=[creator], tab_title="Creator")
    return components.view_page(
        "influencers", "Creators",
        "Every creator with orders, spend or posts in the selection. Click a name for "
        "the details; sort or filter any column.", options, selection, stores=[creator])


def _export(table, selection, may_export, extra=None):
    if not may_export:
        return None
    return components.export_link("influencers", table, selection, extra=extra)


def creators_body(selection, creators, may_export):
    if creators is None or creators.empty:
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="influencers-empty")])
    columns = [column for column in GRID_COLUMNS if column in creators.columns]
    scored = creators["performance_score"].notna().sum()
    return html.Div([
        html.P(components.selection_summary(selection), className="small text-muted"),
        components.section(
            f"{len(creators):,} creators",
            components.grid("influencers-grid",
                            creators.sort_values("revenue", ascending=False), columns,
                            link=drill.grid_link(selection, "influencer", "name",
                                                 "influencer_id"), page_size=25),
            help_text=(f"The score (0–100) ranks the {scored} creators with spend in this "
                       "selection on ROAS (30%), engagement (25%), orders (25%) and cost per "
                       "order (20%). Creators without spend have no score."),
            export=_export("creators", selection, may_export)),
    ])


def creator_body(selection, influencer_key, profile, may_export):
    back = html.A("← All creators", href="/influencers" + components.url_search(selection),
                  className="small d-inline-block mb-2")
    if profile is None:
        return html.Div([back, components.empty_state(
            "There is no creator with this id in the brands you can see.",
            component_id="influencers-missing")])
    about = profile["profile"]
    metrics = profile["metrics"] or {}
    extra = {"influencer": influencer_key}
    facts = [("Platform", about.get("platform")), ("Category", about.get("category")),
             ("Tier", about.get("tier")), ("Followers", components.count(
                 about.get("follower_count"))), ("Gender", about.get("gender") or "not given"),
             ("Creator id", about.get("influencer_id"))]
    cards = [("revenue", "Revenue", "money"), ("spend", "Spend", "money"),
             ("roas", "ROAS", "ratio"), ("incremental_roas", "Incremental ROAS", "ratio"),
             ("orders", "Orders", "count"), ("cpo", "Cost per order", "money"),
             ("engagement_rate", "Engagement rate", "percent"), ("posts", "Posts", "count")]
    return html.Div([
        back,
        html.H2(f"{about.get('name') or influencer_key} ({about.get('influencer_id')})"
                if about.get("name") else influencer_key, className="h4", id="influencers-name"),
        html.P(" · ".join(f"{label}: {value}" for label, value in facts if value),
               className="text-muted"),
        html.P(components.selection_summary(selection), className="small text-muted"),
        dbc.Row([dbc.Col(components.kpi_card(
                     "influencers", metric, label, components.formatted(metrics.get(metric), kind),
                     exact=numbers.money_full(metrics.get(metric)) if kind == "money" else None),
                         xs=6, md=3, className="mb-3")
                 for metric, label, kind in cards], className="g-3"),
        components.section(
            "Orders and revenue over time",
            figures.chart("influencers-trend", creator_trend(profile["timeseries"]),
                          f"creator-{influencer_key}-orders"),
            export=_export("creator_timeseries", selection, may_export, extra)),
        components.section(
            "Posts",
            components.grid("influencers-posts", profile["posts"],
                            [c for c in tables.POST_COLUMNS if c in profile["posts"].columns],
                            page_size=10)
            if not profile["posts"].empty else components.empty_state(
                "No posts in this selection."),
            export=_export("creator_posts", selection, may_export, extra)),
        components.section(
            "Payouts and reconciliation",
            *payout_content(profile["payouts"]),
            export=_export("creator_payouts", selection, may_export, extra)),
    ])


def creator_trend(timeseries):
    if timeseries is None or timeseries.empty:
        return figures.empty_figure("No dated orders or spend in this selection.")
    figure = figures.secondary_y_figure([
        {"type": "bar", "x": figures.texts(timeseries["period"]),
         "y": figures.numeric(timeseries["orders"]), "name": "Orders",
         "marker": {"color": figures.REVENUE_COLOUR},
         "hovertemplate": "%{y:,.0f} orders<extra></extra>"}], [
        {"type": "scatter", "x": figures.texts(timeseries["period"]),
         "y": figures.numeric(timeseries["revenue"]), "name": "Revenue",
         "mode": "lines+markers", "line": {"color": figures.ROAS_COLOUR},
         "customdata": figures.money_text(timeseries["revenue"]),
         "hovertemplate": "Revenue %{customdata}<extra></extra>"}])
    # Both axes from 0 in round steps with as many gridlines each, so they line up.
    (order_step, order_end), (money_step, money_end), _ = numbers.aligned_axes(
        max(float(timeseries["orders"].max() or 0), 1.0),
        max(float(timeseries["revenue"].max() or 0), 1.0), left_whole=True)
    figures.update_layout(figure, yaxis={"title": {"text": "Orders"},
                                         "range": [0, order_end * 1.02], "tick0": 0,
                                         "dtick": order_step})
    figures.money_axis(figure, None, "yaxis2", money_step, money_end, title="Revenue")
    figures.update_layout(figure, hovermode="x unified", yaxis2={"showgrid": False})
    figures.period_axis(figure, "day" if len(str(timeseries["period"].iloc[0])) > 7
                        else "month", len(timeseries))
    return figures.style_figure(figure)


def payout_content(payouts):
    if payouts is None or payouts.empty:
        return [components.empty_state("No payouts recorded for this creator.")]
    if "total_payout" not in payouts.columns:
        # A brand-limited user gets only the part of the payout booked to their brands.
        return [html.P(PAYOUT_SHARE_NOTE, className="small text-muted",
                       id="influencers-payout-share"),
                components.grid("influencers-payouts", payouts,
                                ["basis", "orders", "posts", "spend"])]
    notes = []
    for row in payouts.to_dict("records"):
        difference = row.get("difference")
        if difference is None or abs(difference) < 0.005:
            continue
        direction = "more" if difference > 0 else "less"
        notes.append(html.Li(
            f"Paid per {row.get('basis')}: {components.money(row.get('total_payout'))} paid, "
            f"{components.money(abs(difference))} {direction} than the rate "
            f"({components.money(row.get('rate'))}) × {components.count(row.get('units'))} "
            f"= {components.money(row.get('expected'))}."))
    summary = (dbc.Alert(html.Ul(notes, className="mb-0"), color="warning",
                         id="influencers-payout-mismatch")
               if notes else html.P("Every payout matches its rate.", className="text-success"))
    columns = [c for c in ("basis", "rate", "units", "expected", "total_payout", "difference")
               if c in payouts.columns]
    return [summary, components.grid("influencers-payouts", payouts, columns)]
