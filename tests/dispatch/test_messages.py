"""Customer messages: bilingual templates, queuing on publish and `on my way`, delivery through senders."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.lifecycle import change_status
from dispatch.messages import (
    Delivery,
    LogSender,
    NotConfigured,
    SmsPayload,
    SmsSender,
    WeChatTemplate,
    WeChatTemplatePayload,
    WeChatTemplateSender,
    choose_channel,
    deliver_pending,
    queue_confirmation,
    queue_delay,
    queue_on_the_way,
    senders_from_settings,
)
from dispatch.models import (
    Channel,
    Customer,
    CustomerPhone,
    DayPlan,
    Job,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    PlanRoute,
    PlanStop,
    PlanVersion,
    Technician,
    Visit,
)
from dispatch.plans import day_revision, publish
from dispatch.records import arrive, dispatch_visit, set_off
from tests.helpers import add_job, add_technician, at

DAY = date(2026, 7, 6)  # a Monday


def _messages(session: Session, kind: MessageKind | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind.value)
    return list(session.scalars(query))


def _draft(session: Session, tech: Technician, arrivals: dict[Job, datetime]) -> PlanVersion:
    """A draft version of DAY with one route visiting `arrivals` in order, one hour each."""
    if session.get(DayPlan, DAY) is None:
        session.add(DayPlan(day=DAY, revision=0))
    number = len(session.scalars(select(PlanVersion.id).where(PlanVersion.day == DAY)).all()) + 1
    stops = [
        PlanStop(position=i, job=job, arrival=a, start=a, end=a + timedelta(hours=1))
        for i, (job, a) in enumerate(arrivals.items())
    ]
    route = PlanRoute(technician_id=tech.id, depart=at("2026-07-06 08:00"), back=at("2026-07-06 18:00"), stops=stops)
    version = PlanVersion(day=DAY, number=number, status="draft", created_at=at("2026-07-06 07:00"), routes=[route])
    session.add(version)
    session.flush()
    return version


def _dispatch_visit(job: Job, tech: Technician, when: datetime, planned_arrival: datetime | None = None) -> Visit:
    """Plan the job and send the technician, by hand rather than through a published plan."""
    change_status(job, "planned", when)
    return dispatch_visit(job, tech, when, planned_arrival)


def _publish(session: Session, tech: Technician, arrivals: dict[Job, datetime], settings: Settings) -> None:
    version = _draft(session, tech, arrivals)
    publish(session, version.id, day_revision(session, DAY), at("2026-07-06 07:30"), settings)


@pytest.fixture
def day(sessions: sessionmaker[Session]) -> Iterator[tuple[Session, Technician, Job, Job]]:
    """One technician (卢娟, 13800000001, Tianhe depot) and two new Tianhe repair jobs, J1 and J2."""
    with sessions.begin() as session:
        tech = add_technician(session)
        jobs = add_job(session, "J1"), add_job(session, "J2")
        session.flush()
        yield session, tech, *jobs


EXPECTED = {
    ("zh_Hans", MessageKind.CONFIRMATION): [
        "上门服务预约确认（工单 J1）",
        "曹先生，您好！您的空调维修服务（工单 J1）已预约在7月6日（周一） 10:30左右上门",
        "技师卢娟（电话 13800000001）",
    ],
    ("zh_Hans", MessageKind.ON_THE_WAY): ["技师卢娟（电话 13800000001）已出发", "预计10:30左右到达"],
    ("zh_Hans", MessageKind.DELAY): ["原定09:45，现预计7月6日（周一） 10:30左右到达"],
    ("en", MessageKind.CONFIRMATION): [
        "Your appointment is confirmed (job J1)",
        "Dear 曹先生, your air conditioner (repair, job J1) is booked for Mon 6 Jul at about 10:30",
        "technician 卢娟 (phone 13800000001) will visit",
    ],
    ("en", MessageKind.ON_THE_WAY): ["technician 卢娟 (phone 13800000001) is on the way", "at about 10:30"],
    ("en", MessageKind.DELAY): ["has moved from 09:45 to about 10:30 on Mon 6 Jul"],
}


@pytest.mark.parametrize(("language", "kind"), list(EXPECTED))
def test_templates_render_the_job_in_both_languages(
    day: tuple[Session, Technician, Job, Job], settings: Settings, language: str, kind: MessageKind
) -> None:
    """Each kind of message names the customer, job, product, technician and the local time."""
    session, tech, job, _ = day
    settings = replace(settings, message_language=language)
    arrival = datetime.fromisoformat("2026-07-06T02:30:00+00:00")  # 10:30 in Shanghai
    visit = _dispatch_visit(job, tech, at("2026-07-06 07:30"), planned_arrival=arrival)
    queue = {
        MessageKind.CONFIRMATION: lambda: queue_confirmation(session, job, visit, at("2026-07-06 07:30"), settings),
        MessageKind.ON_THE_WAY: lambda: queue_on_the_way(session, job, arrival, at("2026-07-06 10:00"), settings),
        MessageKind.DELAY: lambda: queue_delay(
            session, job, at("2026-07-06 09:45"), arrival, at("2026-07-06 09:00"), settings
        ),
    }
    message = queue[kind]()
    assert message is not None and message.language == language and message.kind == kind.value
    for text in EXPECTED[language, kind]:
        assert text in f"{message.subject}\n{message.body}"
    assert message.params["time"] == "10:30"


def test_publish_confirms_each_newly_dispatched_job_once(
    day: tuple[Session, Technician, Job, Job], settings: Settings
) -> None:
    """The first publish confirms both jobs; publishing the same times again sends nothing new."""
    session, tech, j1, j2 = day
    arrivals = {j1: at("2026-07-06 09:00"), j2: at("2026-07-06 10:30")}
    _publish(session, tech, arrivals, settings)
    confirmations = _messages(session, MessageKind.CONFIRMATION)
    assert [(m.job_id, m.params["time"]) for m in confirmations] == [(j1.id, "09:00"), (j2.id, "10:30")]
    assert all(m.channel == Channel.LOG.value and m.recipient == "13912345678" for m in confirmations)
    assert all("技师卢娟" in m.body and m.status == MessageStatus.PENDING.value for m in confirmations)
    _publish(session, tech, arrivals, settings)
    assert len(_messages(session)) == 2


@pytest.mark.parametrize(
    ("moved_min", "threshold_min", "notices"),
    [(45, 30, 1), (-45, 30, 1), (20, 30, 0), (30, 30, 0), (20, 10, 1)],
)
def test_replan_moving_an_arrival_beyond_the_threshold_sends_a_notice(
    day: tuple[Session, Technician, Job, Job], settings: Settings, moved_min: int, threshold_min: int, notices: int
) -> None:
    """A re-publish that moves J1 by more than `delay_notice_minutes` (either way) queues a notice."""
    session, tech, j1, j2 = day
    settings = replace(settings, delay_notice_minutes=threshold_min)
    _publish(session, tech, {j1: at("2026-07-06 10:00"), j2: at("2026-07-06 11:30")}, settings)
    moved = at("2026-07-06 10:00") + timedelta(minutes=moved_min)
    _publish(session, tech, {j1: moved, j2: at("2026-07-06 11:30")}, settings)
    delays = _messages(session, MessageKind.DELAY)
    assert [m.job_id for m in delays] == [j1.id] * notices
    if notices:
        assert f"原定10:00，现预计7月6日（周一） {moved:%H:%M}左右到达" in delays[0].body


def test_small_moves_add_up_against_the_time_the_customer_was_told(
    day: tuple[Session, Technician, Job, Job], settings: Settings
) -> None:
    """10:00 told, then 10:20 (no notice), then 10:40: 40 minutes from what the customer knows."""
    session, tech, j1, _ = day
    for told in ("10:00", "10:20", "10:40"):
        _publish(session, tech, {j1: at(f"2026-07-06 {told}")}, settings)
    (delay,) = _messages(session, MessageKind.DELAY)
    assert (delay.params["old_time"], delay.params["time"]) == ("10:00", "10:40")


@pytest.mark.parametrize(
    ("where", "eta"),
    [
        ("depot", "10:05"),  # 2.8 km of road from the Tianhe depot at 28 km/h: 358 s
        ("last customer", "10:00"),  # J2's customer lives at the same spot as J1's
        ("unknown", "10:40"),  # no coordinates: the planned arrival
    ],
)
def test_set_off_queues_on_the_way_with_an_eta(
    day: tuple[Session, Technician, Job, Job], settings: Settings, where: str, eta: str
) -> None:
    """`on my way` at 10:00 tells the customer when the technician drives up."""
    session, tech, j1, j2 = day
    if where == "last customer":
        _dispatch_visit(j2, tech, at("2026-07-06 08:00"))
        set_off(j2, at("2026-07-06 08:30"), settings)
        arrive(j2, at("2026-07-06 09:00"))
    if where == "unknown":
        j1.customer.lat = j1.customer.lon = None
    _dispatch_visit(j1, tech, at("2026-07-06 08:00"), planned_arrival=at("2026-07-06 10:40"))
    set_off(j1, at("2026-07-06 10:00"), settings)
    message = _messages(session, MessageKind.ON_THE_WAY)[-1]
    assert message.job_id == j1.id and message.params["time"] == eta
    assert f"预计{eta}左右到达" in message.body


def test_log_sender_delivers_and_marks_sent(
    day: tuple[Session, Technician, Job, Job], settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The default channel logs the message and marks it sent once; a second round has nothing to do."""
    session, _, j1, _ = day
    message = queue_confirmation(session, j1, at("2026-07-06 10:30"), at("2026-07-06 07:30"), settings)
    now = at("2026-07-06 07:31")
    with caplog.at_level(logging.INFO, logger="dispatch.messages"):
        assert deliver_pending(session, senders_from_settings(settings), now) == Delivery(sent=1)
    assert (message.status, message.sent_at, message.attempts) == (MessageStatus.SENT.value, now, 1)
    assert message.body in caplog.text
    assert deliver_pending(session, {"log": LogSender()}, now) == Delivery()


@dataclass
class Flaky:
    """A sender that fails `failures` times, then sends."""

    failures: int
    sent: list[int] = field(default_factory=list)

    def send(self, message: OutboxMessage) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append(message.id)


@pytest.mark.parametrize(
    ("failures", "rounds", "status", "attempts"),
    [
        (1, [Delivery(failed=1), Delivery(sent=1)], MessageStatus.SENT, 2),
        (5, [Delivery(failed=1), Delivery(failed=1, given_up=1), Delivery()], MessageStatus.FAILED, 2),
    ],
)
def test_failed_delivery_keeps_the_error_and_is_retried_up_to_max_attempts(
    day: tuple[Session, Technician, Job, Job],
    settings: Settings,
    failures: int,
    rounds: list[Delivery],
    status: MessageStatus,
    attempts: int,
) -> None:
    """A failure is recorded with its error; the next round retries until `max_attempts` (2 here)."""
    session, _, j1, _ = day
    message = queue_confirmation(session, j1, at("2026-07-06 10:30"), at("2026-07-06 07:30"), settings)
    sender = Flaky(failures)
    for i, expected in enumerate(rounds):
        assert deliver_pending(session, {"log": sender}, at("2026-07-06 07:31"), max_attempts=2) == expected
        if i == 0:
            assert message.status == MessageStatus.FAILED.value
            assert message.last_error == "ConnectionError: gateway down"
    assert (message.status, message.attempts) == (status.value, attempts)
    assert sender.sent == ([message.id] if status == MessageStatus.SENT else [])


def test_a_channel_without_a_sender_fails_as_not_configured(
    day: tuple[Session, Technician, Job, Job], settings: Settings
) -> None:
    """An SMS message with no gateway configured waits as failed, saying why."""
    session, _, j1, _ = day
    sms = replace(settings, sms_gateway="aliyun")
    message = queue_confirmation(session, j1, at("2026-07-06 10:30"), at("2026-07-06 07:30"), sms)
    assert (message.channel, message.recipient) == (Channel.SMS.value, "13912345678")
    assert deliver_pending(session, senders_from_settings(sms), at("2026-07-06 07:31")) == Delivery(failed=1)
    assert message.last_error == "NotConfigured: no SMS gateway configured"


@pytest.mark.parametrize(
    ("address", "phones", "smtp_host", "sms_gateway", "expected"),
    [
        ("cao@example.com", ["13912345678"], "smtp.example.com", "aliyun", (Channel.EMAIL, "cao@example.com")),
        ("cao@example.com", ["13912345678"], "", "aliyun", (Channel.SMS, "13912345678")),
        ("", ["02087654321", "13912345678"], "smtp.example.com", "aliyun", (Channel.SMS, "13912345678")),
        ("", ["02087654321"], "", "aliyun", (Channel.LOG, "02087654321")),
        ("cao@example.com", ["13912345678"], "", "", (Channel.LOG, "cao@example.com")),
        ("", [], "", "", (Channel.LOG, "")),
    ],
)
def test_channel_is_email_then_sms_to_a_mobile_then_the_log(
    address: str, phones: list[str], smtp_host: str, sms_gateway: str, expected: tuple[Channel, str]
) -> None:
    """E-mail needs an address and SMTP; SMS a gateway and a mobile; anything else is logged."""
    customer = Customer(name="曹先生", email=address, phones=[CustomerPhone(number=n) for n in phones])
    assert choose_channel(customer, Settings(smtp_host=smtp_host, sms_gateway=sms_gateway)) == expected


@dataclass
class Recorder:
    """A fake SMS gateway and WeChat client that keeps what it is given."""

    payloads: list[object] = field(default_factory=list)

    def send_sms(self, payload: SmsPayload) -> None:
        self.payloads.append(payload)

    def send_template(self, payload: WeChatTemplatePayload) -> None:
        self.payloads.append(payload)


def test_sms_and_wechat_senders_build_template_payloads(
    day: tuple[Session, Technician, Job, Job], settings: Settings
) -> None:
    """SMS takes the approved template code and fields; WeChat maps fields to its template's names."""
    session, _, j1, _ = day
    message = queue_confirmation(session, j1, at("2026-07-06 10:30"), at("2026-07-06 07:30"), settings)
    session.flush()
    gateway = Recorder()
    SmsSender(gateway, {"confirmation": "SMS_100"}, "安心家电").send(message)
    wechat = WeChatTemplateSender(
        gateway, {"confirmation": WeChatTemplate("TPL-1", {"time2": "time", "thing1": "job"})}
    )
    message.recipient = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
    wechat.send(message)
    sms, template = gateway.payloads
    assert isinstance(sms, SmsPayload) and (sms.phone, sms.sign_name, sms.template_code) == (
        "13912345678",
        "安心家电",
        "SMS_100",
    )
    assert sms.params["time"] == "10:30" and sms.params["customer"] == "曹先生"
    assert isinstance(template, WeChatTemplatePayload)
    assert template.as_json() == {
        "touser": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
        "template_id": "TPL-1",
        "url": "",
        "data": {"time2": {"value": "10:30"}, "thing1": {"value": "J1"}},
    }


@pytest.mark.parametrize(
    ("sender", "error"),
    [
        (SmsSender(), "no SMS gateway configured"),
        (SmsSender(Recorder()), "no SMS template code for 'confirmation' messages"),
        (WeChatTemplateSender(), "no WeChat Official Account configured"),
        (WeChatTemplateSender(Recorder()), "no WeChat template for 'confirmation' messages"),
    ],
)
def test_placeholders_raise_not_configured(sender: SmsSender | WeChatTemplateSender, error: str) -> None:
    """Without a gateway, client or template the SMS and WeChat senders refuse, and say what is missing."""
    with pytest.raises(NotConfigured, match=error):
        sender.send(OutboxMessage(kind="confirmation", recipient="13912345678", params={}))


def test_settings_read_message_fields_from_the_environment() -> None:
    """Ints, yes/no flags and JSON template codes are converted; a bad flag names its variable."""
    settings = Settings.from_env(
        {
            "DISPATCH_SMTP_PORT": "2525",
            "DISPATCH_SMTP_STARTTLS": "no",
            "DISPATCH_DELAY_NOTICE_MINUTES": "45",
            "DISPATCH_SMS_TEMPLATES": '{"delay": "SMS_3"}',
            "DISPATCH_ROAD_FACTOR": "1.5",
        }
    )
    assert (settings.smtp_port, settings.smtp_starttls, settings.delay_notice_minutes) == (2525, False, 45)
    assert settings.sms_templates == {"delay": "SMS_3"} and settings.road_factor == 1.5
    with pytest.raises(ValueError, match="DISPATCH_SMTP_STARTTLS"):
        Settings.from_env({"DISPATCH_SMTP_STARTTLS": "maybe"})


class Inbox:
    """An aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """A local SMTP server on a free 127.0.0.1 port, and its inbox."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_smtp_sender_delivers_utf8_chinese_mail(
    day: tuple[Session, Technician, Job, Job], settings: Settings, smtp_server: tuple[int, Inbox]
) -> None:
    """A customer with an e-mail address gets the confirmation through SMTP, Chinese intact."""
    session, _, j1, _ = day
    port, inbox = smtp_server
    settings = replace(
        settings, smtp_host="127.0.0.1", smtp_port=port, smtp_from="service@example.com", smtp_starttls=False
    )
    j1.customer.email = "cao@example.com"
    message = queue_confirmation(session, j1, at("2026-07-06 10:30"), at("2026-07-06 07:30"), settings)
    assert message.channel == Channel.EMAIL.value
    assert deliver_pending(session, senders_from_settings(settings), at("2026-07-06 07:31")) == Delivery(sent=1)
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["cao@example.com"] and isinstance(envelope.original_content, bytes)
    mail = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["Subject"] == "上门服务预约确认（工单 J1）" == message.subject
    assert mail["From"] == "service@example.com"
    assert mail.get_content().strip() == message.body
    assert "您的空调维修服务（工单 J1）已预约在7月6日（周一） 10:30左右上门" in message.body
