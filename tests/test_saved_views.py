"""Saved views (dashboard/saved_views.py): keep, list, share, delete; scope at open time."""
import pytest
from sqlalchemy import select

from dashboard import auth as rules, saved_views
from dashboard.extensions import db
from models import User
from tests.helpers import find, route


def user_named(username):
    user = db.session.scalar(select(User).where(User.username == username))
    # What flask-login gives a request: an authenticated user object.
    assert user.is_authenticated
    return user


def test_a_user_keeps_a_named_view_and_saving_again_replaces_its_address(app, auth):
    with app.test_request_context():
        analyst = user_named("analyst")
        saved = saved_views.save_view(analyst, "  Gritzo   lately ",
                                      "/roi?period=last30&brand=Gritzo&by=campaign")
        assert (saved.name, saved.path, saved.query) == (
            "Gritzo lately", "/roi", "period=last30&brand=Gritzo&by=campaign")
        saved_views.save_view(analyst, "Gritzo lately", "/overview?period=all")
        rows = saved_views.view_rows(analyst)
        assert [(row["name"], row["href"], row["own"]) for row in rows] == [
            ("Gritzo lately", "/overview?period=all", True)]
        # Nobody else sees it.
        assert saved_views.view_rows(user_named("manager")) == []


@pytest.mark.parametrize("name, address, message", [
    ("", "/roi", "Give the view a name"),
    ("x" * 81, "/roi", "at most 80 characters long, not 81"),
    ("Elsewhere", "https://evil.example/roi", "Only an analytics page"),
    ("Elsewhere", "//evil.example/roi", "Only an analytics page"),
    ("Users", "/admin/users", "Only an analytics page"),
    ("Upload", "/data", "Only an analytics page"),
    ("Long", "/roi?brand=" + "b" * 2100, "too long to save"),
])
def test_a_bad_name_or_address_is_refused_and_nothing_is_kept(app, auth, name, address,
                                                              message):
    with app.test_request_context():
        analyst = user_named("analyst")
        with pytest.raises(saved_views.SavedViewError, match=message):
            saved_views.save_view(analyst, name, address)
        assert saved_views.view_rows(analyst) == []


def test_only_an_admin_shares_and_only_the_owner_changes_a_view(app, auth):
    with app.test_request_context():
        admin, analyst, manager = (user_named(n) for n in ("admin", "analyst", "manager"))
        mine = saved_views.save_view(analyst, "Mine", "/overview")
        with pytest.raises(saved_views.SavedViewError, match="Only an admin"):
            saved_views.share_view(analyst, mine.id, "manager")
        assert not rules.can(analyst, "share_view") and rules.can(admin, "share_view")
        shared = saved_views.save_view(admin, "Every brand", "/brands?period=all")
        with pytest.raises(saved_views.SavedViewError, match="no role 'boss'"):
            saved_views.share_view(admin, shared.id, "boss")
        # An admin shares only their own views.
        with pytest.raises(saved_views.SavedViewError, match="not one of yours"):
            saved_views.share_view(admin, mine.id, "manager")
        saved_views.share_view(admin, shared.id, "manager")
        assert [row["name"] for row in saved_views.view_rows(manager)] == ["Every brand"]
        assert saved_views.view_rows(manager)[0]["own"] is False
        assert [row["name"] for row in saved_views.view_rows(analyst)] == ["Mine"]
        with pytest.raises(saved_views.SavedViewError, match="not one of yours"):
            saved_views.delete_view(manager, shared.id)
        saved_views.share_view(admin, shared.id, None)
        assert saved_views.view_rows(manager) == []
        saved_views.delete_view(admin, shared.id)
        assert saved_views.view_rows(admin) == []


def test_a_shared_view_opens_within_the_openers_brands(app, client, tiny):
    with app.test_request_context():
        admin = user_named("admin")
        view = saved_views.save_view(admin, "Two brands",
                                     "/overview?period=all&brand=HKVitals&brand=MuscleBlaze")
        saved_views.share_view(admin, view.id, "manager")
    tiny.login("manager")
    page = route(client, view.path, "?" + view.query).get_json()["response"]["app-page"][
        "children"]
    # The manager of MuscleBlaze gets MuscleBlaze only: a shared view grants no brand.
    assert find(page, "overview-filter-brands")["props"]["value"] == ["MuscleBlaze"]
    listed = route(client, "/views").get_json()["response"]["app-page"]["children"]
    assert "Two brands" in str(listed) and find(listed, "views-table") is not None
