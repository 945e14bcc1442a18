"""User management (admins): create users, roles, brands, passwords, deactivate."""
import dash_bootstrap_components as dbc
from dash import dcc, html

ALL_BRANDS_HINT = "Leave the brands empty to give access to every brand, now and later."


def layout(roles, min_password_length, time_zones, selected=None):
    """The page of people; `selected` is the username the address names."""
    role_options = [{"label": role.capitalize(), "value": role} for role in roles]
    return html.Div([
        html.H1("Users", className="h3"),
        # Bumped by every change; the table and the pickers redraw from it.
        dcc.Store(id="users-version", data=0),
        dbc.Row([
            dbc.Col([html.H5("People"), html.Div(id="users-table")], lg=7),
            dbc.Col([_create_card(role_options, min_password_length),
                     _edit_card(role_options, time_zones, selected)], lg=5),
        ]),
    ], id="users-page")


def _create_card(role_options, min_password_length):
    return dbc.Card([
        dbc.CardHeader("Add a user"),
        dbc.CardBody([
            dbc.Label("Username", html_for="users-new-username"),
            dbc.Input(id="users-new-username", autocomplete="off", maxLength=150),
            dbc.Label("Password", html_for="users-new-password", className="mt-2"),
            dbc.Input(id="users-new-password", type="password", autocomplete="new-password"),
            dbc.FormText(f"At least {min_password_length} characters."),
            dbc.Label("Role", html_for="users-new-role", className="mt-2 d-block"),
            dbc.Select(id="users-new-role", options=role_options, value="analyst"),
            *_brand_pickers("users-new"),
            dbc.Button("Add user", id="users-create", color="primary", className="mt-3"),
            html.Div(id="users-create-message", className="mt-2"),
        ]),
    ], className="mb-3")


def _edit_card(role_options, time_zones, selected):
    return dbc.Card([
        dbc.CardHeader("Change a user"),
        dbc.CardBody([
            dbc.Label("User", html_for="users-selected"),
            dcc.Dropdown(id="users-selected", value=selected, clearable=False,
                         placeholder="Pick a user"),
            html.Div(id="users-edit-summary", className="small text-muted mt-1"),
            dbc.Label("Role", html_for="users-edit-role", className="mt-2 d-block"),
            dbc.Select(id="users-edit-role", options=role_options),
            *_brand_pickers("users-edit"),
            dbc.Button("Save role and brands", id="users-save", color="primary",
                       className="mt-3"),
            html.Hr(),
            dbc.Label("E-mail address", html_for="users-edit-email"),
            dbc.Input(id="users-edit-email", type="email", autocomplete="off", maxLength=320,
                      placeholder="Reports and alerts go here (empty: none)"),
            dbc.Label("Time zone", html_for="users-edit-timezone", className="mt-2"),
            dcc.Dropdown(id="users-edit-timezone", options=list(time_zones),
                         placeholder="The server's time zone"),
            dbc.FormText("Scheduled reports arrive at their time of day in this zone."),
            dbc.Button("Save e-mail and time zone", id="users-save-contact",
                       color="secondary", className="mt-2 d-block"),
            html.Hr(),
            dbc.Label("New password", html_for="users-edit-password"),
            dbc.Input(id="users-edit-password", type="password", autocomplete="new-password"),
            dbc.Button("Set new password", id="users-reset-password", color="secondary",
                       className="mt-2"),
            html.Hr(),
            dbc.Button("Deactivate", id="users-toggle-active", color="danger", outline=True),
            html.Div(id="users-edit-message", className="mt-2"),
        ]),
    ])


def _brand_pickers(prefix):
    return [
        dbc.Label("Brands", html_for=f"{prefix}-brands", className="mt-2"),
        dcc.Dropdown(id=f"{prefix}-brands", multi=True, placeholder="Every brand"),
        dbc.Input(id=f"{prefix}-other-brands", className="mt-1",
                  placeholder="Other brands, separated by commas"),
        dbc.FormText(ALL_BRANDS_HINT),
    ]


def users_table(people):
    """The list of users as a plain table (no grid: nothing here needs script eval)."""
    header = html.Thead(html.Tr([html.Th(title) for title in (
        "Username", "Role", "Brands", "E-mail", "Time zone", "Status", "Last sign-in",
        "Created")]))
    rows = [html.Tr([
        html.Td(user.username),
        html.Td(user.role),
        html.Td("All brands" if user.brand_scope is None
                else ", ".join(sorted(user.brand_scope))),
        html.Td(user.email or "none"),
        html.Td(user.timezone or "server's"),
        html.Td("Active" if user.active else "Deactivated"),
        html.Td(_when(user.last_login_at)),
        html.Td(_when(user.created_at)),
    ], className="" if user.active else "text-muted") for user in people]
    return html.Div([
        dbc.Table([header, html.Tbody(rows)], striped=True, hover=True, size="sm",
                  responsive=True, id="users-list"),
        html.P(f"{len(people)} users, {sum(1 for u in people if u.active)} active.",
               className="small text-muted"),
    ])


def summary(user):
    scope = ("every brand" if user.brand_scope is None
             else f"{len(user.brand_scope)} brand(s)")
    status = "active" if user.active else "deactivated"
    mail = f"e-mail {user.email}" if user.email else "no e-mail address"
    return f"{user.username}: {user.role}, {status}, sees {scope}, {mail}."


def _when(moment):
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def message(text, ok=True):
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2 mb-0",
                     dismissable=True)
