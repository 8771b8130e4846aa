"""The managers' dashboard: on-time rates and the service figures for a date range, with CSV/XLSX exports.

Views parse the filter, call `dispatch.dashboard.build_dashboard` and lay its figures out as tables
(the same tables the page shows are the ones exported) and chart data for web/static/dashboard.js.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from dispatch.dashboard import BREAKDOWNS, Cause, Dashboard, Histogram, OnTime, build_dashboard, filter_choices
from dispatch.dashboard_export import Cell, table_csv, table_xlsx
from dispatch.dashboard_sql import DashboardFilter
from dispatch.models import Priority, Role
from web.auth import roles_required
from web.db import db
from web.i18n import label
from web.query import day_arg

bp = Blueprint("manager", __name__, url_prefix="/manager")

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Table:
    """A titled table as shown and exported."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]


@bp.get("/dashboard")
@roles_required(Role.MANAGER)
def dashboard() -> ResponseReturnValue:
    """The dashboard for the filter in the query string (default: the last 30 days)."""
    criteria = _criteria(request.args)
    dash = _build(criteria)
    return render_template(
        "manager/dashboard.html",
        dash=dash,
        criteria=criteria,
        choices=filter_choices(db()),
        priorities=[p.value for p in Priority],
        tables=_tables(dash),
        charts=_charts(dash),
        query=request.args.to_dict(),
    )


@bp.get("/dashboard/<name>.<fmt>")
@roles_required(Role.MANAGER)
def export(name: str, fmt: str) -> ResponseReturnValue:
    """One of the dashboard's tables as CSV or XLSX, for the same filter."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    criteria = _criteria(request.args)
    table = next((t for t in _tables(_build(criteria)) if t.name == name), None)
    if table is None:
        abort(404)
    filename = f"{name}-{criteria.first_day}-{criteria.last_day}.{fmt}"
    if fmt == "csv":
        body, mimetype = table_csv(table.headers, table.rows), "text/csv; charset=utf-8"
    else:
        body = table_xlsx(table.title, table.headers, table.rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _build(criteria: DashboardFilter) -> Dashboard:
    settings = current_app.extensions["dispatch"]["settings"]
    return build_dashboard(db(), criteria, datetime.now(settings.tz), settings.tz, settings.country)


def _criteria(args: MultiDict[str, str]) -> DashboardFilter:
    """The filter of the query string; 400 on a malformed date or a range backwards or over a year."""
    today = datetime.now(current_app.extensions["dispatch"]["settings"].tz).date()
    last = day_arg("to") or today
    first = day_arg("from") or last - timedelta(days=DEFAULT_DAYS - 1)
    try:
        technician = int(args["technician"]) if args.get("technician") else None
    except ValueError:
        abort(400, description=f"technician: {args['technician']!r} is not a number")
    if last < first or (last - first).days >= MAX_DAYS:
        abort(400)
    return DashboardFilter(
        first_day=first,
        last_day=last,
        district=args.get("district") or None,
        technician_id=technician,
        product=args.get("product") or None,
        job_type=args.get("job_type") or None,
        priority=args.get("priority") or None,
    )


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _breakdown_titles() -> dict[str, str]:
    return {
        "day": _("By day"),
        "technician": _("By technician"),
        "district": _("By district"),
        "product": _("By product"),
        "job_type": _("By job type"),
        "priority": _("By priority"),
    }


def _key_label(breakdown: str, key: str) -> str:
    if not key:
        return _("(none)")
    if breakdown in ("product", "job_type"):
        return label(key)
    if breakdown == "priority":
        return _(key)
    return key


def _tables(dash: Dashboard) -> list[Table]:
    """Every table of the page, in page order."""
    titles = _breakdown_titles()
    tables = [_summary_table(dash)]
    for breakdown in BREAKDOWNS:
        rows = [_on_time_row(_key_label(breakdown, r.key), r) for r in dash.breakdowns[breakdown]]
        tables.append(Table(f"by_{breakdown}", titles[breakdown], _on_time_headers(titles[breakdown]), rows))
    return [*tables, _worst_table(dash), _utilisation_table(dash), _parts_table(dash), _satisfaction_table(dash)]


def _on_time_headers(first: str) -> list[str]:
    return [
        first,
        _("Jobs"),
        _("Served"),
        _("Pending"),
        _("Missed"),
        _("On target"),
        _("On-target rate %"),
        _("Within promise"),
        _("Within-promise rate %"),
        _("Average response (min)"),
        _("First-time fix %"),
    ]


def _on_time_row(key: str, r: OnTime) -> list[Cell]:
    return [
        key,
        r.jobs,
        r.served,
        r.pending,
        r.missed,
        r.on_target,
        _percent(r.on_target_rate),
        r.within_promise,
        _percent(r.within_promise_rate),
        _rounded(r.response_avg_min),
        _percent(r.first_time_fix_rate),
    ]


def _summary_table(dash: Dashboard) -> Table:
    s, o = dash.summary, dash.other
    rows: list[list[Cell]] = [
        [_("Jobs received (not cancelled)"), s.jobs],
        [_("On-target rate % (6 h target)"), _percent(s.on_target_rate)],
        [_("Within-promise rate % (24 h promise)"), _percent(s.within_promise_rate)],
        [_("Served"), s.served],
        [_("Pending (unserved, promise still ahead)"), s.pending],
        [_("Missed (unserved, promise past)"), s.missed],
        [_("Average response (min)"), _rounded(s.response_avg_min)],
        [_("First-time fix %"), _percent(s.first_time_fix_rate)],
        [_("Visits per completed job"), _rounded(dash.visits_per_job, 2)],
        [_("Planned km per job"), _rounded(o.km_per_job, 2)],
        [_("Complaints"), o.complaints],
        [_("Complaint rate %"), _percent(dash.complaint_rate)],
        [_("Follow-ups due"), o.follow_ups_due],
        [_("Follow-up completion %"), _percent(o.follow_up_rate)],
        [_("Parts used"), sum(p.quantity for p in o.parts)],
        [_("Parts value"), round(sum(p.value for p in o.parts), 2)],
    ]
    return Table("summary", _("Summary"), [_("Figure"), _("Value")], rows)


def _cause_labels() -> dict[Cause, str]:
    return {
        Cause.NOT_SERVED: _("not yet served"),
        Cause.OUTSIDE_HOURS: _("received outside working hours"),
        Cause.DISPATCHED_LATE: _("dispatched after the target"),
        Cause.PLANNED_LATE: _("planned after the target"),
        Cause.RAN_LATE: _("ran late on route"),
        Cause.NO_PLANNED_TIME: _("arrived late, no planned time"),
        Cause.CUSTOMER_NOT_HOME: _("customer not home"),
        Cause.REVISIT: _("first visit did not fix (revisit)"),
    }


def _worst_table(dash: Dashboard) -> Table:
    tz = current_app.extensions["dispatch"]["settings"].tz
    labels = _cause_labels()

    def stamp(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    rows: list[list[Cell]] = [
        [
            m.external_id,
            stamp(m.received_at),
            m.district,
            m.technician,
            _(m.priority),
            stamp(m.target_due),
            stamp(m.arrival),
            round(m.late_min),
            _("yes") if m.within_promise else _("no"),
            "; ".join(labels[c] for c in m.causes),
        ]
        for m in dash.worst
    ]
    headers = [
        _("Job"),
        _("Received"),
        _("District"),
        _("Technician"),
        _("Priority"),
        _("Target"),
        _("First arrival"),
        _("Late (min)"),
        _("Within promise"),
        _("Causes"),
    ]
    return Table("worst", _("Worst misses"), headers, rows)


def _utilisation_table(dash: Dashboard) -> Table:
    def hours(minutes: float) -> float:
        return round(minutes / 60, 1)

    rows: list[list[Cell]] = [
        [
            u.technician,
            hours(u.available_min),
            hours(u.on_site_min),
            hours(u.driving_min),
            hours(u.idle_min),
            hours(u.overtime_min),
            _percent(u.busy_share),
        ]
        for u in dash.other.utilisation
    ]
    headers = [
        _("Technician"),
        _("Shift hours"),
        _("On site (h)"),
        _("Driving (h)"),
        _("Idle (h)"),
        _("Overtime (h)"),
        _("Busy %"),
    ]
    return Table("utilisation", _("Technician utilisation"), headers, rows)


def _parts_table(dash: Dashboard) -> Table:
    rows: list[list[Cell]] = [[p.code, p.name, p.quantity, p.value] for p in dash.other.parts]
    return Table("parts", _("Parts used"), [_("Part"), _("Name"), _("Quantity"), _("Value")], rows)


def _satisfaction_table(dash: Dashboard) -> Table:
    o = dash.other
    rows: list[list[Cell]] = [
        [_(verdict), count, _percent(o.satisfaction_share(verdict))]
        for verdict, count in sorted(o.satisfaction.items())
    ]
    return Table("satisfaction", _("Customer satisfaction"), [_("Verdict"), _("Visits"), _("Share %")], rows)


def _histogram(h: Histogram, unit: str) -> dict[str, Any]:
    lower = (0, *h.edges)
    bins = [f"{a}–{b} {unit}" for a, b in zip(lower, h.edges, strict=False)] + [f"> {h.edges[-1]} {unit}"]
    return {"bins": bins, "counts": list(h.counts)}


def _charts(dash: Dashboard) -> dict[str, Any]:
    """The data of the three charts, with their translated titles."""
    days = dash.breakdowns["day"]
    return {
        "daily": {
            "title": _("On-time rate per day"),
            "days": [r.key for r in days],
            "target": [_percent(r.on_target_rate) for r in days],
            "promise": [_percent(r.within_promise_rate) for r in days],
            "target_name": _("On target (6 h) %"),
            "promise_name": _("Within promise (24 h) %"),
        },
        "response": {"title": _("Response time (first arrival)"), **_histogram(dash.response_h, "h")},
        "lateness": {"title": _("Lateness past the target"), **_histogram(dash.lateness_min, "min")},
    }
