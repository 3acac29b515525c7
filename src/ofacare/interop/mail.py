"""Send email over SMTP: one connection per batch, refusals reported per message.

A batch (say, tonight's dose reminders) goes over a single connection. A recipient the server
refuses is a result, not an exception, so the rest of the batch still goes out; only failing to
reach, secure or log in to the server raises `MailError`. Each message carries a Message-ID; a
caller that derives it from a stable key with `build_message_id` sends the same id when it
retries, so a receiver can tell a retry from a second message.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal

from ofacare.errors import InvalidInput, OfacareError

Security = Literal["none", "starttls", "tls"]
SECURITY_MODES: tuple[Security, ...] = ("none", "starttls", "tls")
LINE_BREAKS = re.compile(r"[\r\n]")
# Deliberately narrow: one bare ASCII address, no display name, spaces, quotes or brackets, which
# shuts out every way of smuggling a second header or recipient in through an address.
ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
MESSAGE_ID = re.compile(r"<[^\s<>@]+@[^\s<>@]+>")
CONNECTION_LOST = "the connection to the mail server was lost before this message was accepted"


class MailError(OfacareError):
    """The mail server could not be reached, secured or logged in to; nothing was sent."""


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where and how to hand mail over: server, transport security, login and sender."""

    host: str
    port: int
    sender: str
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0
    ca_file: str | None = None  # PEM bundle to trust instead of the system's, e.g. a private relay

    def __post_init__(self) -> None:
        if not self.host or LINE_BREAKS.search(self.host):
            raise InvalidInput(
                "mail.invalid-settings",
                f"Mail host {self.host!r} is not a host name.",
                "Give the SMTP server's host name or IP address.",
            )
        if not 0 < self.port < 65536:
            raise InvalidInput(
                "mail.invalid-settings",
                f"Mail port {self.port!r} is outside 1-65535.",
                "Use 587 for STARTTLS, 465 for TLS, or the port your relay listens on.",
            )
        if self.security not in SECURITY_MODES:
            raise InvalidInput(
                "mail.invalid-settings",
                f"Mail security {self.security!r} is not one of {', '.join(SECURITY_MODES)}.",
                "Choose starttls or tls unless the server is on this machine.",
            )
        _check_address("sender", self.sender)
        self._check_login()
        if not self.timeout_seconds > 0:
            raise InvalidInput(
                "mail.invalid-settings",
                f"Mail timeout_seconds {self.timeout_seconds!r} is not a positive number.",
                "Give how many seconds to wait for the server, e.g. 30.",
            )

    def _check_login(self) -> None:
        if (self.username is None) != (self.password is None):
            raise InvalidInput(
                "mail.invalid-settings",
                f"Mail username {self.username!r} needs a password, and a password a username.",
                "Set both or neither.",
            )
        if self.username is not None and self.security == "none":
            raise InvalidInput(
                "mail.invalid-settings",
                f"Mail username {self.username!r} would travel unencrypted with security 'none'.",
                "Use security starttls or tls when the server asks for a login.",
            )


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message to one recipient: a plain-text body and optionally an HTML one beside it."""

    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None  # "<id@domain>"; give a stable one to make retries idempotent

    def __post_init__(self) -> None:
        _check_address("to", self.to)
        if LINE_BREAKS.search(self.subject):
            raise InvalidInput(
                "mail.invalid-header",
                f"Mail subject {self.subject!r} contains a line break.",
                "Write the subject on one line.",
            )
        if self.message_id is not None and not MESSAGE_ID.fullmatch(self.message_id):
            raise InvalidInput(
                "mail.invalid-header",
                f"Mail message_id {self.message_id!r} is not of the form <id@domain>.",
                "Use build_message_id, or leave it empty to have one made.",
            )


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one message: accepted by the server, or refused with the server's reply."""

    to: str
    message_id: str
    accepted: bool
    reply_code: int | None = None
    reply: str = ""


def build_message_id(key: str, *, domain: str) -> str:
    """Build a Message-ID that is the same every time for the same key and domain.

    >>> build_message_id("reminder:patient-7:dose-3", domain="ofacare.example")
    '<97bfb248ed29b0e91c9287db6f6f10d0@ofacare.example>'
    """
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def send_mail(
    settings: MailSettings, messages: Sequence[OutgoingMail], *, now: datetime | None = None
) -> list[SendResult]:
    """Send the messages over one connection; return one result per message, in order.

    Raises MailError when the server cannot be reached, does not offer STARTTLS when asked to,
    fails the certificate check or refuses the login. A refused message is a result; if the
    connection drops mid-batch, the rest are results with `CONNECTION_LOST` as their reply.
    """
    if now is not None and now.utcoffset() is None:
        raise InvalidInput(
            "mail.invalid-date",
            f"Mail now {now.isoformat()!r} has no timezone.",
            "Pass an aware datetime, e.g. datetime.now(UTC).",
        )
    if not messages:
        return []
    dated = format_datetime(now or datetime.now(UTC))
    built = [_build(settings, mail, dated=dated) for mail in messages]
    results: list[SendResult] = []
    with _session(settings) as connection:
        for mail, message in zip(messages, built, strict=True):
            lost = bool(results) and results[-1].reply == CONNECTION_LOST
            results.append(
                _lost(mail, message) if lost else _send_one(connection, settings, mail, message)
            )
    return results


def _build(settings: MailSettings, mail: OutgoingMail, *, dated: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = dated
    message["Message-ID"] = mail.message_id or make_msgid(domain=_domain_of(settings.sender))
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


def _send_one(
    connection: smtplib.SMTP, settings: MailSettings, mail: OutgoingMail, message: EmailMessage
) -> SendResult:
    message_id = str(message["Message-ID"])
    try:
        connection.send_message(message, from_addr=settings.sender, to_addrs=[mail.to])
    except smtplib.SMTPRecipientsRefused as refused:
        code, reply = refused.recipients.get(mail.to, (None, b""))
        return _refused(mail, message_id, code, reply)
    except smtplib.SMTPResponseException as refused:
        return _refused(mail, message_id, refused.smtp_code, refused.smtp_error)
    except (smtplib.SMTPServerDisconnected, OSError):
        return _lost(mail, message)
    return SendResult(to=mail.to, message_id=message_id, accepted=True)


def _refused(
    mail: OutgoingMail, message_id: str, code: int | None, reply: bytes | str
) -> SendResult:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return SendResult(
        to=mail.to, message_id=message_id, accepted=False, reply_code=code, reply=text
    )


def _lost(mail: OutgoingMail, message: EmailMessage) -> SendResult:
    return SendResult(
        to=mail.to, message_id=str(message["Message-ID"]), accepted=False, reply=CONNECTION_LOST
    )


@contextmanager
def _session(settings: MailSettings) -> Iterator[smtplib.SMTP]:
    """Hold one ready connection for a batch and close it however the batch ends."""
    connection = _connect(settings)
    try:
        yield connection
    finally:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _connect(settings: MailSettings) -> smtplib.SMTP:
    """Open a connection ready to send, or raise MailError saying which step failed."""
    context = ssl.create_default_context(cafile=settings.ca_file)
    where = f"host {settings.host!r} port {settings.port}"
    try:
        connection = _dial(settings, context)
        try:
            _secure_and_login(connection, settings, context, where=where)
        except BaseException:
            connection.close()
            raise
    except ssl.SSLError as error:
        raise MailError(
            "mail.tls-failed",
            f"Could not set up TLS with the mail server at {where}: {_reason(error)}.",
            "Check the mail security setting (starttls or tls) and that the server's "
            "certificate is trusted (ca_file).",
        ) from error
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(
            "mail.unreachable",
            f"Could not reach the mail server at {where}: {_reason(error)}.",
            "Check the mail host, port and security settings and that the server is running.",
        ) from error
    return connection


def _dial(settings: MailSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    if settings.security == "tls":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_seconds, context=context
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)


def _secure_and_login(
    connection: smtplib.SMTP, settings: MailSettings, context: ssl.SSLContext, *, where: str
) -> None:
    connection.ehlo()
    if settings.security == "starttls":
        if not connection.has_extn("starttls"):
            # Never fall back to plain text: that is exactly what a downgrade attack looks like.
            raise MailError(
                "mail.starttls-unavailable",
                f"The mail server at {where} does not offer STARTTLS.",
                "Use security tls if the server speaks TLS from the start, or fix the server.",
            )
        connection.starttls(context=context)
        connection.ehlo()
    if settings.username is not None and settings.password is not None:
        try:
            connection.login(settings.username, settings.password)
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(
                "mail.login-refused",
                f"The mail server at {where} refused the login of username "
                f"{settings.username!r}: {_reason(error)}.",
                "Check the mail username and password.",
            ) from error


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"{error.smtp_code} {text}"
    return str(error) or type(error).__name__


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def _check_address(field_name: str, value: str) -> None:
    if LINE_BREAKS.search(value):
        raise InvalidInput(
            "mail.invalid-header",
            f"Mail {field_name} {value!r} contains a line break.",
            "Give one email address on one line.",
        )
    if not ADDRESS.fullmatch(value):
        raise InvalidInput(
            "mail.invalid-address",
            f"Mail {field_name} {value!r} is not an email address like name@example.org.",
            "Give one bare address, without a display name or angle brackets.",
        )
