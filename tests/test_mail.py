"""E-mail delivery through a real SMTP server started in this process, and the outbox."""
import email
from email import policy

import pytest

from dashboard.reports import mail
from tests.helpers import free_port, make_test_app, start_smtp_server


def _message(app, to="manager@example.com"):
    with app.app_context():
        return mail.new_message(to, "Weekly overview", "Revenue ₹1,234.50 this week.")


def test_a_message_reaches_a_plain_relay(sqlite_app, smtp_server):
    sqlite_app.config["SMTP_URL"] = smtp_server.url
    with sqlite_app.app_context():
        where = mail.send(_message(sqlite_app))
    assert where == smtp_server.url
    [received] = smtp_server.handler.messages
    assert received["To"] == "manager@example.com"
    assert received["Subject"] == "Weekly overview"
    assert "₹1,234.50" in received.get_content()


def test_without_smtp_the_message_is_written_to_the_outbox(sqlite_app):
    with sqlite_app.app_context():
        path = mail.send(_message(sqlite_app))
        assert path.startswith(mail.outbox_dir())
    with open(path, "rb") as file:
        written = email.message_from_binary_file(file, policy=policy.default)
    assert written["Subject"] == "Weekly overview"
    assert "₹1,234.50" in written.get_content()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_login_url_logs_in(sqlite_url, tmp_path):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    controller, handler = start_smtp_server(
        authenticator=authenticator, auth_require_tls=False, auth_required=True)
    try:
        app = make_test_app(sqlite_url, tmp_path,
                            SMTP_URL=f"smtp://reports%40example.com:s3cret@127.0.0.1:"
                                     f"{controller.port}")
        with app.app_context():
            mail.send(_message(app))
        assert logins == [(b"reports@example.com", b"s3cret")]
        assert len(handler.messages) == 1

        app.config["SMTP_URL"] = f"smtp://reports:wrong@127.0.0.1:{controller.port}"
        with app.app_context(), pytest.raises(mail.MailError, match="did not take the message"):
            mail.send(_message(app))
        assert len(handler.messages) == 1
    finally:
        controller.stop()


def test_a_server_that_does_not_answer_is_a_mail_error_naming_it(sqlite_app):
    port = free_port()
    sqlite_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    with sqlite_app.app_context(), pytest.raises(mail.MailError, match=f"127.0.0.1:{port}"):
        mail.send(_message(sqlite_app))


def test_a_url_that_is_not_smtp_says_what_it_should_look_like(sqlite_app):
    sqlite_app.config["SMTP_URL"] = "http://mail.example.com"
    with sqlite_app.app_context(), pytest.raises(mail.MailError, match="smtp://host:port"):
        mail.send(_message(sqlite_app))
