"""Follow-up calls: created the day after a repair or install, shared out, answered; "not solved" means a revisit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.errors import IllegalTransition
from dispatch.followups import (
    FollowUpAnswer,
    InvalidAnswer,
    create_due_follow_ups,
    create_follow_ups,
    due_follow_ups,
    record_answer,
)
from dispatch.models import Complaint, FollowUp, Job, ReplanRequest, Satisfaction, Technician, User, Visit
from dispatch.sample import add_service_history
from dispatch.users import add_user
from tests.conftest import DATA
from tests.helpers import SHANGHAI, add_job, add_technician, at, run_import

NEXT_MORNING = at("2026-07-07 07:00")


def _completed(
    session: Session, external_id: str, job_type: str = "repair", done: str = "2026-07-06 15:00", outcome: str = "fixed"
) -> Job:
    """A job of `job_type` completed at `done` by one visit."""
    job = add_job(session, external_id, received="2026-07-06 08:00")
    job.job_type_code = job_type
    job.status = "completed" if outcome != "not_fixed" else "needs_revisit"
    technician = session.scalars(select(Technician)).first() or add_technician(session)
    session.add(Visit(job=job, technician=technician, number=1, completed_at=at(done), outcome=outcome))
    session.flush()
    return job


def _dispatchers(session: Session, *names: str) -> list[User]:
    return [add_user(session, name, "correct-horse", "dispatcher", at("2026-07-01 08:00")) for name in names]


def test_follow_ups_only_for_repairs_and_installs_completed_yesterday(sessions: sessionmaker[Session]) -> None:
    """Of yesterday's repair, install, maintenance, not-fixed repair, and today's and the day before's repairs,
    only the repair and the install get a call, due today."""
    with sessions.begin() as session:
        repair = _completed(session, "J1", "repair")
        install = _completed(session, "J2", "install", outcome="installed_tested")
        _completed(session, "J3", "maintenance")
        _completed(session, "J4", "repair", outcome="not_fixed")
        _completed(session, "J5", "repair", done="2026-07-07 06:30")  # today already
        _completed(session, "J6", "repair", done="2026-07-05 15:00")  # the day before yesterday
        _completed(session, "J7", "repair", done="2026-07-06 23:59")  # late, still yesterday in Shanghai
        created = create_follow_ups(session, NEXT_MORNING, SHANGHAI)
        assert sorted(f.job.external_id for f in created) == ["J1", "J2", "J7"]
        assert {f.due_on for f in created} == {date(2026, 7, 7)}
        assert {repair.visits[0].id, install.visits[0].id} <= {f.visit_id for f in created}


def test_creating_twice_makes_no_second_follow_up(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The scheduled task run twice (e.g. after a restart) leaves one follow-up per completing visit."""
    with sessions.begin() as session:
        _completed(session, "J1")
        _completed(session, "J2")
    assert create_due_follow_ups(sessions, settings, NEXT_MORNING) == "2 follow-up call(s) created"
    assert create_due_follow_ups(sessions, settings, NEXT_MORNING) == "0 follow-up call(s) created"
    with sessions() as session:
        assert len(session.scalars(select(FollowUp)).all()) == 2


def test_calls_go_to_the_least_loaded_active_dispatcher(sessions: sessionmaker[Session]) -> None:
    """Four calls over two dispatchers, one already holding two calls: 3 to the other, 1 to them;
    an inactive dispatcher gets none."""
    with sessions.begin() as session:
        busy, free, away = _dispatchers(session, "busy", "free", "away")
        away.active = False
        for n in range(2):
            old = _completed(session, f"OLD{n}", done="2026-07-04 10:00")
            session.add(
                FollowUp(
                    job=old,
                    visit=old.visits[0],
                    due_on=date(2026, 7, 5),
                    assigned_to_id=busy.id,
                    created_at=at("2026-07-05 07:00"),
                    note="",
                )
            )
        for n in range(4):
            _completed(session, f"J{n}")
        created = create_follow_ups(session, NEXT_MORNING, SHANGHAI)
        assignees = [f.assigned_to_id for f in created]
        assert assignees.count(free.id) == 3 and assignees.count(busy.id) == 1
        assert away.id not in assignees


def test_due_list_puts_own_calls_first_and_leaves_out_done_and_future(sessions: sessionmaker[Session]) -> None:
    """Due today and overdue, open only; the user's own first, then others (unassigned included) oldest first."""
    with sessions.begin() as session:
        me, other = _dispatchers(session, "me", "other")
        rows = {
            "mine": (me.id, date(2026, 7, 7), None),
            "theirs-overdue": (other.id, date(2026, 7, 5), None),
            "nobody": (None, date(2026, 7, 6), None),
            "done": (me.id, date(2026, 7, 7), at("2026-07-07 09:00")),
            "tomorrow": (me.id, date(2026, 7, 8), None),
        }
        for name, (user_id, due, done) in rows.items():
            job = _completed(session, name, done="2026-07-04 10:00")
            session.add(
                FollowUp(
                    job=job,
                    visit=job.visits[0],
                    due_on=due,
                    assigned_to_id=user_id,
                    created_at=at("2026-07-04 10:00"),
                    done_at=done,
                    note="",
                )
            )
        session.flush()
        listed = [f.job.external_id for f in due_follow_ups(session, me.id, date(2026, 7, 7))]
        assert listed == ["mine", "theirs-overdue", "nobody"]


def _follow_up(session: Session) -> FollowUp:
    _completed(session, "J1")
    return create_follow_ups(session, NEXT_MORNING, SHANGHAI)[0]


def test_not_solved_sends_the_job_back_for_an_urgent_revisit(sessions: sessionmaker[Session]) -> None:
    """ "Not solved": the job needs a revisit, is urgent, is linked from the follow-up, and a re-plan is requested."""
    with sessions.begin() as session:
        follow_up = _follow_up(session)
        user = _dispatchers(session, "disp")[0]
        answer = FollowUpAnswer(reached=True, solved=False, satisfaction=Satisfaction.UNSATISFIED, note=" 还是不制冷 ")
        record_answer(session, follow_up, answer, user.id, at("2026-07-07 10:00"))
        job = follow_up.job
        assert job.status == "needs_revisit" and job.priority == "urgent"
        assert job.events[-1].note == "follow-up call: problem not solved"
        assert follow_up.revisit_job_id == job.id
        assert (follow_up.reached, follow_up.solved, follow_up.satisfaction) == (True, False, "unsatisfied")
        assert follow_up.note == "还是不制冷" and follow_up.done_by_id == user.id
        assert follow_up.done_at == at("2026-07-07 10:00")
        session.flush()
        requests = session.scalars(select(ReplanRequest)).all()
        assert [(r.reason, r.job_id) for r in requests] == [("urgent_call", job.id)]


def test_solved_keeps_the_job_completed(sessions: sessionmaker[Session]) -> None:
    """ "Solved, satisfied": the answer is stored, the job stays completed and nothing is re-planned."""
    with sessions.begin() as session:
        follow_up = _follow_up(session)
        record_answer(session, follow_up, FollowUpAnswer(True, True, Satisfaction.SATISFIED), None, NEXT_MORNING)
        session.flush()
        assert follow_up.job.status == "completed" and follow_up.job.priority == "normal"
        assert follow_up.revisit_job_id is None and follow_up.done_at == NEXT_MORNING
        assert session.scalars(select(ReplanRequest)).all() == []


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (FollowUpAnswer(reached=True), "solved"),
        (FollowUpAnswer(reached=False, solved=False), "reached"),
        (FollowUpAnswer(reached=False, satisfaction=Satisfaction.NEUTRAL), "reached"),
    ],
)
def test_inconsistent_answers_are_refused_naming_the_field(
    sessions: sessionmaker[Session], answer: FollowUpAnswer, field: str
) -> None:
    """A reached customer needs a verdict; an unreached one cannot give one; nothing is stored."""
    with sessions.begin() as session:
        follow_up = _follow_up(session)
        with pytest.raises(InvalidAnswer, match=f"^{field}:"):
            record_answer(session, follow_up, answer, None, NEXT_MORNING)
        assert follow_up.done_at is None and follow_up.job.status == "completed"


def test_a_call_is_recorded_once(sessions: sessionmaker[Session]) -> None:
    """A second answer to the same follow-up is refused."""
    with sessions.begin() as session:
        follow_up = _follow_up(session)
        record_answer(session, follow_up, FollowUpAnswer(reached=False), None, NEXT_MORNING)
        with pytest.raises(InvalidAnswer, match="recorded already"):
            record_answer(session, follow_up, FollowUpAnswer(True, False), None, NEXT_MORNING)
        assert follow_up.job.status == "completed"


def test_a_cancelled_job_cannot_go_back(sessions: sessionmaker[Session]) -> None:
    """A job cancelled since cannot be sent back; the follow-up stays open."""
    with sessions.begin() as session:
        follow_up = _follow_up(session)
        follow_up.job.status = "cancelled"
        with pytest.raises(IllegalTransition):
            record_answer(session, follow_up, FollowUpAnswer(True, False), None, NEXT_MORNING)
        assert follow_up.done_at is None


def test_sample_history_has_follow_ups_and_complaints(sessions: sessionmaker[Session], settings: Settings) -> None:
    """On the shipped history: one call per completed repair or install, most made, some not solved (job back
    for a revisit), the last day's still open; complaints answered, escalated and resolved."""
    run_import(
        sessions,
        settings,
        DATA / "parts.csv",
        DATA / "scenarios" / "guangzhou-normal.json",
        *sorted((DATA / "sample").iterdir()),
    )
    with sessions.begin() as session:
        added = add_service_history(session, settings, at("2026-07-06 08:00"))
    with sessions() as session:
        calls = session.scalars(select(FollowUp)).all()
        assert len(calls) == added.follow_ups > 300
        assert {c.job.job_type_code for c in calls} == {"repair", "install"}
        not_solved = [c for c in calls if c.solved is False]
        assert len(not_solved) == added.not_solved > 0
        assert all(c.job.status == "needs_revisit" and c.revisit_job_id == c.job_id for c in not_solved)
        assert 0 < sum(c.done_at is None for c in calls) < sum(c.done_at is not None for c in calls)
        complaints = session.scalars(select(Complaint)).all()
        assert any(c.answered_at for c in complaints)
        assert any(c.escalated_at and not c.resolved_at for c in complaints)
        assert any(c.escalated_at and c.resolved_at for c in complaints)
