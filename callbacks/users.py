"""Callbacks of the users view (component ids start with "users-")."""
from dash import Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks import common
from dashboard import users
from layouts import users as view


def page(search="", **_kwargs):
    selected = common.query_value(search, "user")
    return view.layout(users.ROLES, users.MIN_PASSWORD_LENGTH, users.time_zone_names(),
                       selected)


def brand_list(picked, typed):
    """Brands from the multi-select plus those typed, comma separated."""
    typed_brands = [name.strip() for name in (typed or "").split(",")]
    return sorted({name for name in list(picked or []) + typed_brands if name})


def register(app):
    @app.callback(Output("users-table", "children"), Output("users-selected", "options"),
                  Output("users-new-brands", "options"), Output("users-edit-brands", "options"),
                  Input("users-version", "data"))
    @common.guarded
    def show_users(_version):
        people = users.list_users()
        usernames = [person.username for person in people]
        brands = users.known_brands()
        return view.users_table(people), usernames, brands, brands

    @app.callback(Output("users-create-message", "children"), Output("users-version", "data"),
                  Output("users-new-password", "value"),
                  Input("users-create", "n_clicks"),
                  State("users-new-username", "value"), State("users-new-password", "value"),
                  State("users-new-role", "value"), State("users-new-brands", "value"),
                  State("users-new-other-brands", "value"), State("users-version", "data"),
                  prevent_initial_call=True)
    @common.guarded
    def create(_clicks, username, password, role, picked, typed, version):
        brands = brand_list(picked, typed)
        try:
            user = users.create_user(username, password, role, brands,
                                     actor=current_user.username)
        except users.UserError as error:
            return view.message(str(error), ok=False), no_update, no_update
        scope = "every brand" if not brands else f"{len(brands)} brand(s): {', '.join(brands)}"
        return (view.message(f"Added {user.role} {user.username!r} with access to {scope}."),
                (version or 0) + 1, "")

    @app.callback(Output("users-edit-role", "value"), Output("users-edit-brands", "value"),
                  Output("users-edit-other-brands", "value"),
                  Output("users-toggle-active", "children"),
                  Output("users-edit-summary", "children"),
                  Output("users-edit-email", "value"), Output("users-edit-timezone", "value"),
                  Input("users-selected", "value"), Input("users-version", "data"))
    def show_selected(username, _version):
        user = users.get_user(username) if username else None
        if user is None:
            return None, [], "", "Deactivate", "Pick a user to change.", "", None
        brands = sorted(user.brand_scope) if user.brand_scope is not None else []
        toggle = "Deactivate" if user.active else "Reactivate"
        return (user.role, brands, "", toggle, view.summary(user), user.email or "",
                user.timezone)

    @app.callback(Output("users-edit-message", "children"),
                  Output("users-version", "data", allow_duplicate=True),
                  Output("users-edit-password", "value"),
                  Input("users-save", "n_clicks"), Input("users-reset-password", "n_clicks"),
                  Input("users-toggle-active", "n_clicks"), Input("users-save-contact", "n_clicks"),
                  State("users-selected", "value"), State("users-edit-role", "value"),
                  State("users-edit-brands", "value"), State("users-edit-other-brands", "value"),
                  State("users-edit-password", "value"), State("users-edit-email", "value"),
                  State("users-edit-timezone", "value"), State("users-version", "data"),
                  prevent_initial_call=True)
    @common.guarded
    def change(_save, _reset, _toggle, _contact, username, role, picked, typed, password,
               email, zone, version):
        if not username:
            return view.message("Pick a user first.", ok=False), no_update, no_update
        actor = current_user.username
        try:
            if ctx.triggered_id == "users-save":
                user = users.update_access(username, role=role,
                                           brands=brand_list(picked, typed), actor=actor)
                text = f"Saved: {view.summary(user)}"
            elif ctx.triggered_id == "users-reset-password":
                users.reset_password(username, password, actor=actor)
                text = f"New password set for {username!r}. Tell them over a safe channel."
            elif ctx.triggered_id == "users-save-contact":
                user = users.set_contact(username, email, zone, actor=actor)
                text = f"Saved: {view.summary(user)}"
            elif ctx.triggered_id == "users-toggle-active":
                user = users.set_active(username, not users.is_active(username),
                                        actor=actor)
                text = (f"{username!r} is active again." if user.active else
                        f"{username!r} is deactivated and is signed out on their next click.")
            else:
                return no_update, no_update, no_update
        except users.UserError as error:
            return view.message(str(error), ok=False), no_update, no_update
        return view.message(text), (version or 0) + 1, ""
