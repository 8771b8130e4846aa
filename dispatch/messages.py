"""Customer messages (service layer): bilingual templates, the outbox queue and pluggable senders.

A message is rendered and queued in the transaction of the change that causes it (a publish, an
`on my way`), and sent later by `deliver_pending`: a mail server that is down never undoes a
dispatch, and a dispatch that is rolled back never reaches a customer. Times are shown in the
business timezone. The templates are plain data here; the web layer's Babel catalogues are not used.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.errors import DispatchError
from dispatch.geo import TravelModel
from dispatch.models import (
    Channel,
    Customer,
    Job,
    JobStatus,
    JobType,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    PlanVersion,
    ProductKind,
    Technician,
    Visit,
)

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "zh_Hans"
# Longer errors are cut: the column keeps the cause, not a whole SMTP transcript.
MAX_ERROR_CHARS = 1000


class NotConfigured(DispatchError):
    """A channel was asked to send but has no gateway, server or template configured."""


# --- Templates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """Subject and body of one kind of message, as `str.format` patterns.

    Fields: customer, job, product, job_type, technician, date, time, old_time.
    """

    subject: str
    body: str


@dataclass(frozen=True)
class Language:
    """Everything a language needs to render a message: templates and how dates and people read."""

    templates: Mapping[MessageKind, Template]
    date_format: str  # fields: month (a name from `months`), day, weekday
    months: tuple[str, ...]
    weekdays: tuple[str, ...]  # Monday first
    technician: str  # fields: name
    technician_with_phone: str  # fields: name, phone
    someone: str  # when no technician is known yet
    catalogue: str  # which name of a product or job type to show: "zh" or "en"


K = MessageKind
LANGUAGES: Mapping[str, Language] = {
    "zh_Hans": Language(
        templates={
            K.CONFIRMATION: Template(
                "上门服务预约确认（工单 {job}）",
                "{customer}，您好！您的{product}{job_type}服务（工单 {job}）已预约在{date} {time}左右上门，"
                "由{technician}为您服务。如需改约，请致电服务中心。",
            ),
            K.ON_THE_WAY: Template(
                "技师已出发（工单 {job}）",
                "{customer}，您好！{technician}已出发，前来为您提供{product}{job_type}服务（工单 {job}），"
                "预计{time}左右到达，请保持电话畅通。",
            ),
            K.DELAY: Template(
                "上门时间调整（工单 {job}）",
                "{customer}，您好！您的{product}{job_type}服务（工单 {job}）上门时间有调整：原定{old_time}，"
                "现预计{date} {time}左右到达，由{technician}为您服务。如有不便，敬请谅解。",
            ),
        },
        date_format="{month}{day}日（{weekday}）",
        months=tuple(f"{m}月" for m in range(1, 13)),
        weekdays=("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
        technician="技师{name}",
        technician_with_phone="技师{name}（电话 {phone}）",
        someone="技师",
        catalogue="zh",
    ),
    "en": Language(
        templates={
            K.CONFIRMATION: Template(
                "Your appointment is confirmed (job {job})",
                "Dear {customer}, your {product} ({job_type}, job {job}) is booked for {date} at about {time}; "
                "{technician} will visit. To change the appointment, please call the service centre.",
            ),
            K.ON_THE_WAY: Template(
                "Your technician is on the way (job {job})",
                "Dear {customer}, {technician} is on the way for your {product} ({job_type}, job {job}) "
                "and expects to arrive at about {time}. Please keep your phone at hand.",
            ),
            K.DELAY: Template(
                "Your visit time has changed (job {job})",
                "Dear {customer}, the visit for your {product} ({job_type}, job {job}) has moved from {old_time} "
                "to about {time} on {date}; {technician} will visit. We apologise for any inconvenience.",
            ),
        },
        date_format="{weekday} {day} {month}",
        months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        technician="technician {name}",
        technician_with_phone="technician {name} (phone {phone})",
        someone="a technician",
        catalogue="en",
    ),
}


def language_code(wanted: str) -> str:
    """The template language for a configured code: exact, or by its first part (`en_GB` -> `en`)."""
    if wanted in LANGUAGES:
        return wanted
    base = wanted.replace("-", "_").split("_")[0].lower()
    return "en" if base == "en" else DEFAULT_LANGUAGE


def render(kind: MessageKind, language: str, fields: Mapping[str, str]) -> tuple[str, str]:
    """Subject and body of a message of `kind` in `language`, from its template fields."""
    template = LANGUAGES[language_code(language)].templates[kind]
    return template.subject.format_map(fields), template.body.format_map(fields)


def _date_text(day: date, lang: Language) -> str:
    return lang.date_format.format(month=lang.months[day.month - 1], day=day.day, weekday=lang.weekdays[day.weekday()])


def _catalogue_name(row: ProductKind | JobType | None, code: str, lang: Language) -> str:
    if row is None:
        return code
    # English names are capitalised in the catalogue ("Air conditioner") but read mid-sentence here.
    return row.name_zh if lang.catalogue == "zh" else row.name_en.lower()


def _technician_text(technician: Technician | None, lang: Language) -> str:
    if technician is None:
        return lang.someone
    if technician.phone:
        return lang.technician_with_phone.format(name=technician.name, phone=technician.phone)
    return lang.technician.format(name=technician.name)


def template_fields(
    session: Session,
    job: Job,
    technician: Technician | None,
    arrival: datetime,
    settings: Settings,
    old_arrival: datetime | None = None,
) -> dict[str, str]:
    """The template fields of a message about `job`, in the configured language and timezone.

    Also kept with the message: SMS and WeChat templates take these values, not the rendered body.
    """
    lang, tz = LANGUAGES[language_code(settings.message_language)], settings.tz
    local = arrival.astimezone(tz)
    fields = {
        "customer": job.customer.name,
        "job": job.external_id,
        "product": _catalogue_name(session.get(ProductKind, job.product_code), job.product_code, lang),
        "job_type": _catalogue_name(session.get(JobType, job.job_type_code), job.job_type_code, lang),
        "technician": _technician_text(technician, lang),
        "date": _date_text(local.date(), lang),
        "time": local.strftime("%H:%M"),
        "arrival": arrival.isoformat(),  # machine-readable, for the next delay check
    }
    if old_arrival is not None:
        old = old_arrival.astimezone(tz)
        same_day = old.date() == local.date()
        fields["old_time"] = old.strftime("%H:%M") if same_day else f"{_date_text(old.date(), lang)} {old:%H:%M}"
    return fields


# --- Queueing ---------------------------------------------------------------------------------


def choose_channel(customer: Customer, settings: Settings) -> tuple[Channel, str]:
    """The channel and recipient for a customer: e-mail, else SMS to a mobile, else the log.

    E-mail needs an address and an SMTP server; SMS needs a gateway and a mobile number (the
    normalised `1xxxxxxxxxx` form; landlines cannot receive texts).
    """
    mobile = next((n for n in customer.phone_numbers() if n.startswith("1")), "")
    if customer.email and settings.smtp_host:
        return Channel.EMAIL, customer.email
    if mobile and settings.sms_gateway:
        return Channel.SMS, mobile
    return Channel.LOG, customer.email or mobile or next(iter(customer.phone_numbers()), "")


def _technician(session: Session, visit: Visit | None) -> Technician | None:
    if visit is None:
        return None
    # The id first: a publish sets technician_id only, and the loaded relationship may be stale;
    # a visit not flushed yet (`dispatch_visit`) has only the relationship.
    if visit.technician_id is not None:
        return session.get(Technician, visit.technician_id)
    return visit.technician


def _latest_visit(job: Job) -> Visit | None:
    return job.visits[-1] if job.visits else None


def _queue(
    session: Session,
    job: Job,
    kind: MessageKind,
    fields: dict[str, str],
    at: datetime,
    settings: Settings,
) -> OutboxMessage:
    language = language_code(settings.message_language)
    subject, body = render(kind, language, fields)
    channel, recipient = choose_channel(job.customer, settings)
    message = OutboxMessage(
        job=job,
        customer=job.customer,
        kind=kind.value,
        channel=channel.value,
        recipient=recipient,
        language=language,
        subject=subject,
        body=body,
        params=fields,
        created_at=at,
        status=MessageStatus.PENDING.value,
        attempts=0,
        last_error="",
    )
    session.add(message)
    return message


def queue_confirmation(
    session: Session,
    job: Job,
    visit_or_planned_arrival: Visit | datetime,
    at: datetime,
    settings: Settings | None = None,
) -> OutboxMessage:
    """Queue the appointment confirmation of a planned job.

    Parameters
    ----------
    visit_or_planned_arrival
        The planned visit (its technician is named), or only the planned arrival time.
    at
        When the appointment was made; the message's creation time.
    settings
        Language, channels and timezone; the defaults when None.
    """
    settings = settings or Settings()
    if isinstance(visit_or_planned_arrival, Visit):
        visit: Visit | None = visit_or_planned_arrival
        arrival = visit_or_planned_arrival.planned_arrival
        if arrival is None:
            raise ValueError(f"job {job.external_id}: the visit has no planned arrival to confirm")
    else:
        visit, arrival = _latest_visit(job), visit_or_planned_arrival
    fields = template_fields(session, job, _technician(session, visit), arrival, settings)
    return _queue(session, job, MessageKind.CONFIRMATION, fields, at, settings)


def queue_on_the_way(
    session: Session, job: Job, eta: datetime, at: datetime, settings: Settings | None = None
) -> OutboxMessage:
    """Queue 'technician on the way' with the expected arrival time `eta`."""
    settings = settings or Settings()
    technician = _technician(session, _latest_visit(job))
    fields = template_fields(session, job, technician, eta, settings)
    return _queue(session, job, MessageKind.ON_THE_WAY, fields, at, settings)


def queue_delay(
    session: Session,
    job: Job,
    old_arrival: datetime,
    new_arrival: datetime,
    at: datetime,
    settings: Settings | None = None,
) -> OutboxMessage | None:
    """Queue a notice that the arrival moved, when it moved by more than the notice threshold.

    Earlier counts as well as later: a customer told 15:00 is out when the technician rings at 14:00.

    Returns
    -------
    OutboxMessage | None
        The queued notice, or None when the move is within `settings.delay_notice_minutes`.
    """
    settings = settings or Settings()
    if abs(new_arrival - old_arrival) <= timedelta(minutes=settings.delay_notice_minutes):
        return None
    technician = _technician(session, _latest_visit(job))
    fields = template_fields(session, job, technician, new_arrival, settings, old_arrival)
    return _queue(session, job, MessageKind.DELAY, fields, at, settings)


def last_told_arrival(session: Session, job: Job) -> datetime | None:
    """The arrival time the customer was last given by a confirmation or a delay notice."""
    params = session.scalar(
        select(OutboxMessage.params)
        .where(
            OutboxMessage.job_id == job.id,
            OutboxMessage.kind.in_((MessageKind.CONFIRMATION.value, MessageKind.DELAY.value)),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    told = (params or {}).get("arrival")
    return datetime.fromisoformat(told) if told else None


@dataclass(frozen=True)
class BeforePublish:
    """What a publish changes and the messages depend on, read before it changes it."""

    statuses: Mapping[int, str]  # job id -> status
    arrivals: Mapping[int, datetime]  # job id -> arrival in the previously published version


def before_publish(incoming: PlanVersion, previous: list[PlanVersion]) -> BeforePublish:
    """Statuses of the incoming version's jobs, and arrivals in the versions it supersedes."""
    return BeforePublish(
        statuses={s.job_id: s.job.status for r in incoming.routes for s in r.stops},
        arrivals={s.job_id: s.arrival for old in previous for r in old.routes for s in r.stops},
    )


def queue_for_publication(
    session: Session, version: PlanVersion, before: BeforePublish, at: datetime, settings: Settings
) -> list[OutboxMessage]:
    """Confirm the jobs this publication dispatched; tell those it moved by more than the threshold.

    A job dispatched already is compared with the arrival its customer was last told, falling back
    to the previously published one: re-plans every few minutes that each move it a little must
    not add up to an hour's change nobody hears of.
    """
    queued: list[OutboxMessage | None] = []
    for route in version.routes:
        for stop in route.stops:
            job = stop.job
            if job.status != JobStatus.DISPATCHED.value:
                continue  # left alone by the publish: under way, done or cancelled
            if before.statuses.get(job.id) != JobStatus.DISPATCHED.value:
                queued.append(queue_confirmation(session, job, stop.arrival, at, settings))
                continue
            told = last_told_arrival(session, job) or before.arrivals.get(job.id)
            if told is not None:
                queued.append(queue_delay(session, job, told, stop.arrival, at, settings))
    return [m for m in queued if m is not None]


# --- ETA --------------------------------------------------------------------------------------


def estimate_arrival(session: Session, visit: Visit, at: datetime, settings: Settings) -> datetime:
    """When a technician setting off at `at` reaches the customer of `visit`.

    The technician starts from the customer of their last arrival that day, else from their
    depot, and drives as the planner assumes (`TravelModel`). Without a customer location the
    planned arrival stands in (never earlier than `at`).
    """
    customer = visit.job.customer
    if customer.lat is None or customer.lon is None:
        planned = visit.planned_arrival
        return at if planned is None else max(planned, at)
    origin = _position(session, visit, at, settings)
    travel_s = TravelModel.from_settings(settings).matrix([origin, (customer.lat, customer.lon)]).duration_s[0, 1]
    return at + timedelta(seconds=int(travel_s))


def _position(session: Session, visit: Visit, at: datetime, settings: Settings) -> tuple[float, float]:
    """Where the technician is when setting off: their last customer of the day, or the depot."""
    session.flush()  # a visit made in this transaction needs its ids for the query below
    day_start = datetime.combine(at.astimezone(settings.tz).date(), time(), tzinfo=settings.tz)
    previous = session.scalars(
        select(Visit)
        .where(
            Visit.technician_id == visit.technician_id,
            Visit.id != visit.id,
            Visit.arrived_at.is_not(None),
            Visit.arrived_at >= day_start,
            Visit.arrived_at <= at,
        )
        .order_by(Visit.arrived_at.desc())
        .limit(1)
    ).first()
    if previous is not None:
        where = previous.job.customer
        if where.lat is not None and where.lon is not None:
            return where.lat, where.lon
    depot = session.get_one(Technician, visit.technician_id).depot
    return depot.lat, depot.lon


# --- Senders ----------------------------------------------------------------------------------


class Sender(Protocol):
    """Delivers one outbox message on one channel."""

    def send(self, message: OutboxMessage) -> None:
        """Send `message`; raise on any failure, so the outbox marks it failed and retries it."""


@dataclass(frozen=True)
class LogSender:
    """The default channel: writes the message to the log (no customer sees it)."""

    logger: logging.Logger = field(default=log)

    def send(self, message: OutboxMessage) -> None:
        """Log the message."""
        self.logger.info(
            "message %s (%s) to %s: %s | %s",
            message.id,
            message.kind,
            message.recipient or "-",
            message.subject,
            message.body,
        )


@dataclass(frozen=True)
class SmtpSender:
    """E-mail through an SMTP server (STARTTLS and login when configured)."""

    host: str
    port: int = 587
    from_addr: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True
    timeout_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSender:
        """The server of the `smtp_*` settings.

        Raises
        ------
        NotConfigured
            When no host or no sender address (`smtp_from`, else `smtp_user`) is set.
        """
        from_addr = settings.smtp_from or settings.smtp_user
        if not settings.smtp_host or not from_addr:
            raise NotConfigured("e-mail needs DISPATCH_SMTP_HOST and DISPATCH_SMTP_FROM")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            from_addr=from_addr,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )

    def send(self, message: OutboxMessage) -> None:
        """Send the message as a UTF-8 plain-text e-mail to its recipient."""
        if not message.recipient:
            raise NotConfigured(f"message {message.id} has no e-mail address")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(self.email(message))

    def email(self, message: OutboxMessage) -> EmailMessage:
        """The e-mail of an outbox message; non-ASCII headers are encoded, the body is UTF-8."""
        mail = EmailMessage()
        mail["From"] = self.from_addr
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate()
        mail["Message-ID"] = make_msgid(domain=self.from_addr.rpartition("@")[2] or None)
        mail["Content-Language"] = message.language.replace("_", "-")
        mail.set_content(message.body, charset="utf-8")
        return mail


@dataclass(frozen=True)
class SmsPayload:
    """One text message as Chinese gateways (Aliyun, Tencent Cloud) take it.

    They only send texts from templates approved in advance, so the payload is the approved
    template's code and its variables, not free text; the signature is the approved `【...】` name.
    """

    phone: str  # a mobile number, `1xxxxxxxxxx`
    sign_name: str
    template_code: str  # e.g. "SMS_123456789", one per message kind (`Settings.sms_templates`)
    params: Mapping[str, str]  # the template fields: customer, job, date, time, technician, ...


class SmsGateway(Protocol):
    """A provider's SMS API; the deployment supplies one (this package makes no HTTP calls)."""

    def send_sms(self, payload: SmsPayload) -> None:
        """Send one text; raise on failure."""


@dataclass(frozen=True)
class SmsSender:
    """Outbox messages to an `SmsGateway`; without a gateway or template it raises `NotConfigured`."""

    gateway: SmsGateway | None = None
    template_codes: Mapping[str, str] = field(default_factory=dict)  # message kind -> template code
    sign_name: str = ""

    def payload(self, message: OutboxMessage) -> SmsPayload:
        """The gateway payload of a message.

        Raises
        ------
        NotConfigured
            When no template code is configured for the message's kind.
        """
        code = self.template_codes.get(message.kind)
        if not code:
            raise NotConfigured(f"no SMS template code for {message.kind!r} messages")
        return SmsPayload(message.recipient, self.sign_name, code, dict(message.params))

    def send(self, message: OutboxMessage) -> None:
        """Hand the message's payload to the gateway."""
        if self.gateway is None:
            raise NotConfigured("no SMS gateway configured")
        self.gateway.send_sms(self.payload(message))


@dataclass(frozen=True)
class WeChatTemplate:
    """A template message registered on the WeChat Official Account, and which field takes what.

    `fields` maps the template's own field names (e.g. `thing1`, `time2`, `character_string3`) to
    the message's template fields (`technician`, `time`, `job`, ...).
    """

    template_id: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class WeChatTemplatePayload:
    """The body of the Official Account `message/template/send` call, to one follower's openid."""

    openid: str
    template_id: str
    data: Mapping[str, Mapping[str, str]]  # template field -> {"value": text}
    url: str = ""  # page opened when the customer taps the message; empty: none

    def as_json(self) -> dict[str, Any]:
        """The JSON object the API takes."""
        return {"touser": self.openid, "template_id": self.template_id, "url": self.url, "data": dict(self.data)}


class WeChatClient(Protocol):
    """The Official Account API (access token and HTTP) as the deployment provides it."""

    def send_template(self, payload: WeChatTemplatePayload) -> None:
        """Send one template message; raise on failure."""


@dataclass(frozen=True)
class WeChatTemplateSender:
    """Outbox messages (recipient: an openid) to a `WeChatClient`; `NotConfigured` without one."""

    client: WeChatClient | None = None
    templates: Mapping[str, WeChatTemplate] = field(default_factory=dict)  # message kind -> template

    def payload(self, message: OutboxMessage) -> WeChatTemplatePayload:
        """The template message of an outbox message.

        Raises
        ------
        NotConfigured
            When no template is registered for the message's kind.
        """
        template = self.templates.get(message.kind)
        if template is None:
            raise NotConfigured(f"no WeChat template for {message.kind!r} messages")
        data = {name: {"value": str(message.params.get(source, ""))} for name, source in template.fields.items()}
        return WeChatTemplatePayload(message.recipient, template.template_id, data)

    def send(self, message: OutboxMessage) -> None:
        """Hand the message's payload to the client."""
        if self.client is None:
            raise NotConfigured("no WeChat Official Account configured")
        self.client.send_template(self.payload(message))


def senders_from_settings(
    settings: Settings, sms_gateway: SmsGateway | None = None, wechat: WeChatClient | None = None
) -> dict[str, Sender]:
    """A sender per channel; e-mail only when SMTP is configured (its messages wait otherwise)."""
    senders: dict[str, Sender] = {
        Channel.LOG.value: LogSender(),
        Channel.SMS.value: SmsSender(sms_gateway, settings.sms_templates, settings.sms_sign_name),
        Channel.WECHAT.value: WeChatTemplateSender(wechat),
    }
    if settings.smtp_host:
        senders[Channel.EMAIL.value] = SmtpSender.from_settings(settings)
    return senders


# --- Delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What one delivery round did."""

    sent: int = 0
    failed: int = 0  # failed this round, including those given up on
    given_up: int = 0  # failed for the last allowed time: no more retries


def deliver_pending(
    session: Session, senders_by_channel: Mapping[str, Sender], now: datetime, max_attempts: int = 5
) -> Delivery:
    """Send the pending messages, and retry the failed ones that have attempts left, oldest first.

    Each message is marked sent (with `now`) or failed (with the error) and its attempts counted;
    the caller commits. A crash between a send and the commit sends that message again on the
    next round: customers may get a duplicate, never nothing.
    """
    due = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_((MessageStatus.PENDING.value, MessageStatus.FAILED.value)),
            OutboxMessage.attempts < max_attempts,
        )
        .order_by(OutboxMessage.id)
    ).all()
    sent = failed = given_up = 0
    for message in due:
        if _attempt(message, senders_by_channel.get(message.channel), now):
            sent += 1
            continue
        failed += 1
        if message.attempts >= max_attempts:
            given_up += 1
    session.flush()
    return Delivery(sent, failed, given_up)


def _attempt(message: OutboxMessage, sender: Sender | None, now: datetime) -> bool:
    """One try at sending `message`; whether it went."""
    message.attempts += 1
    try:
        if sender is None:
            raise NotConfigured(f"no sender for the {message.channel} channel")
        sender.send(message)
    except Exception as exc:  # whatever a sender raises (SMTP, socket, provider) is kept and retried
        message.status = MessageStatus.FAILED.value
        message.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        log.warning("message %s, attempt %s, failed: %s", message.id, message.attempts, message.last_error)
        return False
    message.status = MessageStatus.SENT.value
    message.sent_at = now
    return True
