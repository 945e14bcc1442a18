"""Saved views: the views a person saved or was offered, to open, share or delete."""
import dash_bootstrap_components as dbc
from dash import dcc, html

SHARE_CHOICES = [{"label": "Only me", "value": ""},
                 {"label": "Every analyst", "value": "analyst"},
                 {"label": "Every manager", "value": "manager"},
                 {"label": "Every admin", "value": "admin"}]


def layout(rows, may_share):
    return html.Div([
        html.Div([html.H1("Saved views", className="h3 mb-0"),
                  html.P("Pages with their filters, saved under a name from any page's "
                         "filter bar (\"Save this view as\"). A view opens with the brands "
                         "you may see, whoever saved it.", className="text-muted mb-2")],
                 className="mb-2"),
        html.Div(id="views-message", role="status"),
        html.Div(view_list(rows, may_share), id="views-body", className="view-body"),
    ], id="views-page", **{"data-page-title": "Saved views"})


def view_list(rows, may_share):
    if not rows:
        return html.Div(html.P("No saved views yet. Set the filters on any page, then use "
                               "\"Save this view as\" in its filter bar.", className="mb-0"),
                        className="empty-state", id="views-empty")
    header = html.Thead(html.Tr([html.Th("Name"), html.Th("Page"), html.Th("Shared with"),
                                 html.Th("")]))
    body = html.Tbody([row_of(row, may_share) for row in rows])
    return dbc.Table([header, body], hover=True, responsive=True, className="bg-white",
                     id="views-table")


def row_of(row, may_share):
    own = row["own"]
    if own and may_share:
        shared = dcc.Dropdown(id={"type": "views-share", "index": row["id"]},
                              options=SHARE_CHOICES, value=row["shared_role"] or "",
                              clearable=False, searchable=False,
                              className="saved-views-share")
    elif own:
        shared = f"every {row['shared_role']}" if row["shared_role"] else "only you"
    else:
        shared = f"offered to every {row['shared_role']}"
    delete = (html.Button("Delete", id={"type": "views-delete", "index": row["id"]},
                          n_clicks=0, className="btn btn-outline-danger btn-sm",
                          **{"aria-label": f"Delete view {row['name']}"})
              if own else "")
    return html.Tr([
        html.Td(html.A(row["name"], href=row["href"], className="saved-view-link",
                       **{"data-keep-filters": ""})),
        html.Td(row["page"].lstrip("/") or "home"), html.Td(shared), html.Td(delete),
    ])
