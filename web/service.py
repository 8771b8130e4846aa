"""After-sales service pages: follow-up calls, complaints, a job's warranty and charges, the printable
visit summary, the warranty and fee settings, and the late-arrival compensation report.

Layer: web (views only). Each view parses its input into the service's own types and calls
`dispatch.followups`, `dispatch.complaints`, `dispatch.warranty` or `dispatch.compensation`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, Optional

from dispatch.compensation import CompensationRule, LateJob, late_jobs
from dispatch.complaints import (
    ComplaintIntake,
    answer_complaint,
    escalated_open_count,
    file_complaint,
    list_complaints,
    resolve_complaint,
)
from dispatch.db import transaction
from dispatch.errors import DispatchError
from dispatch.followups import FollowUpAnswer, due_follow_ups, record_answer
from dispatch.models import (
    Complaint,
    Customer,
    FollowUp,
    Job,
    JobType,
    ProductKind,
    Role,
    Satisfaction,
    ServiceFee,
    Visit,
    WarrantyTerm,
)
from dispatch.warranty import JobWarranty, TermDays, job_charges, job_warranty, update_terms_and_fees
from web.auth import roles_required
from web.db import db, settings
from web.query import day_arg

bp = Blueprint("service", __name__)
YES_NO = ["yes", "no"]


def _sessions() -> sessionmaker[Session]:
    found: sessionmaker[Session] = current_app.extensions["dispatch"]["sessions"]
    return found


def _now() -> datetime:
    return datetime.now(settings().tz)


def _user_id() -> int | None:
    return int(current_user.id) if current_user.is_authenticated else None


@bp.app_context_processor
def _badge() -> dict[str, Any]:
    """The managers' nav badge: escalated complaints waiting for a resolution."""
    if current_user.is_authenticated and current_user.role in (Role.MANAGER.value, Role.ADMIN.value):
        return {"escalated_complaints": escalated_open_count(db())}
    return {"escalated_complaints": 0}


@bp.app_template_global()
def warranty_of(job: Job) -> JobWarranty:
    """The warranty status of a job, for the include service/_warranty.html."""
    return job_warranty(db(), job, settings().tz)


# --- Follow-up calls --------------------------------------------------------------------------


class FollowUpForm(FlaskForm):
    """The answer of a follow-up call; the radio buttons and the select are rendered by hand."""

    reached = StringField(lazy_gettext("Customer reached"), validators=[AnyOf(YES_NO)])
    # Optional: no radio button checked posts nothing at all; the service says what is missing.
    solved = StringField(lazy_gettext("Problem solved"), validators=[Optional(), AnyOf(YES_NO)])
    satisfaction = StringField(
        lazy_gettext("Customer satisfaction"), validators=[Optional(), AnyOf([s.value for s in Satisfaction])]
    )
    note = TextAreaField(lazy_gettext("Notes"))

    def answer(self) -> FollowUpAnswer:
        """The form as the service's answer."""
        solved = {"yes": True, "no": False}.get(self.solved.data or "")
        satisfaction = Satisfaction(self.satisfaction.data) if self.satisfaction.data else None
        return FollowUpAnswer(self.reached.data == "yes", solved, satisfaction, self.note.data or "")


@bp.get("/follow-ups")
@roles_required(Role.DISPATCHER)
def follow_ups() -> ResponseReturnValue:
    """The follow-up calls due today and overdue, the signed-in dispatcher's own first."""
    today = _now().date()
    rows = due_follow_ups(db(), _user_id(), today)
    return render_template("service/follow_ups.html", rows=rows, today=today, me=_user_id(), tz=settings().tz)


@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@roles_required(Role.DISPATCHER)
def follow_up(follow_up_id: int) -> ResponseReturnValue:
    """The call form with its script; a posted answer is stored ("not solved" sends the job back)."""
    form = FollowUpForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description="; ".join(f"{name}: {', '.join(errs)}" for name, errs in form.errors.items()))
        try:
            with transaction(_sessions()) as session:
                found = session.get(FollowUp, follow_up_id)
                if found is None:
                    abort(404)
                record_answer(session, found, form.answer(), _user_id(), _now())
                sent_back = found.revisit_job_id is not None
        except DispatchError as exc:
            flash(str(exc), "error")
            return redirect(url_for("service.follow_up", follow_up_id=follow_up_id))
        flash(_("Sent back to planning for another visit.") if sent_back else _("Answer recorded."), "info")
        return redirect(url_for("service.follow_ups"))
    found = db().get(FollowUp, follow_up_id)
    if found is None:
        abort(404)
    return render_template(
        "service/follow_up.html", item=found, form=form, satisfactions=list(Satisfaction), tz=settings().tz
    )


# --- Complaints -------------------------------------------------------------------------------


class ComplaintForm(FlaskForm):
    """A new complaint; customer and job come from the query string."""

    text = TextAreaField(lazy_gettext("Complaint"))


class AnswerForm(FlaskForm):
    """The same-day answer to the customer."""

    answer = TextAreaField(lazy_gettext("Answer to the customer"))


class ResolutionForm(FlaskForm):
    """How a manager settled the complaint."""

    resolution = TextAreaField(lazy_gettext("Resolution"))


@bp.get("/complaints")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def complaints() -> ResponseReturnValue:
    """Open complaints (?show=all: every one; ?show=escalated: escalated and unresolved)."""
    show = request.args.get("show", "open")
    if show not in ("open", "all", "escalated"):
        abort(400, description="show: open, all or escalated")
    rows = list_complaints(db(), open_only=show != "all", escalated_only=show == "escalated")
    return render_template("service/complaints.html", rows=rows, show=show, tz=settings().tz)


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        abort(400, description=f"{name}: {raw!r} is not an id")
    return int(raw)


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles_required(Role.DISPATCHER, Role.MANAGER)
def new_complaint() -> ResponseReturnValue:
    """Take a complaint about a customer (?customer=id) or one of their jobs (?job=id)."""
    job_id = _int_arg("job")
    job = db().get(Job, job_id) if job_id is not None else None
    customer_id = job.customer_id if job is not None else _int_arg("customer")
    customer = db().get(Customer, customer_id) if customer_id is not None else None
    if customer is None or (job_id is not None and job is None):
        abort(404)
    form = ComplaintForm()
    if form.validate_on_submit():
        intake = ComplaintIntake(customer.id, form.text.data or "", job_id)
        try:
            with transaction(_sessions()) as session:
                complaint_id = _filed(session, intake)
        except DispatchError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Complaint recorded; answer it today."), "info")
            return redirect(url_for("service.complaint", complaint_id=complaint_id))
    elif request.method == "POST":
        abort(400)
    return render_template("service/complaint_new.html", form=form, customer=customer, job=job)


def _filed(session: Session, intake: ComplaintIntake) -> int:
    complaint = file_complaint(session, intake, _user_id(), _now())
    session.flush()
    return complaint.id


@bp.get("/complaints/<int:complaint_id>")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def complaint(complaint_id: int) -> ResponseReturnValue:
    """One complaint, with the answer form until answered and the managers' resolution form."""
    found = db().get(Complaint, complaint_id)
    if found is None:
        abort(404)
    return render_template(
        "service/complaint.html",
        item=found,
        answer_form=AnswerForm(),
        resolution_form=ResolutionForm(),
        tz=settings().tz,
    )


def _change_complaint(complaint_id: int, change: str, text: str) -> ResponseReturnValue:
    try:
        with transaction(_sessions()) as session:
            found = session.get(Complaint, complaint_id)
            if found is None:
                abort(404)
            if change == "answer":
                answer_complaint(session, found, text, _now())
            else:
                resolve_complaint(session, found, text, _user_id(), _now())
    except DispatchError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Answer recorded.") if change == "answer" else _("Resolution recorded."), "info")
    return redirect(url_for("service.complaint", complaint_id=complaint_id))


@bp.post("/complaints/<int:complaint_id>/answer")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def answer(complaint_id: int) -> ResponseReturnValue:
    """Record the answer given to the customer."""
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    return _change_complaint(complaint_id, "answer", form.answer.data or "")


@bp.post("/complaints/<int:complaint_id>/resolve")
@roles_required(Role.MANAGER)
def resolve(complaint_id: int) -> ResponseReturnValue:
    """A manager records the resolution."""
    form = ResolutionForm()
    if not form.validate_on_submit():
        abort(400)
    return _change_complaint(complaint_id, "resolve", form.resolution.data or "")


# --- A job's warranty and charges, the visit summary ------------------------------------------


@bp.get("/service/jobs/<int:job_id>")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def job(job_id: int) -> ResponseReturnValue:
    """A job's service view: warranty, charges, visits (each with its printable summary), complaints."""
    found = db().get(Job, job_id)
    if found is None:
        abort(404)
    filed = db().scalars(select(Complaint).where(Complaint.job_id == job_id).order_by(Complaint.id)).all()
    return render_template(
        "service/job.html",
        job=found,
        charges=job_charges(db(), found, settings().tz),
        complaints=filed,
        tz=settings().tz,
    )


@bp.get("/visits/<int:visit_id>/summary")
@roles_required(Role.DISPATCHER, Role.MANAGER, Role.TECHNICIAN)
def visit_summary(visit_id: int) -> ResponseReturnValue:
    """The invoice-like summary of a visit, to print; a technician sees only their own visits."""
    visit = db().get(Visit, visit_id)
    if visit is None:
        abort(404)
    if current_user.role == Role.TECHNICIAN.value and visit.technician_id != current_user.technician_id:
        abort(403)
    return render_template(
        "service/visit_summary.html",
        visit=visit,
        job=visit.job,
        charges=job_charges(db(), visit.job, settings().tz),
        tz=settings().tz,
    )


# --- Warranty periods and labour fees (admin) -------------------------------------------------


class SettingsForm(FlaskForm):
    """Nothing but the CSRF token: the table's inputs are named by product and job type."""


def _number(name: str, parse: type[int] | type[Decimal]) -> Any:
    raw = request.form.get(name, "").strip()
    try:
        return parse(raw)
    except (ValueError, InvalidOperation):
        raise DispatchError(f"{name}: {raw!r} is not a number") from None


def _posted_terms(codes: Iterable[str]) -> dict[str, TermDays]:
    return {
        code: TermDays(*(_number(f"{code}.{part}_days", int) for part in ("refund", "replace", "repair")))
        for code in codes
    }


@bp.route("/admin/warranty", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def warranty_settings() -> ResponseReturnValue:
    """Edit the three guarantees per product category and the labour fee per job type."""
    products = db().scalars(select(ProductKind).order_by(ProductKind.code)).all()
    job_types = db().scalars(select(JobType).order_by(JobType.code)).all()
    form = SettingsForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            terms = _posted_terms(p.code for p in products)
            fees = {t.code: _number(f"{t.code}.labour", Decimal) for t in job_types}
            with transaction(_sessions()) as session:
                update_terms_and_fees(session, terms, fees)
        except DispatchError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Warranty periods and labour fees saved."), "info")
            return redirect(url_for("service.warranty_settings"))
    terms_by_code = {t.product_code: t for t in db().scalars(select(WarrantyTerm))}
    fees_by_code = {f.job_type_code: f.labour for f in db().scalars(select(ServiceFee))}
    return render_template(
        "service/warranty_settings.html",
        form=form,
        products=products,
        job_types=job_types,
        terms=terms_by_code,
        fees=fees_by_code,
    )


# --- Late-arrival compensation (managers) -----------------------------------------------------


@bp.get("/reports/compensation")
@roles_required(Role.MANAGER)
def compensation() -> ResponseReturnValue:
    """Jobs whose promise was missed in a date range (default: the last 7 days), with compensation;
    ?format=csv downloads the table."""
    now = _now()
    last = day_arg("last") or now.date()
    first = day_arg("first") or last - timedelta(days=6)
    try:
        rows = late_jobs(db(), first, last, settings(), now)
    except ValueError as exc:
        abort(400, description=str(exc))
    if request.args.get("format") == "csv":
        return _compensation_csv(rows, first, last)
    return render_template(
        "service/compensation.html",
        rows=rows,
        first=first,
        last=last,
        total=sum((r.compensation for r in rows), Decimal("0.00")),
        rule=CompensationRule.from_settings(settings()),
        tz=settings().tz,
    )


def _compensation_csv(rows: list[LateJob], first: date, last: date) -> Response:
    tz = settings().tz
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["job", "customer", "promise_at", "arrived_at", "late_min", "charge", "compensation"])
    for row in rows:
        arrived = row.arrived_at.astimezone(tz).isoformat() if row.arrived_at else ""
        writer.writerow(
            [
                row.job.external_id,
                row.job.customer.name,
                row.job.promise_at.astimezone(tz).isoformat(),
                arrived,
                row.late_min,
                row.charge,
                row.compensation,
            ]
        )
    name = f"compensation-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        "\ufeff" + out.getvalue(),  # BOM: Excel opens UTF-8 Chinese names correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
