"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for tests of email.

It can speak plain SMTP, require STARTTLS, or wrap the connection in TLS from the first byte,
with a self-signed certificate for localhost and 127.0.0.1 made on the spot; it can refuse
chosen recipients and ask for a password.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import shutil
import socket
import ssl
import subprocess
from collections.abc import Collection, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

Mode = Literal["plain", "starttls", "tls"]
CERTIFICATE_SUBJECT = "localhost"


@dataclass(frozen=True, slots=True)
class Certificate:
    """A self-signed certificate and its key, as PEM files; the certificate is its own CA."""

    cert_path: Path
    key_path: Path


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the server took it: envelope, parsed message and how it came in."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    over_tls: bool
    logged_in: bool


@dataclass(slots=True)
class CollectingHandler:
    """Accept mail and keep it; refuse some recipients, hang up on others; count connections."""

    refuse: Collection[str] = ()
    hang_up_on: Collection[str] = ()  # close the connection instead of answering their DATA
    received: list[Received] = field(default_factory=list)
    # aiosmtpd makes one SMTP protocol object per TCP connection (it survives STARTTLS).
    _connections: list[SMTP] = field(default_factory=list)

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def handle_EHLO(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        if not any(known is server for known in self._connections):
            self._connections.append(server)
        session.host_name = hostname
        return responses

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        transport = server.transport
        assert transport is not None, "aiosmtpd calls handle_DATA on a live connection"
        if set(envelope.rcpt_tos) & set(self.hang_up_on):
            transport.close()
            return "421 4.3.0 Closing the connection"
        raw = envelope.original_content or b""
        self.received.append(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=message_from_bytes(raw, policy=policy.default),
                over_tls=transport.get_extra_info("ssl_object") is not None,
                logged_in=bool(session.authenticated),
            )
        )
        return "250 Message accepted for delivery"


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """A running server: where it listens and what it has received."""

    host: str
    port: int
    handler: CollectingHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received


@contextmanager
def running_smtp_server(
    *,
    mode: Mode = "plain",
    certificate: Certificate | None = None,
    refuse: Collection[str] = (),
    hang_up_on: Collection[str] = (),
    login: tuple[str, str] | None = None,
) -> Iterator[SmtpServer]:
    """Run a collecting SMTP server on a free port of 127.0.0.1 until the block ends."""
    handler = CollectingHandler(refuse=refuse, hang_up_on=hang_up_on)
    options: dict[str, Any] = {}
    if mode != "plain":
        if certificate is None:
            raise ValueError(f"mode {mode!r} needs a certificate")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate.cert_path, certificate.key_path)
        key = "ssl_context" if mode == "tls" else "tls_context"
        options = {key: context, "require_starttls": mode == "starttls"}
    if login is not None:
        options |= {"authenticator": _password_check(*login), "auth_required": True}
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=controller.port, handler=handler)
    finally:
        controller.stop()


def _password_check(username: str, password: str) -> Any:
    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        given = auth_data if isinstance(auth_data, LoginPassword) else None
        ok = given is not None and given == (username.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    return check


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def can_make_certificate() -> bool:
    """Tell whether the cryptography package or the openssl program is here to make one."""
    return importlib.util.find_spec("cryptography") is not None or bool(shutil.which("openssl"))


def make_certificate(directory: Path) -> Certificate:
    """Make a self-signed certificate for localhost and 127.0.0.1 valid for a day."""
    cert = Certificate(cert_path=directory / "cert.pem", key_path=directory / "key.pem")
    if importlib.util.find_spec("cryptography") is not None:
        _make_with_cryptography(cert)
    else:
        _make_with_openssl(cert)
    return cert


def _make_with_openssl(cert: Certificate) -> None:
    command = [
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "1", "-subj", f"/CN={CERTIFICATE_SUBJECT}",
        "-addext", f"subjectAltName=DNS:{CERTIFICATE_SUBJECT},IP:127.0.0.1",
        "-keyout", str(cert.key_path), "-out", str(cert.cert_path),
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, check=True)


def _make_with_cryptography(cert: Certificate) -> None:
    # Imported here: cryptography is optional, the openssl program stands in when it is absent.
    from cryptography import x509  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERTIFICATE_SUBJECT)])
    now = datetime.now(UTC)
    alt_names = [
        x509.DNSName(CERTIFICATE_SUBJECT),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert.cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    cert.key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
