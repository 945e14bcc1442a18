"""E-mail delivery: through the SMTP server in SMTP_URL, or into instance/outbox/ without one."""
import os
import smtplib
import ssl
import tempfile
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class MailError(RuntimeError):
    """A message could not be handed over; the text says why, for the admin and the user."""


def new_message(to, subject, text, sender=None, message_id=None):
    """A plain-text message with the headers every delivery needs. A fixed `message_id`
    lets a mail server or client see that two copies are the same message."""
    message = EmailMessage()
    message["From"] = sender or current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or make_msgid(domain="influencer-roi")
    message.set_content(text)
    return message


def attach(message, filename, data, mimetype):
    """Add a file (bytes) to `message`, e.g. a report's PDF ("application/pdf") or CSV."""
    maintype, _slash, subtype = mimetype.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)


def send(message):
    """Hand `message` to SMTP_URL's server, or write it to the outbox when none is set.

    Returns where it went (the server, or the outbox file) for the delivery record."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        return _write_to_outbox(message)
    return _send_smtp(message, url)


def outbox_dir():
    return os.path.join(current_app.instance_path, "outbox")


def _write_to_outbox(message):
    folder = outbox_dir()
    os.makedirs(folder, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(folder, f"{stamp}-{uuid.uuid4().hex[:8]}.eml")
    # Written beside and renamed, so a reader never sees half a message.
    handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(message.as_bytes())
    os.replace(partial, path)
    return path


def _send_smtp(message, url):
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise MailError(f"SMTP_URL must look like smtp://host:port or smtps://user:pass@host, "
                        f"not {parts.scheme or 'no scheme'}://…")
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    timeout = current_app.config["SMTP_TIMEOUT_S"]
    context = ssl.create_default_context(cafile=current_app.config.get("SMTP_CA_FILE"))
    try:
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(parts.hostname, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(parts.hostname, port, timeout=timeout)
        with client:
            client.ehlo()
            # A plain relay is used as is; when the server offers STARTTLS it is always taken,
            # so a password never crosses the network in the clear.
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"The mail server at {parts.hostname}:{port} did not take the message: "
                        f"{error}") from error
    return f"{parts.scheme}://{parts.hostname}:{port}"
