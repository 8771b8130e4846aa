"""After-sales pages: follow-up calls, complaints, job warranty and charges, visit summary, settings, compensation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.complaints import escalate_unanswered
from dispatch.db import transaction
from dispatch.followups import create_follow_ups
from dispatch.models import (
    Complaint,
    FollowUp,
    Job,
    OwnedProduct,
    Part,
    ReplanRequest,
    Technician,
    User,
    Visit,
    VisitPart,
    WarrantyTerm,
)
from dispatch.users import add_user
from tests.helpers import SHANGHAI
from tests.web.conftest import NOW, PASSWORD, csrf_token

SignIn = Callable[[str], FlaskClient]


def _now() -> datetime:
    return datetime.now(SHANGHAI)


@pytest.fixture
def done_job(people: dict[str, str], sessions: sessionmaker[Session]) -> dict[str, int]:
    """A repair of the scenario completed yesterday by tech1 with one 320-yuan part, bought 3 years ago
    (paid), and its follow-up call assigned to the dispatcher: ids of job, visit, follow-up, customer."""
    yesterday = _now() - timedelta(days=1)
    with transaction(sessions) as session:
        job = session.scalars(select(Job).where(Job.job_type_code == "repair").order_by(Job.id)).first()
        assert job is not None
        tech = session.scalars(select(Technician).order_by(Technician.external_id)).first()
        assert tech is not None
        job.received_at = yesterday - timedelta(hours=3)
        job.promise_at = yesterday - timedelta(hours=1)
        job.status, job.warranty = "completed", "paid"
        job.owned_product = OwnedProduct(
            external_id="P-web",
            customer=job.customer,
            product_code=job.product_code,
            purchase_date=yesterday.date() - timedelta(days=3 * 365),
        )
        part = Part(code="WEB-PCB", name="主控板", product_code=job.product_code, unit_price=Decimal("320"))
        visit = Visit(
            job=job,
            technician=tech,
            number=1,
            arrived_at=yesterday,
            completed_at=yesterday,
            outcome="fixed",
            fault_found="不制冷",
            cause="主控板损坏",
            parts=[VisitPart(part=part, quantity=1)],
        )
        session.add(visit)
        session.flush()
        for user in session.scalars(select(User).where(User.role == "dispatcher")):
            user.active = user.username == "disp"
        created = create_follow_ups(session, _now(), SHANGHAI)
        follow_up = next(f for f in created if f.visit_id == visit.id)
        return {"job": job.id, "visit": visit.id, "follow_up": follow_up.id, "customer": job.customer_id}


@pytest.fixture
def root(people: dict[str, str], sessions: sessionmaker[Session]) -> str:
    """An admin account."""
    with transaction(sessions) as session:
        add_user(session, "root", PASSWORD, "admin", NOW)
    return "root"


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("tech1", "/follow-ups"),
        ("boss", "/follow-ups"),
        ("tech1", "/complaints"),
        ("tech1", "/complaints/new?customer=1"),
        ("disp", "/reports/compensation"),
        ("tech1", "/reports/compensation"),
        ("disp", "/admin/warranty"),
        ("boss", "/admin/warranty"),
        ("tech1", "/service/jobs/1"),
    ],
)
def test_pages_refuse_other_roles(sign_in: SignIn, user: str, path: str) -> None:
    """Each page answers 403 to the roles it is not for."""
    assert sign_in(user).get(path).status_code == 403


def test_signed_out_goes_to_sign_in(client: FlaskClient, done_job: dict[str, int]) -> None:
    """Signed out, the pages redirect to the sign-in page."""
    assert client.get("/follow-ups").status_code == 302
    assert client.get(f"/visits/{done_job['visit']}/summary").status_code == 302


def test_dispatcher_sees_the_due_call_with_its_script_in_both_languages(
    sign_in: SignIn, done_job: dict[str, int]
) -> None:
    """The list holds yesterday's repair; the form shows the script in Chinese, then in English."""
    client = sign_in("disp")
    listed = client.get("/follow-ups").text
    assert f'data-follow-up="{done_job["follow_up"]}" class="mine' in listed
    form = client.get(f"/follow-ups/{done_job['follow_up']}").text
    assert "问题解决了吗" in form and 'id="follow-up-form"' in form
    client.get("/lang/en")
    english = client.get(f"/follow-ups/{done_job['follow_up']}").text
    assert "Is the problem solved?" in english


def test_not_solved_on_the_form_sends_the_job_back(
    sign_in: SignIn, done_job: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """Posting "not solved" stores the answer and sends the job back, urgent, with a re-plan request;
    without the CSRF token nothing happens."""
    client = sign_in("disp")
    url = f"/follow-ups/{done_job['follow_up']}"
    answer = {"reached": "yes", "solved": "no", "satisfaction": "unsatisfied", "note": "还是漏水"}
    assert client.post(url, data=answer).status_code == 400
    token = csrf_token(client.get(url).text)
    posted = client.post(url, data={**answer, "csrf_token": token})
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/follow-ups")
    with sessions() as session:
        follow_up = session.get_one(FollowUp, done_job["follow_up"])
        job = session.get_one(Job, done_job["job"])
        assert (follow_up.solved, follow_up.satisfaction, follow_up.note) == (False, "unsatisfied", "还是漏水")
        assert follow_up.revisit_job_id == job.id and follow_up.done_by is not None
        assert follow_up.done_by.username == "disp"
        assert (job.status, job.priority) == ("needs_revisit", "urgent")
        assert session.scalars(select(ReplanRequest.job_id)).all() == [job.id]
    assert f'data-follow-up="{done_job["follow_up"]}"' not in client.get("/follow-ups").text


def test_inconsistent_answer_is_flashed_and_not_stored(
    sign_in: SignIn, done_job: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """Reached but no verdict: the error names the field and the call stays open."""
    client = sign_in("disp")
    url = f"/follow-ups/{done_job['follow_up']}"
    token = csrf_token(client.get(url).text)
    page = client.post(url, data={"reached": "yes", "csrf_token": token}, follow_redirects=True).text
    assert "solved: say whether the problem is solved" in page
    with sessions() as session:
        assert session.get_one(FollowUp, done_job["follow_up"]).done_at is None


def test_complaint_from_a_job_escalates_and_a_manager_resolves_it(
    sign_in: SignIn, done_job: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """A dispatcher files a complaint from the job page; once escalated the manager's nav shows a badge,
    the manager records the resolution, and the badge goes; a dispatcher may not resolve."""
    client = sign_in("disp")
    job_page = client.get(f"/service/jobs/{done_job['job']}").text
    assert f"/complaints/new?job={done_job['job']}" in job_page
    url = f"/complaints/new?job={done_job['job']}"
    token = csrf_token(client.get(url).text)
    filed = client.post(url, data={"text": "技师态度差", "csrf_token": token})
    assert filed.status_code == 302
    with sessions() as session:
        complaint = session.scalars(select(Complaint)).one()
        assert (complaint.customer_id, complaint.job_id, complaint.text) == (
            done_job["customer"],
            done_job["job"],
            "技师态度差",
        )
        assert complaint.received_by is not None and complaint.received_by.username == "disp"
        complaint_id = complaint.id
    assert (
        client.post(f"/complaints/{complaint_id}/resolve", data={"resolution": "x", "csrf_token": token}).status_code
        == 403
    )
    with transaction(sessions) as session:
        escalate_unanswered(session, _now() + timedelta(seconds=1))
    client.post("/logout", data={"csrf_token": token})
    manager = sign_in("boss")
    page = manager.get("/complaints?show=escalated").text
    assert 'id="complaints-badge"' in page and f'data-complaint="{complaint_id}"' in page
    token = csrf_token(manager.get(f"/complaints/{complaint_id}").text)
    resolved = manager.post(
        f"/complaints/{complaint_id}/resolve", data={"resolution": "致歉并赠送清洗服务", "csrf_token": token}
    )
    assert resolved.status_code == 302
    with sessions() as session:
        assert session.get_one(Complaint, complaint_id).resolution == "致歉并赠送清洗服务"
    assert 'id="complaints-badge"' not in manager.get("/complaints").text


def test_answering_a_complaint_needs_the_csrf_token(
    sign_in: SignIn, done_job: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """The answer form is refused without its token and stored with it."""
    client = sign_in("disp")
    with transaction(sessions) as session:
        session.add(
            Complaint(customer_id=done_job["customer"], received_at=_now(), text="太慢", answer="", resolution="")
        )
    with sessions() as session:
        complaint_id = session.scalars(select(Complaint.id)).one()
    url = f"/complaints/{complaint_id}/answer"
    assert client.post(url, data={"answer": "已致歉"}).status_code == 400
    token = csrf_token(client.get(f"/complaints/{complaint_id}").text)
    assert client.post(url, data={"answer": "已致歉", "csrf_token": token}).status_code == 302
    with sessions() as session:
        assert session.get_one(Complaint, complaint_id).answer == "已致歉"


def test_visit_summary_is_printable_and_charges_outside_warranty(
    sign_in: SignIn, done_job: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """Out of warranty: 320 for the part plus the seeded repair labour of 80; print CSS; English too."""
    client = sign_in("disp")
    page = client.get(f"/visits/{done_job['visit']}/summary").text
    assert "@media print" in page and 'id="total">¥400.00' in page and 'data-remedy="paid"' in page
    assert "上门服务单" in page
    client.get("/lang/en")
    assert "Service visit summary" in client.get(f"/visits/{done_job['visit']}/summary").text


def test_summary_in_warranty_charges_nothing(
    sign_in: SignIn, done_job: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """Bought 10 days before the call: replacement owed, nothing charged."""
    with transaction(sessions) as session:
        job = session.get_one(Job, done_job["job"])
        assert job.owned_product is not None
        job.owned_product.purchase_date = job.received_at.astimezone(SHANGHAI).date() - timedelta(days=10)
    page = sign_in("boss").get(f"/visits/{done_job['visit']}/summary").text
    assert 'data-remedy="replace"' in page and 'id="total">¥0.00' in page


def test_technician_sees_only_their_own_summary_and_the_warranty_on_the_job(
    sign_in: SignIn, done_job: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """tech1 did the visit: the summary and the job page (with the warranty line) open; tech2 gets 403."""
    client = sign_in("tech1")
    assert client.get(f"/visits/{done_job['visit']}/summary").status_code == 200
    job_page = client.get(f"/me/jobs/{done_job['job']}").text
    assert 'id="warranty"' in job_page and "/summary" in job_page
    client.post("/logout", data={"csrf_token": csrf_token(job_page)})
    assert sign_in("tech2").get(f"/visits/{done_job['visit']}/summary").status_code == 403


def test_admin_edits_warranty_periods_and_fees(sign_in: SignIn, root: str, sessions: sessionmaker[Session]) -> None:
    """A saved form changes the term and the fee; periods out of order are refused naming the field."""
    client = sign_in(root)
    page = client.get("/admin/warranty").text
    token = csrf_token(page)
    with sessions() as session:
        products = [t.product_code for t in session.scalars(select(WarrantyTerm))]
    form = {"csrf_token": token}
    for code in products:
        form.update({f"{code}.refund_days": "7", f"{code}.replace_days": "15", f"{code}.repair_days": "365"})
    for code in ("repair", "install", "maintenance", "delivery"):
        form[f"{code}.labour"] = "80"
    form["air_conditioner.refund_days"] = "10"
    form["repair.labour"] = "95.5"
    assert client.post("/admin/warranty", data=form).status_code == 302
    with sessions() as session:
        assert session.get_one(WarrantyTerm, "air_conditioner").refund_days == 10
    bad = {**form, "air_conditioner.replace_days": "5"}
    answer = client.post("/admin/warranty", data=bad).text
    assert "air_conditioner.replace_days: must be at least the refund period" in answer
    with sessions() as session:
        assert session.get_one(WarrantyTerm, "air_conditioner").replace_days == 15
    assert client.post("/admin/warranty", data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 400


def test_compensation_report_and_csv(sign_in: SignIn, done_job: dict[str, int]) -> None:
    """The late repair (arrived an hour after its promise) is listed with 5 % of 400 = 20 yuan; CSV too."""
    client = sign_in("boss")
    day = (_now() - timedelta(days=1)).date().isoformat()
    page = client.get(f"/reports/compensation?first={day}&last={day}").text
    assert "¥20.00" in page
    csv = client.get(f"/reports/compensation?first={day}&last={day}&format=csv")
    assert csv.mimetype == "text/csv"
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "job,customer,promise_at,arrived_at,late_min,charge,compensation"
    assert any(line.endswith(",60,400.00,20.00") for line in lines[1:])
    assert client.get("/reports/compensation?first=2026-07-06&last=2026-07-01").status_code == 400
    assert client.get("/reports/compensation?first=yesterday").status_code == 400
