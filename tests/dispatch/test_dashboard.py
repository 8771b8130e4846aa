"""The managers' dashboard figures against hand counts on a small fixture.

The fixture (business day D = Monday 2026-07-06, Asia/Shanghai; range D..D+1; `NOW` = D+2 12:00):

| job | received | window | first arrival | district | technician | on target | within promise |
|---|---|---|---|---|---|---|---|
| J1 | D 09:00 | - | D 10:00 | A | T1 | yes | yes |
| J2 | D 09:00 | - | D 18:00 (revisit) | A | T2 | no | yes |
| J3 | D 09:00 | - | D+1 10:00 | B | T1 | no | no |
| J4 | D 09:00 | D+1 14:00-16:00 | D+1 15:30 | B | T2 | yes | yes (window) |
| J5 | D 09:00 | D 13:00-15:00 | D 15:30 (not home) | A | T1 | no | no |
| J6 | D 09:00 | - | never | B | - | no (miss) | no (miss) |
| J7 | cancelled | | | | | not counted | |
| J8 | D+1 20:00 | - | never | B | - | no (miss) | pending |
| J9 | D-1 | | | | | outside the range | |
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.dashboard import Cause, Dashboard, build_dashboard
from dispatch.dashboard_export import table_csv, table_xlsx
from dispatch.dashboard_sql import DashboardFilter
from dispatch.db import transaction
from dispatch.models import (
    Absence,
    Complaint,
    Customer,
    DayPlan,
    Depot,
    FollowUp,
    Job,
    Part,
    PlanRoute,
    PlanStop,
    PlanVersion,
    Shift,
    Technician,
    Visit,
    VisitPart,
    WeeklyShift,
)
from dispatch.roster import shift_on, shifts_over

TZ = ZoneInfo("Asia/Shanghai")
D = date(2026, 7, 6)
NOW = datetime(2026, 7, 8, 12, 0, tzinfo=TZ)
RANGE = DashboardFilter(D, D + timedelta(days=1))


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(D + timedelta(days=day_offset), time(hour, minute), tzinfo=TZ)


def _job(session: Session, name: str, customer: Customer, received: datetime, **extra: object) -> Job:
    job = Job(
        external_id=name,
        customer=customer,
        product_code=extra.pop("product", "washing_machine"),
        job_type_code=extra.pop("job_type", "repair"),
        received_at=received,
        target_at=received + timedelta(hours=6),
        promise_at=received + timedelta(hours=24),
        duration_min=60,
        status=extra.pop("status", "completed"),
        status_changed_at=received,
        **extra,
    )
    session.add(job)
    return job


def _visit(job: Job, number: int, tech: Technician, arrival: datetime, outcome: str, **extra: object) -> Visit:
    """A visit with a 30-minute drive before and an hour on site."""
    visit = Visit(
        technician=tech,
        number=number,
        planned_arrival=extra.pop("planned", arrival),
        dispatched_at=extra.pop("dispatched", job.received_at + timedelta(minutes=30)),
        en_route_at=arrival - timedelta(minutes=30),
        arrived_at=arrival,
        completed_at=arrival + timedelta(hours=1),
        outcome=outcome,
        **extra,
    )
    job.visits.append(visit)
    return visit


@pytest.fixture
def history(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The jobs of the module docstring, with visits, a part, a complaint, follow-ups and plans; name -> id."""
    with transaction(sessions) as session:
        depot = Depot(external_id="D1", name="depot", lat=23.1, lon=113.3)
        t1 = Technician(external_id="T1", name="Li", depot=depot)
        t2 = Technician(external_id="T2", name="Wang", depot=depot)
        for tech in (t1, t2):
            tech.weekly_shifts = [
                WeeklyShift(weekday=d, start=time(8), end=time(18), break_minutes=60) for d in range(7)
            ]
        a = Customer(external_id="CA", name="A", district="A", created_at=at(-10, 9))
        b = Customer(external_id="CB", name="B", district="B", created_at=at(-10, 9))
        session.add_all([depot, t1, t2, a, b])
        j1 = _job(session, "J1", a, at(0, 9), product="air_conditioner")
        j2 = _job(session, "J2", a, at(0, 9), product="refrigerator", priority="urgent")
        j3 = _job(session, "J3", b, at(0, 9))
        j4 = _job(session, "J4", b, at(0, 9), job_type="install", window_start=at(1, 14), window_end=at(1, 16))
        j5 = _job(session, "J5", a, at(0, 9), window_start=at(0, 13), window_end=at(0, 15))
        j6 = _job(session, "J6", b, at(0, 9), status="new", priority="complaint")
        _job(session, "J7", a, at(0, 9), status="cancelled")
        j8 = _job(session, "J8", b, at(1, 20), status="new")
        j9 = _job(session, "J9", a, at(-1, 9))
        v1 = _visit(j1, 1, t1, at(0, 10), "fixed", satisfaction="satisfied")
        _visit(j2, 1, t2, at(0, 18), "not_fixed", planned=at(0, 14))
        _visit(j2, 2, t2, at(1, 10), "fixed", satisfaction="unsatisfied")
        v3 = _visit(j3, 1, t1, at(1, 10), "fixed", planned=at(1, 9, 30), satisfaction="neutral")
        _visit(j4, 1, t2, at(1, 15, 30), "installed_tested", satisfaction="satisfied")
        _visit(j5, 1, t1, at(0, 15, 30), "customer_not_home", dispatched=at(0, 15, 10))
        _visit(j5, 2, t1, at(1, 11, 30), "fixed")
        _visit(j9, 1, t1, at(-1, 10), "fixed", satisfaction="unsatisfied")
        part = Part(code="T-PART", name="电容", unit_price=Decimal("35.00"))
        session.add(part)
        session.flush()
        session.add(VisitPart(visit_id=v1.id, part_id=part.id, quantity=2))
        session.add(Complaint(customer=a, job=j2, received_at=at(1, 12), text="太晚了"))
        session.add(FollowUp(job=j1, visit=v1, due_on=D + timedelta(days=1), created_at=at(0, 11), done_at=at(1, 10)))
        session.add(FollowUp(job=j3, visit=v3, due_on=D + timedelta(days=2), created_at=at(1, 11)))
        _plans(session, t1, t2, j1, j2, j5)
        session.flush()
        return {job.external_id: job.id for job in (j1, j2, j3, j4, j5, j6, j8)} | {"T1": t1.id, "T2": t2.id}


def _plans(session: Session, t1: Technician, t2: Technician, j1: Job, j2: Job, j5: Job) -> None:
    """Day D published: T1 12 km with two stops, T2 8 km with one; day D+1 only a draft of 50 km."""
    published = PlanVersion(day=D, number=1, status="published", created_at=at(-1, 18))
    draft = PlanVersion(day=D + timedelta(days=1), number=1, status="draft", created_at=at(0, 18))
    session.add_all([published, draft])
    session.flush()
    session.add(DayPlan(day=D, published_version_id=published.id, revision=1))

    def route(version: PlanVersion, tech: Technician, metres: int, jobs: list[Job]) -> None:
        r = PlanRoute(version=version, technician=tech, depart=at(0, 8), back=at(0, 18), distance_m=metres)
        r.stops = [
            PlanStop(position=i, job=job, arrival=at(0, 10), start=at(0, 10), end=at(0, 11))
            for i, job in enumerate(jobs)
        ]
        session.add(r)

    route(published, t1, 12_000, [j1, j5])
    route(published, t2, 8_000, [j2])
    route(draft, t1, 50_000, [j1])


def _dashboard(sessions: sessionmaker[Session], criteria: DashboardFilter = RANGE) -> Dashboard:
    with sessions() as session:
        return build_dashboard(session, criteria, NOW, TZ, "CN")


def test_on_time_rates_equal_the_hand_count(history: dict[str, int], sessions: sessionmaker[Session]) -> None:
    """7 counted jobs: 2 of 7 on target, 3 of 6 within promise (J8 pending), J6 missed."""
    s = _dashboard(sessions).summary
    assert (s.jobs, s.served, s.missed, s.pending) == (7, 5, 1, 1)
    assert (s.on_target, s.target_due) == (2, 7)
    assert (s.within_promise, s.promise_due) == (3, 6)
    assert s.on_target_rate == pytest.approx(2 / 7)
    assert s.within_promise_rate == pytest.approx(0.5)
    # Response over served jobs without window: J1 60, J2 540, J3 1500 minutes.
    assert s.response_avg_min == pytest.approx(700)


def test_breakdowns_equal_the_hand_count(history: dict[str, int], sessions: sessionmaker[Session]) -> None:
    """Per day, district, technician (unvisited jobs under ""), product and priority."""
    b = _dashboard(sessions).breakdowns

    def rows(name: str) -> dict[str, tuple[int, int, int, int, int]]:
        return {r.key: (r.jobs, r.on_target, r.target_due, r.within_promise, r.promise_due) for r in b[name]}

    assert rows("day") == {D.isoformat(): (6, 2, 6, 3, 6), (D + timedelta(days=1)).isoformat(): (1, 0, 1, 0, 0)}
    assert rows("district") == {"A": (3, 1, 3, 2, 3), "B": (4, 1, 4, 1, 3)}
    assert rows("technician") == {"": (2, 0, 2, 0, 1), "Li (T1)": (3, 1, 3, 1, 3), "Wang (T2)": (2, 1, 2, 2, 2)}
    assert rows("product")["refrigerator"] == (1, 0, 1, 1, 1)
    assert rows("product")["washing_machine"] == (5, 1, 5, 1, 4)
    assert rows("priority") == {"complaint": (1, 0, 1, 0, 1), "normal": (5, 2, 5, 2, 4), "urgent": (1, 0, 1, 1, 1)}
    assert [r.key for r in b["job_type"]] == ["install", "repair"]


def test_histograms_bin_response_and_lateness(history: dict[str, int], sessions: sessionmaker[Session]) -> None:
    """Response: J1 1 h, J2 9 h, J3 25 h; lateness past the target: J5 30 min, J2 3 h, J3 19 h."""
    dash = _dashboard(sessions)
    assert dash.response_h.counts == (1, 0, 0, 0, 0, 0, 1, 0, 1)
    assert dash.lateness_min.counts == (1, 0, 0, 1, 0, 0, 1)


def test_worst_misses_are_ordered_with_their_causes(history: dict[str, int], sessions: sessionmaker[Session]) -> None:
    """Furthest past the target first (unserved until now), each with the causes its records show."""
    worst = _dashboard(sessions).worst
    assert [(m.external_id, round(m.late_min)) for m in worst] == [
        ("J6", 2700),
        ("J3", 1140),
        ("J8", 600),
        ("J2", 180),
        ("J5", 30),
    ]
    causes = {m.external_id: m.causes for m in worst}
    assert causes["J6"] == (Cause.NOT_SERVED,)
    assert causes["J8"] == (Cause.NOT_SERVED, Cause.OUTSIDE_HOURS)
    assert causes["J3"] == (Cause.PLANNED_LATE,)
    assert causes["J2"] == (Cause.RAN_LATE, Cause.REVISIT)
    assert causes["J5"] == (Cause.DISPATCHED_LATE, Cause.CUSTOMER_NOT_HOME)
    assert [m.within_promise for m in worst] == [False, False, False, True, False]


def test_service_figures(history: dict[str, int], sessions: sessionmaker[Session]) -> None:
    """First-time fix, visits per job, satisfaction, complaints, follow-ups, parts and planned km."""
    dash = _dashboard(sessions)
    o = dash.other
    assert (dash.summary.first_fixed, dash.summary.completed) == (3, 5)
    assert dash.visits_per_job == pytest.approx(7 / 5)
    assert o.satisfaction == {"satisfied": 2, "neutral": 1, "unsatisfied": 1}
    assert o.satisfaction_share("satisfied") == pytest.approx(0.5)
    assert dash.complaint_rate == pytest.approx(1 / 7)
    assert (o.follow_ups_done, o.follow_ups_due) == (1, 2)
    assert [(p.code, p.quantity, p.value) for p in o.parts] == [("T-PART", 2, 70.0)]
    # Only day D's published plan: 20 km over 3 stops; the draft of D+1 is not driven.
    assert (o.planned_km, o.planned_stops) == (20.0, 3)


def test_utilisation_from_visit_times_and_shifts(history: dict[str, int], sessions: sessionmaker[Session]) -> None:
    """Two 9-hour shifts each; every visit 30 min driving and 1 h on site; T2 works until 19:00 on D."""
    use = {u.technician: u for u in _dashboard(sessions).other.utilisation}
    li, wang = use["Li (T1)"], use["Wang (T2)"]
    assert (li.available_min, li.on_site_min, li.driving_min, li.overtime_min) == pytest.approx((1080, 240, 120, 0))
    assert (wang.on_site_min, wang.driving_min, wang.overtime_min) == pytest.approx((180, 90, 60))
    assert wang.idle_min == pytest.approx(1080 - (180 + 90 - 60))


@pytest.mark.parametrize(
    ("criteria", "jobs", "on_target", "within"),
    [
        (DashboardFilter(D, D + timedelta(days=1), district="A"), 3, 1, 2),
        (DashboardFilter(D, D + timedelta(days=1), product="refrigerator"), 1, 0, 1),
        (DashboardFilter(D, D + timedelta(days=1), job_type="install"), 1, 1, 1),
        (DashboardFilter(D, D + timedelta(days=1), priority="urgent"), 1, 0, 1),
        (DashboardFilter(D, D), 6, 2, 3),
        (DashboardFilter(D - timedelta(days=1), D - timedelta(days=1)), 1, 1, 1),
        (DashboardFilter(D + timedelta(days=5), D + timedelta(days=6)), 0, 0, 0),
    ],
)
def test_filters_narrow_the_jobs(
    history: dict[str, int],
    sessions: sessionmaker[Session],
    criteria: DashboardFilter,
    jobs: int,
    on_target: int,
    within: int,
) -> None:
    """District, product, job type, priority and the date range each narrow the counted jobs."""
    s = _dashboard(sessions, criteria).summary
    assert (s.jobs, s.on_target, s.within_promise) == (jobs, on_target, within)


def test_technician_filter_narrows_jobs_and_utilisation(
    history: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """A technician's jobs are those of its first visits; utilisation shows that technician alone."""
    dash = _dashboard(sessions, DashboardFilter(D, D + timedelta(days=1), technician_id=history["T2"]))
    assert (dash.summary.jobs, dash.summary.on_target, dash.summary.within_promise) == (2, 1, 2)
    assert [u.technician for u in dash.other.utilisation] == ["Wang (T2)"]
    assert (dash.other.planned_km, dash.other.planned_stops) == (8.0, 1)


def test_an_empty_range_has_no_rates(sessions: sessionmaker[Session], settings: Settings) -> None:
    """No jobs: every rate is None rather than a division by zero."""
    dash = _dashboard(sessions)
    assert dash.summary.jobs == 0
    assert dash.summary.on_target_rate is None and dash.summary.within_promise_rate is None
    assert dash.worst == [] and dash.visits_per_job is None and dash.complaint_rate is None


def test_a_range_ending_before_it_starts_is_refused() -> None:
    """The filter checks its own range."""
    with pytest.raises(ValueError, match="ends before"):
        DashboardFilter(D, D - timedelta(days=1))


def test_exports_keep_text_and_numbers() -> None:
    """CSV carries a BOM for spreadsheets; XLSX keeps numbers numeric."""
    from io import BytesIO

    from openpyxl import load_workbook

    csv = table_csv(["区域", "rate"], [["天河区", 12.5], ["越秀区", None]])
    assert csv.decode("utf-8-sig").splitlines() == ["区域,rate", "天河区,12.5", "越秀区,"]
    sheet = load_workbook(BytesIO(table_xlsx("By district", ["区域", "rate"], [["天河区", 12.5]]))).active
    assert sheet is not None
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [["区域", "rate"], ["天河区", 12.5]]


def test_roster_over_many_days_equals_shift_on_day_by_day(sessions: sessionmaker[Session]) -> None:
    """The dashboard reads a quarter's shifts at once (`shifts_over`, spans shared between technicians):
    the same spans as `shift_on` asked day by day, through a dated shift, an absence, National Day, the
    swapped Saturday after it, a night shift and an inactive technician."""
    first = date(2026, 9, 25)
    days = [first + timedelta(days=n) for n in range(21)]
    with transaction(sessions) as session:
        depot = Depot(external_id="D1", name="depot", lat=23.1, lon=113.3)
        day_tech = Technician(external_id="T1", name="Li", depot=depot)
        day_tech.weekly_shifts = [
            WeeklyShift(weekday=d, start=time(8), end=time(18), break_minutes=60) for d in range(5)
        ]
        day_tech.shifts = [
            Shift(start=datetime(2026, 9, 27, 9, tzinfo=TZ), end=datetime(2026, 9, 27, 13, tzinfo=TZ), break_minutes=0)
        ]
        day_tech.absences = [Absence(first_day=date(2026, 10, 12), last_day=date(2026, 10, 13))]
        night_tech = Technician(external_id="T2", name="Wang", depot=depot)
        night_tech.weekly_shifts = [
            WeeklyShift(weekday=d, start=time(22), end=time(6), break_minutes=30) for d in range(7)
        ]
        gone = Technician(external_id="T3", name="Zhao", depot=depot, active=False)
        gone.weekly_shifts = [WeeklyShift(weekday=d, start=time(8), end=time(18), break_minutes=60) for d in range(7)]
        session.add_all([depot, day_tech, night_tech, gone])
        session.flush()
        for tech in (day_tech, night_tech, gone):
            expected = {d: span for d in days if (span := shift_on(tech, d, "CN", TZ)) is not None}
            assert shifts_over(tech, days, "CN", TZ) == expected
        assert date(2026, 10, 10) in shifts_over(day_tech, days, "CN", TZ)  # the swapped Saturday is worked
        assert shifts_over(gone, days, "CN", TZ) == {}
