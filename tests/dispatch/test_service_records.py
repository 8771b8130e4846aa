"""Service record search across visits, and the fault report per product model."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.service_records import Frequency, ModelFaults, RecordFilter, fault_report, search_records
from tests.helpers import SHANGHAI, add_customer, add_part, add_product, add_technician, add_visit


@pytest.fixture
def records(sessions: sessionmaker[Session]) -> None:
    """Eight recorded visits and one to come, on two AC models, a fridge and a job without a product.

    KFR-35GW (T1 unless said): 不制冷/缺氟 x2 (one typed " 不制冷 "), 不制冷/电容失效 (T2, a capacitor),
    漏水/排水管堵塞 x2 (one at 23:30 local on 07-05). KFR-26GW: 噪音大/风叶松动. BCD-470: 不制冷/压缩机故障
    (two fan motors). No product: 不制冷 with no cause. Still to come on KFR-35GW: 漏水.
    """
    with sessions.begin() as session:
        t1 = add_technician(session, "T1")
        t2 = add_technician(session, "T2")
        t2.name = "张伟"
        cao = add_customer(session, "C1", "曹先生", "13800138000")
        li = add_customer(session, "C2", "李女士", "02088881234")
        ac35 = add_product(cao, "air_conditioner", "KFR-35GW", "SN-1", date(2025, 1, 1))
        ac26 = add_product(li, "air_conditioner", "KFR-26GW", "SN-2", date(2025, 1, 1))
        fridge = add_product(li, "refrigerator", "BCD-470", "SN-3", date(2025, 1, 1))
        capacitor = add_part(session, "AC-CAP-35UF", "启动电容")
        fan = add_part(session, "RF-FAN-01", "冷凝风扇电机")
        add_visit(session, "R1", cao, t1, "2026-07-01 10:00", "不制冷", "缺氟", ac35)
        add_visit(session, "R2", cao, t1, "2026-07-02 10:00", " 不制冷 ", "缺氟", ac35)
        add_visit(session, "R3", cao, t2, "2026-07-03 10:00", "不制冷", "电容失效", ac35, ((capacitor, 1),))
        add_visit(session, "R4", cao, t1, "2026-07-04 10:00", "漏水", "排水管堵塞", ac35)
        add_visit(session, "R5", cao, t1, "2026-07-05 23:30", "漏水", "排水管堵塞", ac35)
        add_visit(session, "R6", li, t1, "2026-07-06 09:00", "噪音大", "风叶松动", ac26)
        add_visit(session, "R7", li, t2, "2026-07-06 11:00", "不制冷", "压缩机故障", fridge, ((fan, 2),))
        add_visit(session, "R8", li, t1, "2026-07-06 12:00", "不制冷", "", None)
        add_visit(session, "R9", cao, t1, None, "漏水", product=ac35, outcome=None, satisfaction=None)


def _found(session: Session, criteria: RecordFilter) -> list[str]:
    return [v.job.external_id for v in search_records(session, criteria, SHANGHAI, per_page=100).items]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (RecordFilter(), ["R8", "R7", "R6", "R5", "R4", "R3", "R2", "R1"]),  # latest first, R9 not recorded
        (RecordFilter(product="refrigerator"), ["R7"]),
        (RecordFilter(model="kfr-26"), ["R6"]),
        (RecordFilter(fault="漏水"), ["R5", "R4"]),
        (RecordFilter(cause="电容"), ["R3"]),
        (RecordFilter(part="AC-CAP"), ["R3"]),
        (RecordFilter(part="风扇"), ["R7"]),  # a part's name in part
        (RecordFilter(technician="T2"), ["R7", "R3"]),
        (RecordFilter(first_day=date(2026, 7, 6)), ["R8", "R7", "R6"]),  # 07-05 23:30 local stays out
        (RecordFilter(last_day=date(2026, 7, 5)), ["R5", "R4", "R3", "R2", "R1"]),
        (RecordFilter(first_day=date(2026, 7, 2), last_day=date(2026, 7, 3), fault="不制冷"), ["R3", "R2"]),
        (RecordFilter(fault="100%"), []),
    ],
)
def test_record_search_filters(
    sessions: sessionmaker[Session], records: None, criteria: RecordFilter, expected: list[str]
) -> None:
    """Each filter keeps exactly the recorded visits it names; local days bound the date range."""
    with sessions() as session:
        assert _found(session, criteria) == expected


def test_record_search_pages(sessions: sessionmaker[Session], records: None) -> None:
    """Eight records by three: three pages, the last one holding two."""
    with sessions() as session:
        last = search_records(session, RecordFilter(), SHANGHAI, number=3, per_page=3)
        assert (last.total, last.pages, [v.job.external_id for v in last.items]) == (8, 3, ["R2", "R1"])


def test_fault_report_counts_equal_a_hand_count(sessions: sessionmaker[Session], records: None) -> None:
    """Per model, most visited first: trimmed texts merge, empty causes and unrecorded visits are not counted."""
    with sessions() as session:
        report = fault_report(session, RecordFilter(), SHANGHAI, top=2)
    assert report == [
        ModelFaults(
            "air_conditioner",
            "KFR-35GW",
            5,
            faults=[Frequency("不制冷", 3), Frequency("漏水", 2)],
            causes=[Frequency("排水管堵塞", 2), Frequency("缺氟", 2)],
        ),
        ModelFaults("air_conditioner", "", 1, faults=[Frequency("不制冷", 1)], causes=[]),
        ModelFaults(
            "air_conditioner", "KFR-26GW", 1, faults=[Frequency("噪音大", 1)], causes=[Frequency("风叶松动", 1)]
        ),
        ModelFaults("refrigerator", "BCD-470", 1, faults=[Frequency("不制冷", 1)], causes=[Frequency("压缩机故障", 1)]),
    ]


def test_fault_report_follows_the_filters(sessions: sessionmaker[Session], records: None) -> None:
    """Only T2's visits: one AC and one fridge record, ties ordered by product code."""
    with sessions() as session:
        report = fault_report(session, RecordFilter(technician="T2"), SHANGHAI, top=1)
        assert [(m.model, m.visits, m.faults, m.causes) for m in report] == [
            ("KFR-35GW", 1, [Frequency("不制冷", 1)], [Frequency("电容失效", 1)]),
            ("BCD-470", 1, [Frequency("不制冷", 1)], [Frequency("压缩机故障", 1)]),
        ]
        assert fault_report(session, RecordFilter(product="television"), SHANGHAI) == []
