"""ROI analysis: ROAS and incremental ROAS by influencer, campaign, platform and tier."""
from dash import html


def layout(search="", **_kwargs):
    return html.Div([html.H3("Roi")], id="roi-page")
