"""Email over SMTP, checked against a real local SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ofacare.errors import InvalidInput
from ofacare.interop.mail import (
    CONNECTION_LOST,
    MailError,
    MailSettings,
    OutgoingMail,
    build_message_id,
    send_mail,
)
from tests.smtp_server import (
    Certificate,
    SmtpServer,
    can_make_certificate,
    free_port,
    make_certificate,
    running_smtp_server,
)

SENDER = "reminders@ofacare.example"
NOW = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)


def plain(server: SmtpServer) -> MailSettings:
    return MailSettings(host=server.host, port=server.port, sender=SENDER, security="none")


def reminder(to: str = "ana@example.org", **changes: str) -> OutgoingMail:
    mail = OutgoingMail(
        to=to, subject="Your Kesimpta pen is due tomorrow", text="Take the pen out of the fridge."
    )
    return replace(mail, **changes)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    if not can_make_certificate():
        pytest.skip("neither the cryptography package nor openssl is here to make a certificate")
    return make_certificate(tmp_path_factory.mktemp("tls"))


def test_a_message_arrives_with_its_sender_recipient_subject_body_and_message_id(smtp_server):
    mail = reminder(message_id="<dose-3@ofacare.example>")
    results = send_mail(plain(smtp_server), [mail], now=NOW)
    [received] = smtp_server.received
    assert (received.mail_from, received.rcpt_tos) == (SENDER, ("ana@example.org",))
    message = received.message
    assert (message["From"], message["To"]) == (SENDER, "ana@example.org")
    assert message["Subject"] == "Your Kesimpta pen is due tomorrow"
    assert message["Message-ID"] == "<dose-3@ofacare.example>"
    assert message["Date"] == "Mon, 02 Mar 2026 18:30:00 +0000"
    assert message.get_content().strip() == "Take the pen out of the fridge."
    assert [(r.to, r.accepted, r.message_id) for r in results] == [
        ("ana@example.org", True, "<dose-3@ofacare.example>")
    ]


def test_a_message_without_an_id_gets_one_in_the_senders_domain(smtp_server):
    [result] = send_mail(plain(smtp_server), [reminder()], now=NOW)
    [received] = smtp_server.received
    assert received.message["Message-ID"] == result.message_id
    assert result.message_id.endswith("@ofacare.example>")


def test_an_html_body_travels_as_an_alternative_to_the_text(smtp_server):
    send_mail(plain(smtp_server), [reminder(html="<p>Take the pen out of the fridge.</p>")])
    message = smtp_server.received[0].message
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content().strip() for part in message.iter_parts()}
    assert parts == {
        "text/plain": "Take the pen out of the fridge.",
        "text/html": "<p>Take the pen out of the fridge.</p>",
    }


def test_a_batch_goes_over_one_connection(smtp_server):
    batch = [reminder(f"patient{n}@example.org") for n in range(3)]
    results = send_mail(plain(smtp_server), batch)
    assert [r.accepted for r in results] == [True, True, True]
    assert [r.rcpt_tos for r in smtp_server.received] == [(m.to,) for m in batch]
    assert smtp_server.handler.connection_count == 1


def test_two_batches_use_two_connections(smtp_server):
    send_mail(plain(smtp_server), [reminder()])
    send_mail(plain(smtp_server), [reminder()])
    assert smtp_server.handler.connection_count == 2


def test_a_refused_recipient_is_a_result_and_the_rest_of_the_batch_still_goes_out():
    with running_smtp_server(refuse={"moved@example.org"}) as server:
        batch = [
            reminder("ana@example.org"),
            reminder("moved@example.org"),
            reminder("bo@example.org"),
        ]
        results = send_mail(plain(server), batch)
    assert [(r.to, r.accepted, r.reply_code) for r in results] == [
        ("ana@example.org", True, None),
        ("moved@example.org", False, 550),
        ("bo@example.org", True, None),
    ]
    assert "No such mailbox" in results[1].reply
    assert [r.rcpt_tos for r in server.received] == [("ana@example.org",), ("bo@example.org",)]


def test_a_connection_lost_mid_batch_marks_that_message_and_the_rest_as_not_accepted():
    with running_smtp_server(hang_up_on={"bo@example.org"}) as server:
        batch = [
            reminder("ana@example.org"),
            reminder("bo@example.org"),
            reminder("cy@example.org"),
        ]
        results = send_mail(plain(server), batch)
    assert [(r.to, r.accepted, r.reply) for r in results] == [
        ("ana@example.org", True, ""),
        ("bo@example.org", False, CONNECTION_LOST),
        ("cy@example.org", False, CONNECTION_LOST),
    ]
    assert [r.rcpt_tos for r in server.received] == [("ana@example.org",)]


def test_an_unreachable_port_raises_a_mail_error_naming_host_and_port():
    port = free_port()
    settings = MailSettings(host="127.0.0.1", port=port, sender=SENDER, security="none")
    with pytest.raises(MailError) as raised:
        send_mail(settings, [reminder()])
    assert raised.value.code == "mail.unreachable"
    assert f"host '127.0.0.1' port {port}" in raised.value.message


def test_an_empty_batch_connects_to_nothing():
    settings = MailSettings(host="127.0.0.1", port=free_port(), sender=SENDER, security="none")
    assert send_mail(settings, []) == []


def test_starttls_secures_the_connection_before_the_message_goes(certificate):
    with running_smtp_server(mode="starttls", certificate=certificate) as server:
        settings = MailSettings(
            host="localhost", port=server.port, sender=SENDER, ca_file=str(certificate.cert_path)
        )
        [result] = send_mail(settings, [reminder()])
    assert result.accepted
    assert [r.over_tls for r in server.received] == [True]


def test_plain_sending_to_a_server_that_requires_starttls_is_refused(certificate):
    with running_smtp_server(mode="starttls", certificate=certificate) as server:
        [result] = send_mail(plain(server), [reminder()])
    assert (result.accepted, result.reply_code) == (False, 530)
    assert server.received == []


def test_starttls_asked_of_a_server_without_it_raises_instead_of_sending_in_plain(smtp_server):
    settings = replace(plain(smtp_server), security="starttls")
    with pytest.raises(MailError) as raised:
        send_mail(settings, [reminder()])
    assert raised.value.code == "mail.starttls-unavailable"
    assert smtp_server.received == []


def test_a_certificate_nobody_trusts_stops_the_batch(certificate):
    with running_smtp_server(mode="starttls", certificate=certificate) as server:
        settings = MailSettings(host="localhost", port=server.port, sender=SENDER)
        with pytest.raises(MailError) as raised:
            send_mail(settings, [reminder()])
    assert raised.value.code == "mail.tls-failed"
    assert "certificate" in raised.value.message
    assert server.received == []


def test_tls_from_the_first_byte_delivers_over_tls(certificate):
    with running_smtp_server(mode="tls", certificate=certificate) as server:
        settings = MailSettings(
            host="127.0.0.1",
            port=server.port,
            sender=SENDER,
            security="tls",
            ca_file=str(certificate.cert_path),
        )
        [result] = send_mail(settings, [reminder()])
    assert result.accepted
    assert [r.over_tls for r in server.received] == [True]


def login_settings(server: SmtpServer, certificate: Certificate, password: str) -> MailSettings:
    return MailSettings(
        host="localhost",
        port=server.port,
        sender=SENDER,
        username="nurse",
        password=password,
        ca_file=str(certificate.cert_path),
    )


def test_the_login_happens_over_starttls_and_then_mail_is_accepted(certificate):
    with running_smtp_server(
        mode="starttls", certificate=certificate, login=("nurse", "s3cret")
    ) as server:
        [result] = send_mail(login_settings(server, certificate, "s3cret"), [reminder()])
    assert result.accepted
    assert [(r.over_tls, r.logged_in) for r in server.received] == [(True, True)]


def test_a_refused_login_raises_naming_the_username_but_not_the_password(certificate):
    with (
        running_smtp_server(
            mode="starttls", certificate=certificate, login=("nurse", "s3cret")
        ) as server,
        pytest.raises(MailError) as raised,
    ):
        send_mail(login_settings(server, certificate, "wrong-pass"), [reminder()])
    assert raised.value.code == "mail.login-refused"
    assert "'nurse'" in raised.value.message
    assert "wrong-pass" not in str(raised.value)
    assert server.received == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Pen due\r\nBcc: everyone@example.org"),
        ("subject", "Pen due\nBcc: everyone@example.org"),
        ("to", "ana@example.org\r\nBcc: everyone@example.org"),
        ("to", "ana@example.org\n"),
    ],
)
def test_a_line_break_in_a_header_field_is_refused_naming_the_field(field, value):
    with pytest.raises(InvalidInput) as raised:
        reminder(**{field: value})
    assert raised.value.code == "mail.invalid-header"
    assert raised.value.message.startswith(f"Mail {field} {value!r}")


def test_a_line_break_in_the_sender_is_refused_naming_the_sender():
    with pytest.raises(InvalidInput) as raised:
        MailSettings(host="localhost", port=25, sender="a@ofacare.example\r\nBcc: x@y.org")
    assert raised.value.code == "mail.invalid-header"
    assert "sender" in raised.value.message


def test_line_breaks_in_the_body_are_just_paragraphs(smtp_server):
    send_mail(plain(smtp_server), [reminder(text="Line one.\r\nBcc: nobody@example.org\n")])
    [received] = smtp_server.received
    assert received.rcpt_tos == ("ana@example.org",)
    assert received.message["Bcc"] is None


@pytest.mark.parametrize(
    "address",
    [
        "ana",
        "ana@localhost",
        "Ana <ana@example.org>",
        "ana@example.org, bo@example.org",
        "a b@example.org",
    ],
)
def test_anything_but_one_bare_address_is_refused(address):
    with pytest.raises(InvalidInput) as raised:
        reminder(to=address)
    assert raised.value.code == "mail.invalid-address"


@pytest.mark.parametrize("address", ["ana@example.org", "first.last+pens@mail.example.co.uk"])
def test_a_bare_address_is_accepted(address):
    assert reminder(to=address).to == address


def test_a_message_id_must_look_like_one():
    assert reminder(message_id="<a1@ofacare.example>").message_id == "<a1@ofacare.example>"
    with pytest.raises(InvalidInput, match=r"message_id 'a1@ofacare\.example'"):
        reminder(message_id="a1@ofacare.example")


def test_the_same_key_builds_the_same_message_id_so_a_retry_is_recognisable():
    first = build_message_id("reminder:patient-7:dose-3", domain="ofacare.example")
    again = build_message_id("reminder:patient-7:dose-3", domain="ofacare.example")
    other = build_message_id("reminder:patient-7:dose-4", domain="ofacare.example")
    assert first == again != other
    assert reminder(message_id=first).message_id == first


@pytest.mark.parametrize(("port", "valid"), [(0, False), (1, True), (65535, True), (65536, False)])
def test_the_port_must_be_a_tcp_port(port, valid):
    if valid:
        assert MailSettings(host="localhost", port=port, sender=SENDER).port == port
    else:
        with pytest.raises(InvalidInput, match=f"port {port}"):
            MailSettings(host="localhost", port=port, sender=SENDER)


def test_a_username_without_a_password_is_refused():
    with pytest.raises(InvalidInput, match="username 'nurse' needs a password"):
        MailSettings(host="localhost", port=587, sender=SENDER, username="nurse")


def test_a_login_is_never_sent_without_encryption():
    with pytest.raises(InvalidInput, match="unencrypted"):
        MailSettings(
            host="localhost", port=25, sender=SENDER, security="none", username="n", password="p"
        )


def test_the_password_stays_out_of_the_settings_repr():
    settings = MailSettings(
        host="localhost", port=587, sender=SENDER, username="n", password="p4ss"
    )
    assert "p4ss" not in repr(settings)


def test_an_unknown_security_mode_is_refused():
    with pytest.raises(InvalidInput, match="security 'ssl'"):
        MailSettings(host="localhost", port=465, sender=SENDER, security="ssl")  # type: ignore[arg-type]


def test_a_naive_send_time_is_refused_before_connecting():
    settings = MailSettings(host="127.0.0.1", port=free_port(), sender=SENDER, security="none")
    with pytest.raises(InvalidInput, match="has no timezone"):
        send_mail(settings, [reminder()], now=datetime(2026, 3, 2, 18, 30))


def test_certificates_are_written_as_pem_files(tmp_path: Path):
    if not can_make_certificate():
        pytest.skip("neither the cryptography package nor openssl is here to make a certificate")
    made = make_certificate(tmp_path)
    assert made.cert_path.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY-----" in made.key_path.read_text()
