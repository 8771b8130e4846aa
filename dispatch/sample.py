"""Sample data: a two-week history of completed jobs for an imported scenario's service centre.

The history is generated (seeded, so the same inputs give the same files) rather than stored
only as fixed files, so that the demo can lay it on the real calendar of the two weeks before
today: technicians work their weekly pattern, never on public holidays, and on swapped working days.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.complaints import ComplaintIntake, answer_complaint, file_complaint
from dispatch.config import Settings
from dispatch.errors import NotFound
from dispatch.followups import FollowUpAnswer, create_follow_ups, record_answer
from dispatch.geo import Location, TravelModel, district_centres, geodesic_m
from dispatch.intake import DEFAULT_DURATION_MIN
from dispatch.io.exporter import write_csv, write_json
from dispatch.models import Customer, Job, Satisfaction, Scenario, Technician, Visit
from dispatch.roster import ShiftSpan, shift_on

# (fault found, cause, part replaced or None) per product; the texts a technician would write.
FAULTS: dict[str, list[tuple[str, str, str | None]]] = {
    "air_conditioner": [
        ("不制冷，外机不启动", "压缩机启动电容失效", "AC-CAP-35UF"),
        ("室内机漏水", "排水管堵塞老化", "AC-DRAIN"),
        ("制冷效果差", "制冷剂不足，管路接头微漏", "AC-R32-1KG"),
        ("显示E1故障码", "温度传感器阻值漂移", "AC-SENSOR-T"),
        ("室内机无反应", "主控板电源电路损坏", "AC-PCB-IN"),
        ("外机噪音大", "室外风机轴承磨损", "AC-FAN-OUT"),
    ],
    "refrigerator": [
        ("冷藏室不制冷", "化霜加热丝断路导致蒸发器结霜", "RF-DEFROST-H"),
        ("压缩机频繁启停", "启动继电器触点烧蚀", "RF-RELAY"),
        ("门关不严，结露", "门封条变形", "RF-GASKET"),
        ("温度不可调", "温控器失效", "RF-THERMO"),
        ("冷藏室有异响", "风扇电机轴承磨损", "RF-FAN"),
    ],
    "washing_machine": [
        ("不排水", "排水泵被异物卡住损坏", "WM-PUMP"),
        ("脱水时剧烈抖动", "滚筒轴承损坏", "WM-BEARING"),
        ("门锁无法锁上，不启动", "门锁开关损坏", "WM-LOCK"),
        ("不进水", "进水阀线圈断路", "WM-VALVE"),
        ("洗涤时电机空转", "皮带老化打滑", "WM-BELT"),
    ],
    "water_heater": [
        ("不加热", "加热管烧断", "WH-ELEMENT"),
        ("水温忽冷忽热", "温控器老化", "WH-THERMO"),
        ("燃气热水器打不着火", "点火针积碳", "WH-IGNITER"),
        ("安全阀滴水", "安全阀密封失效", "WH-VALVE"),
    ],
    "television": [
        ("开机无图像无声音", "电源板电容鼓包", "TV-PSU"),
        ("有声音无图像", "背光灯条损坏", "TV-BACKLIGHT"),
        ("画面花屏", "逻辑板故障", "TV-TCON"),
        ("反复重启", "主板存储芯片故障", "TV-MAINBOARD"),
    ],
    "range_hood": [
        ("吸力弱", "油网堵塞，电机电容容量下降", "RH-CAPACITOR"),
        ("按键失灵", "按键开关板受潮", "RH-SWITCH"),
        ("电机不转", "电机绕组烧毁", "RH-MOTOR"),
    ],
}
MAINTENANCE_PART = {"air_conditioner": None, "range_hood": "RH-FILTER", "water_heater": "WH-ANODE"}
BRANDS = {
    "air_conditioner": ["格力", "美的", "海尔", "奥克斯"],
    "refrigerator": ["海尔", "美的", "容声", "西门子"],
    "washing_machine": ["小天鹅", "海尔", "美的", "西门子"],
    "water_heater": ["A.O.史密斯", "万和", "美的", "海尔"],
    "television": ["TCL", "海信", "创维", "小米"],
    "range_hood": ["方太", "老板", "华帝", "万和"],
}
# Whole-unit warranty years used for the sample products (illustrative, not a legal table).
WARRANTY_YEARS = {
    "air_conditioner": 6,
    "refrigerator": 3,
    "washing_machine": 3,
    "water_heater": 3,
    "television": 1,
    "range_hood": 1,
}
JOB_TYPE_WEIGHTS = {"repair": 0.55, "install": 0.2, "maintenance": 0.15, "delivery": 0.1}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许邓冯韩曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁沈"
ESTATES = [
    "幸福花园",
    "阳光小区",
    "锦绣家园",
    "翠湖苑",
    "星河湾",
    "南国花园",
    "金沙洲新社区",
    "丽江花园",
    "碧桂园",
    "保利花园",
]
FEEDBACK = {
    "satisfied": ["师傅很专业，准时上门", "服务态度好，讲解清楚", "很快修好了，谢谢"],
    "neutral": ["等的时间有点长", "还行", "希望下次能更早上门"],
    "unsatisfied": ["上门太晚了", "第一次没修好，跑了两趟", "预约时间没守时"],
}


@dataclass
class HistoryFiles:
    """The generated sample, as rows of the import formats."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)

    def write(self, folder: Path) -> list[Path]:
        """Write customers.json, products.json, jobs.json and stock.csv into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for kind, rows in (("customers", self.customers), ("products", self.products), ("jobs", self.jobs)):
            path = folder / f"{kind}.json"
            with path.open("w", encoding="utf-8") as out:
                write_json(kind, rows, out)
            paths.append(path)
        path = folder / "stock.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            write_csv("stock", self.stock, out)
        paths.append(path)
        return paths


@dataclass
class _Stop:
    """Where a technician is and when it is free."""

    where: Location
    free_at: datetime
    break_taken: bool = False


class HistoryBuilder:
    """Builds the history one technician-day at a time."""

    def __init__(self, session: Session, scenario: Scenario, settings: Settings, seed: int) -> None:
        self.rng = random.Random(seed)
        self.settings = settings
        self.tz = ZoneInfo(scenario.timezone)
        self.prefix = f"{scenario.name}/"
        self.travel = TravelModel(scenario.road_factor, scenario.speed_kmh)
        self.technicians = list(
            session.scalars(
                select(Technician)
                .where(Technician.external_id.startswith(self.prefix))
                .options(selectinload(Technician.skills), selectinload(Technician.depot))
                .order_by(Technician.external_id)
            )
        )
        self.known_customers = list(
            session.scalars(
                select(Customer).where(Customer.external_id.startswith(self.prefix)).order_by(Customer.external_id)
            )
        )
        self.centres = district_centres(settings)
        self.used_phones = {n for c in self.known_customers for n in c.phone_numbers()}
        self.files = HistoryFiles()
        self.revisits: dict[str, list[dict[str, Any]]] = {}

    def build(self, first_day: date, days: int) -> HistoryFiles:
        """The `days` days before `first_day`, then the stock."""
        for offset in range(days, 0, -1):
            day = first_day - timedelta(days=offset)
            for tech in self.technicians:
                span = shift_on(tech, day, self.settings.country, self.tz)
                if span is not None:
                    self._work_day(tech, span)
        self._stock()
        return self.files

    def _work_day(self, tech: Technician, span: ShiftSpan) -> None:
        stop = _Stop(Location(tech.depot.lat, tech.depot.lon), span.start)
        for job in self.revisits.pop(tech.external_id, []):
            self._revisit(tech, span, stop, job)
        for _ in range(self.rng.randint(3, 6)):
            if not self._new_job(tech, span, stop):
                break

    def _drive(self, span: ShiftSpan, stop: _Stop, to: Location) -> tuple[datetime, datetime] | None:
        """Leave `stop` for `to`, taking the break first when it is due; None when past the shift."""
        if not stop.break_taken and span.break_earliest and stop.free_at >= span.break_earliest:
            stop.free_at += timedelta(minutes=span.break_minutes)
            stop.break_taken = True
        metres = geodesic_m((stop.where.lat, stop.where.lon), (to.lat, to.lon)) * self.travel.road_factor
        arrival = stop.free_at + timedelta(hours=metres / 1000 / self.travel.speed_kmh)
        if arrival > span.end - timedelta(minutes=30):
            return None
        return stop.free_at, arrival.replace(microsecond=0)

    def _new_job(self, tech: Technician, span: ShiftSpan, stop: _Stop) -> bool:
        customer = self._customer()
        leg = self._drive(span, stop, Location(customer["lat"], customer["lon"]))
        if leg is None:
            return False
        depart, arrival = leg
        product, job_type = self._skill(tech)
        response = self._response_minutes(depart, arrival)
        received = (arrival - timedelta(minutes=response)).replace(second=0, microsecond=0)
        owned = self._product(customer, product, job_type, received.date())
        job = {
            "id": f"{self.prefix}H{len(self.files.jobs) + 1:05d}",
            "customer": customer["id"],
            "product": product,
            "job_type": job_type,
            "fault": self._reported_fault(product, job_type),
            "received_at": received.isoformat(),
            "duration_min": DEFAULT_DURATION_MIN[job_type],
            "priority": "urgent" if self.rng.random() < 0.08 else "normal",
            "warranty": "repair" if owned["warranty_end"] >= received.date().isoformat() else "paid",
            "owned_product": owned["id"],
            "visits": [],
        }
        self.files.jobs.append(job)
        self._visit(tech, job, stop, depart, arrival, first=True, late=response > 24 * 60)
        return True

    def _revisit(self, tech: Technician, span: ShiftSpan, stop: _Stop, job: dict[str, Any]) -> None:
        leg = self._drive(span, stop, Location(*self._location_of(job["customer"])))
        if leg is not None:
            self._visit(tech, job, stop, *leg, first=False, late=True)

    def _visit(
        self,
        tech: Technician,
        job: dict[str, Any],
        stop: _Stop,
        depart: datetime,
        arrival: datetime,
        first: bool,
        late: bool,
    ) -> None:
        outcome, fault, cause, part = self._outcome(job, first)
        minutes = (
            5
            if outcome in {"customer_not_home", "rescheduled_by_customer"}
            else round(job["duration_min"] * self.rng.uniform(0.7, 1.4))
        )
        end = arrival + timedelta(minutes=minutes)
        received = datetime.fromisoformat(job["received_at"])
        satisfaction = self._satisfaction(late or not first, outcome)
        job["visits"].append(
            {
                "technician": tech.external_id,
                "number": len(job["visits"]) + 1,
                "planned_arrival": arrival.isoformat(),
                "dispatched_at": max(received, min(depart, received + timedelta(minutes=15))).isoformat(),
                "en_route_at": depart.isoformat(),
                "arrived_at": arrival.isoformat(),
                "started_at": arrival.isoformat(),
                "completed_at": end.isoformat(),
                "fault_found": fault,
                "cause": cause,
                "outcome": outcome,
                "feedback": self.rng.choice(FEEDBACK[satisfaction]) if outcome != "customer_not_home" else "",
                "satisfaction": satisfaction if outcome != "customer_not_home" else None,
                "parts": [f"{part}*1"] if part else [],
            }
        )
        job["status"] = (
            "completed" if outcome in {"fixed", "replaced", "refunded", "installed_tested"} else "needs_revisit"
        )
        if job["status"] == "needs_revisit":
            self.revisits.setdefault(tech.external_id, []).append(job)
        stop.where = Location(*self._location_of(job["customer"]))
        stop.free_at = end

    def _location_of(self, customer_id: str) -> tuple[float, float]:
        for c in self.files.customers:
            if c["id"] == customer_id:
                return c["lat"], c["lon"]
        known = next(c for c in self.known_customers if c.external_id == customer_id)
        return known.lat or 0.0, known.lon or 0.0

    def _outcome(self, job: dict[str, Any], first: bool) -> tuple[str, str, str, str | None]:
        product, job_type, roll = job["product"], job["job_type"], self.rng.random()
        if job_type in {"install", "delivery"}:
            if first and roll < 0.05:
                return "customer_not_home", "", "客户不在家", None
            part = "GEN-INSTALL-KIT" if job_type == "install" else None
            return (
                "installed_tested",
                "新机安装调试正常" if job_type == "install" else "送货到位，开箱验机正常",
                "",
                part,
            )
        if job_type == "maintenance":
            return "fixed", "例行保养：清洗、检测", "使用正常损耗", MAINTENANCE_PART.get(product)
        fault, cause, part = self.rng.choice(FAULTS[product])
        if first and roll < 0.07:
            return "not_fixed", fault, cause + "，需订购配件", None
        if first and roll < 0.1:
            return "customer_not_home", "", "客户不在家", None
        if job["warranty"] != "paid" and roll > 0.97:
            return "replaced", fault, cause + "，按三包规定换机", None
        return "fixed", fault, cause, part

    def _satisfaction(self, troubled: bool, outcome: str) -> str:
        weights = (0.5, 0.3, 0.2) if troubled or outcome == "not_fixed" else (0.82, 0.13, 0.05)
        return self.rng.choices(["satisfied", "neutral", "unsatisfied"], weights)[0]

    def _response_minutes(self, depart: datetime, arrival: datetime) -> int:
        """Minutes from call to arrival: mostly within the 6-hour target, some late, a few past the promise."""
        roll = self.rng.random()
        minutes = (
            self.rng.uniform(45, 360)
            if roll < 0.62
            else self.rng.uniform(360, 1440)
            if roll < 0.95
            else self.rng.uniform(1440, 1800)
        )
        drive = (arrival - depart).total_seconds() / 60
        return round(max(minutes, drive + 20))

    def _skill(self, tech: Technician) -> tuple[str, str]:
        skills = [(s.product_code, s.job_type_code) for s in tech.skills]
        weights = [JOB_TYPE_WEIGHTS.get(j, 0.1) for _, j in skills]
        return self.rng.choices(skills, weights)[0]

    def _reported_fault(self, product: str, job_type: str) -> str:
        if job_type == "repair":
            return self.rng.choice(FAULTS[product])[0]
        return {"install": "新机安装", "maintenance": "年度保养", "delivery": "送货上门"}[job_type]

    def _customer(self) -> dict[str, Any]:
        """A returning customer of the scenario (so today's callers have a history), or a new one."""
        if self.known_customers and self.rng.random() < 0.3:
            known = self.rng.choice(self.known_customers)
            return {"id": known.external_id, "lat": known.lat, "lon": known.lon}
        district = self.rng.choice(sorted(self.centres))
        centre = self.centres[district]
        row = {
            "id": f"{self.prefix}HC{len(self.files.customers) + 1:05d}",
            "name": self.rng.choice(SURNAMES) + self.rng.choice(["先生", "女士"]),
            "phones": [self._phone()],
            "address": self._address(district),
            "district": district,
            "lat": round(centre.lat + self.rng.uniform(-0.03, 0.03), 6),
            "lon": round(centre.lon + self.rng.uniform(-0.03, 0.03), 6),
            "notes": "",
        }
        self.files.customers.append(row)
        return row

    def _address(self, district: str) -> str:
        building, floor, flat = self.rng.randint(1, 30), self.rng.randint(1, 32), self.rng.randint(1, 6)
        return f"广州市{district}{self.rng.choice(ESTATES)}{building}栋{floor}0{flat}"

    def _phone(self) -> str:
        while True:
            number = self.rng.choice(["138", "139", "150", "186", "189", "135"]) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def _product(self, customer: dict[str, Any], product: str, job_type: str, call_day: date) -> dict[str, Any]:
        bought = (
            call_day if job_type in {"install", "delivery"} else call_day - timedelta(days=self.rng.randint(60, 2900))
        )
        row = {
            "id": f"{self.prefix}HP{len(self.files.products) + 1:05d}",
            "customer": customer["id"],
            "category": product,
            "brand": self.rng.choice(BRANDS[product]),
            "model": f"{product[:2].upper()}-{self.rng.randint(100, 999)}",
            "serial": f"SN{self.rng.randrange(10**10):010d}",
            "purchase_date": bought.isoformat(),
            "warranty_end": _add_years(bought, WARRANTY_YEARS[product]).isoformat(),
        }
        self.files.products.append(row)
        return row

    def _stock(self) -> None:
        depots = sorted({t.depot.external_id for t in self.technicians})
        for depot in depots:
            for code in _part_codes():
                self.files.stock.append(
                    {"part": code, "location": f"depot:{depot}", "quantity": self.rng.randint(10, 60)}
                )
        for tech in self.technicians:
            products = {s.product_code for s in tech.skills}
            for code, product in _parts_by_product():
                if product is None or product in products:
                    self.files.stock.append(
                        {
                            "part": code,
                            "location": f"van:{tech.external_id}",
                            "quantity": self.rng.randint(1, 5),
                        }
                    )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _parts_by_product() -> list[tuple[str, str | None]]:
    pairs: set[tuple[str, str | None]] = {
        (part, product) for product, faults in FAULTS.items() for _, _, part in faults if part
    }
    pairs |= {(part, product) for product, part in MAINTENANCE_PART.items() if part}
    pairs.add(("GEN-INSTALL-KIT", None))
    return sorted(pairs, key=lambda p: p[0])


def _part_codes() -> list[str]:
    return sorted({code for code, _ in _parts_by_product()})


def generate_history(
    session: Session, scenario_name: str, settings: Settings, days: int = 14, seed: int = 7
) -> HistoryFiles:
    """Completed jobs with visits on the `days` days before the scenario's first day, plus stock.

    Raises
    ------
    NotFound
        When the scenario is not imported.
    """
    scenario = session.get(Scenario, scenario_name)
    if scenario is None:
        raise NotFound(f"scenario {scenario_name!r} is not imported")
    first_day = scenario.start.astimezone(ZoneInfo(scenario.timezone)).date()
    return HistoryBuilder(session, scenario, settings, seed).build(first_day, days)


def scenario_name(path: Path) -> str:
    """The `name` inside a scenario file."""
    return str(json.loads(path.read_text(encoding="utf-8"))["name"])


# --- After-sales service history (follow-up calls and complaints) ----------------------------

FOLLOW_UP_NOTES = {
    "satisfied": ["客户表示已正常使用", "客户满意，无其他问题"],
    "neutral": ["客户表示基本正常", "客户希望下次更准时"],
    "unsatisfied": ["客户反映问题仍在", "客户对上门时间不满意"],
}
COMPLAINTS = ["技师迟到，未提前通知", "第一次没修好，又要请假等师傅", "收费与电话里说的不一致", "师傅态度不好"]
ANSWERS = ["已向客户致歉，并说明原因", "已核实情况并电话回复客户"]
RESOLUTIONS = ["经理致电致歉，减免人工费", "安排资深技师复查，客户接受"]


@dataclass(frozen=True)
class ServiceHistory:
    """What `add_service_history` added."""

    follow_ups: int
    not_solved: int
    complaints: int


def add_service_history(session: Session, settings: Settings, now: datetime, seed: int = 7) -> ServiceHistory:
    """Follow-up calls and complaints for the completed jobs of the history, as the centre would have them at `now`.

    Each day's repairs and installs get their call the next day (the scheduled task's own function).
    The calls are made, mostly solved, a few "not solved" sending the job back for a revisit; those
    about the last day of work stay open for the dispatchers. About one unhappy customer in five
    complained: most were answered the same day, the others escalated at the end of that day, and
    some of those have a manager's resolution. Run once, on a history without follow-ups.
    """
    rng, tz = random.Random(seed), settings.tz
    today = now.astimezone(tz).date()
    escalate_at = time.fromisoformat(settings.complaints_escalate_at)
    completed = [v.completed_at for v in session.scalars(select(Visit).where(Visit.completed_at.is_not(None)))]
    days = sorted({moment.astimezone(tz).date() for moment in completed if moment is not None})
    follow_ups = not_solved = 0
    for day in (d for d in days if d < today):
        morning = datetime.combine(day + timedelta(days=1), time(8), tz)
        for follow_up in create_follow_ups(session, morning, tz):
            follow_ups += 1
            if follow_up.due_on > days[-1]:
                continue  # the calls about the last day of work are still to make
            verdict = follow_up.visit.satisfaction or "satisfied"
            reached = rng.random() > 0.08
            solved = not (verdict == "unsatisfied" and rng.random() < 0.3) if reached else None
            answer = FollowUpAnswer(
                reached=reached,
                solved=solved,
                satisfaction=Satisfaction(verdict) if reached else None,
                note=rng.choice(FOLLOW_UP_NOTES[verdict]) if reached else "",
            )
            record_answer(session, follow_up, answer, None, morning + timedelta(minutes=rng.randint(30, 480)))
            not_solved += solved is False
    unhappy = session.scalars(
        select(Visit)
        .where(Visit.satisfaction == Satisfaction.UNSATISFIED.value, Visit.completed_at < now - timedelta(days=2))
        .order_by(Visit.completed_at)
    ).all()
    complaints = 0
    for visit in unhappy:
        if visit.completed_at is None or rng.random() > 0.2:
            continue
        job: Job = visit.job
        received = visit.completed_at + timedelta(hours=rng.randint(1, 3))
        complaint = file_complaint(
            session, ComplaintIntake(job.customer_id, rng.choice(COMPLAINTS), job.id), None, received
        )
        complaints += 1
        end_of_day = datetime.combine(received.astimezone(tz).date(), escalate_at, tz)
        if end_of_day < received:  # came in after that day's escalation: the next day's run takes it
            end_of_day += timedelta(days=1)
        if rng.random() < 0.5:
            answer_complaint(session, complaint, rng.choice(ANSWERS), received + timedelta(hours=1))
            continue
        complaint.escalated_at = end_of_day  # as the end-of-day task would have (without its log line)
        if rng.random() < 0.5:
            complaint.resolution = rng.choice(RESOLUTIONS)
            complaint.resolved_at = end_of_day + timedelta(hours=11)
    session.flush()
    return ServiceHistory(follow_ups, not_solved, complaints)
