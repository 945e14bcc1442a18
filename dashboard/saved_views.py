"""Saved views use cases: save the current address under a name, list, share, delete."""
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import or_, select

from dashboard import audit, auth
from dashboard.extensions import db
from models import SavedView
from models.users import ROLES

MAX_NAME_LENGTH = 80
MAX_QUERY_LENGTH = 2000
# The pages a view may be saved for: the first part of the path -> the view it opens.
SAVABLE_PAGES = {"overview": "overview", "roi": "roi", "influencers": "influencers",
                 "insights": "insights", "brands": "brands", "campaigns": "campaigns"}
_PATH = re.compile(r"^/(?P<page>[a-z]+)(/[^/?#]{1,300})?/?$")


class SavedViewError(ValueError):
    """A saved-view change that cannot be made; the message is shown as is."""


def save_view(user, name, address):
    """Keep `address` ("/roi?period=last30&by=campaign") under `name` for `user`; saving
    under a name the user already has replaces that view's address. One transaction."""
    name = " ".join((name or "").split())
    if not name:
        raise SavedViewError("Give the view a name first, e.g. \"Gritzo last 30 days\".")
    if len(name) > MAX_NAME_LENGTH:
        raise SavedViewError(f"A view's name can be at most {MAX_NAME_LENGTH} characters "
                             f"long, not {len(name)}.")
    path, query = _page_address(user, address)
    with db.transaction() as session:
        view = session.scalar(select(SavedView).where(SavedView.owner_id == user.id,
                                                      SavedView.name == name))
        if view is None:
            view = SavedView(owner_id=user.id, name=name)
            session.add(view)
        view.path, view.query = path, query
        session.add(audit.event("view_saved", detail=f"saved view {name!r}: {path}?{query}",
                                username=user.username))
    return view


def visible_views(user):
    """The user's own views, then those shared with the user's role, by name."""
    if user is None or not user.is_authenticated:
        return []
    return list(db.session.scalars(select(SavedView).where(or_(
        SavedView.owner_id == user.id, SavedView.shared_role == user.role))
        .order_by(SavedView.owner_id != user.id, SavedView.name)))


def share_view(user, view_id, role):
    """Offer one of the user's views to every `role` member (None: stop sharing); only a
    role with the "share_view" action may. The view still opens under each viewer's own
    brand scope: sharing grants no brand."""
    if not auth.can(user, "share_view"):
        raise SavedViewError("Only an admin can share a view with a role.")
    if role is not None and role not in ROLES:
        raise SavedViewError(f"There is no role {role!r}: choose one of {', '.join(ROLES)}.")
    with db.transaction() as session:
        view = _own_view(session, user, view_id)
        view.shared_role = role
        session.add(audit.event("view_shared", username=user.username,
                                detail=f"view {view.name!r} shared with {role or 'nobody'}"))
    return view


def delete_view(user, view_id):
    with db.transaction() as session:
        view = _own_view(session, user, view_id)
        session.delete(view)
        session.add(audit.event("view_deleted", detail=f"deleted view {view.name!r}",
                                username=user.username))


def view_rows(user):
    """visible_views as plain rows for the saved-views page and the filter bar's menu."""
    return [{"id": view.id, "name": view.name, "href": href(view), "page": view.path,
             "own": view.owner_id == user.id, "shared_role": view.shared_role}
            for view in visible_views(user)]


def href(view):
    return view.path + (f"?{view.query}" if view.query else "")


def _own_view(session, user, view_id):
    view = session.get(SavedView, view_id) if isinstance(view_id, int) else None
    if view is None or view.owner_id != getattr(user, "id", None):
        raise SavedViewError("This view is not one of yours, so it was left as it is.")
    return view


def _page_address(user, address):
    """(path, query) of an address the user may open; only the page and its query are
    kept, never another site."""
    parts = urlsplit(address or "")
    match = _PATH.match(parts.path or "")
    view = SAVABLE_PAGES.get(match.group("page")) if match else None
    if parts.scheme or parts.netloc or view is None:
        raise SavedViewError("Only an analytics page (overview, ROI, creators, insights, "
                             "brands, campaigns) can be saved as a view.")
    if not auth.can_open(user, view):
        raise SavedViewError("Your role cannot open this page, so it cannot be saved.")
    query = urlencode(parse_qsl(parts.query, keep_blank_values=False))
    if len(query) > MAX_QUERY_LENGTH:
        raise SavedViewError(f"This view's filters are too long to save ({len(query)} "
                             f"characters; at most {MAX_QUERY_LENGTH}).")
    return parts.path.rstrip("/") or "/", query
