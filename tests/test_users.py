"""User contact details: e-mail address and time zone, from the CLI and the use case."""
import pytest

from dashboard import users


def test_create_with_email_and_timezone_then_change_them(app, runner):
    result = runner.invoke(args=["users", "create", "mira", "--role", "manager",
                                 "--brand", "Gritzo", "--password-stdin",
                                 "--email", "mira@example.com", "--timezone", "Asia/Kolkata"],
                           input="a-long-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = users.get_user("mira")
        assert (user.email, user.timezone) == ("mira@example.com", "Asia/Kolkata")

    result = runner.invoke(args=["users", "contact", "mira", "--email", "m@example.org"])
    assert result.exit_code == 0, result.output
    assert "time zone the server's" in result.output
    with app.app_context():
        user = users.get_user("mira")
        assert (user.email, user.timezone) == ("m@example.org", None)
    listing = runner.invoke(args=["users", "list"])
    assert "mira\tmanager\tGritzo\tactive\tm@example.org" in listing.output


@pytest.mark.parametrize("email, message", [
    ("mira.example.com", "needs one @"),
    ("mira@localhost", "needs one @"),
    ("a b@example.com", "needs one @"),
    ("x" * 320 + "@example.com", "at most 320"),
])
def test_a_bad_email_is_refused_and_nothing_changes(app, runner, email, message):
    result = runner.invoke(args=["users", "create", "mira", "--role", "analyst",
                                 "--password-stdin", "--email", email],
                           input="a-long-password\n")
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert users.get_user("mira") is None


def test_a_bad_timezone_suggests_close_names(app):
    with app.app_context():
        users.create_user("mira", "a-long-password", "analyst")
        with pytest.raises(users.UserError, match="Did you mean .*Asia/Kolkata"):
            users.set_contact("mira", "mira@example.com", "kolkata")
        assert users.get_user("mira").email is None
