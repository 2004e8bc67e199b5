"""E-mail to staff, through the council's own SMTP server, one job per message.

Residents get no e-mail: Townhub knows no resident's address. Hub managers and the
council get short notices about their work (a sensor gone silent). Each message is a
job of its own, so a mail server that is down delays it (the job is tried again with
backoff) and never sends one message twice to the others.

SMTP_URL names the server: smtp://user:password@host:587 (STARTTLS, required before
a password goes to any host but this one) or smtps://user:password@host:465 (TLS from
the start). Empty: nothing is sent, and each message is written to the log instead.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, url_for

from townhub.jobs.service import enqueue, handles

log = logging.getLogger(__name__)

SCHEMES = {"smtp": 587, "smtps": 465}
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
TIMEOUT_SECONDS = 20


class MailSettingsError(ValueError):
    """SMTP_URL or MAIL_FROM cannot be used."""


def check_settings(smtp_url: str, mail_from: str) -> None:
    """Raise MailSettingsError with a message a council's IT officer can act on."""
    if not smtp_url:
        return
    parts = urlsplit(smtp_url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise MailSettingsError(
            f"SMTP_URL must look like smtp://user:password@host:587 or "
            f"smtps://user:password@host:465, not {parts.scheme or 'no'} scheme."
        )
    try:
        parts.port  # noqa: B018  (reading it checks it is a number)
    except ValueError:
        raise MailSettingsError("SMTP_URL has a port that is not a number.") from None
    try:
        address = Address(addr_spec=_address_of(mail_from))
    except (ValueError, IndexError):
        address = None
    if address is None or not address.domain or "@" not in mail_from:
        raise MailSettingsError(
            f"MAIL_FROM must be an e-mail address, e.g. 'Townhub <townhub@example.gov.uk>',"
            f" not {mail_from!r}."
        )


def _address_of(mail_from: str) -> str:
    """'Name <a@b>' -> 'a@b'."""
    return mail_from.rsplit("<", 1)[-1].rstrip(">").strip()


def is_on() -> bool:
    return bool(current_app.config["SMTP_URL"])


def link(endpoint: str, **values: Any) -> str:
    """The page's full address on this site (SITE_URL), for a message read elsewhere."""
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)


def queue(to: str, subject: str, body: str) -> None:
    """Send this message from the worker, in the caller's transaction (so it goes only if
    the caller commits)."""
    enqueue("send_mail", {"to": to, "subject": subject, "body": body})


@handles("send_mail")
def send_mail(payload: dict[str, Any]) -> None:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = make_msgid(domain=_address_of(message["From"]).split("@")[-1])
    # Not a conversation: vacation responders and list servers should stay quiet.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(payload["body"])
    smtp_url = current_app.config["SMTP_URL"]
    if not smtp_url:
        log.info(
            "SMTP_URL is not set, so this e-mail was not sent:\nTo: %s\nSubject: %s\n\n%s",
            payload["to"],
            payload["subject"],
            payload["body"],
        )
        return
    _deliver(smtp_url, message)


def _deliver(smtp_url: str, message: EmailMessage) -> None:
    parts = urlsplit(smtp_url)
    host = parts.hostname or ""
    port = parts.port or SCHEMES[parts.scheme]
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if parts.scheme == "smtps":
        server = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    with server:
        server.ehlo()
        secure = parts.scheme == "smtps"
        if not secure and server.has_extn("starttls"):
            server.starttls(context=context)
            server.ehlo()
            secure = True
        if parts.username:
            if not secure and host not in LOOPBACK:
                raise smtplib.SMTPException(
                    f"{host} does not offer STARTTLS: Townhub will not send it the password"
                    " in the clear. Use smtps:// or a server that offers STARTTLS."
                )
            server.login(unquote(parts.username), unquote(parts.password or ""))
        server.send_message(message)
