"""The managers' dashboard over HTTP: access, filters, CSV/XLSX exports, the served Plotly bundle."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import Customer, Job
from tests.web.conftest import PASSWORD, csrf_token
from web.vendor import PLOTLY_DIR

# The shipped normal scenario receives its 300 calls on these two days (none served).
RANGE = "from=2026-07-06&to=2026-07-07"


def _district_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(select(Customer.district).join(Job, Job.customer_id == Customer.id))
        counts: dict[str, int] = {}
        for (district,) in rows:
            counts[district] = counts.get(district, 0) + 1
    return counts


def _cell(text: str) -> str | float:
    """A cell as a number when it reads as one (XLSX gives 0 back for 0.0), else its text."""
    try:
        return float(text)
    except ValueError:
        return text


def test_manager_lands_on_the_dashboard_with_a_nav_link(client: FlaskClient, people: dict[str, str]) -> None:
    """Signing in as a manager redirects to the dashboard, whose page links itself in the navigation."""
    token = csrf_token(client.get("/login").text)
    answer = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/manager/dashboard")
    page = client.get("/manager/dashboard")
    assert page.status_code == 200
    assert 'id="nav-dashboard"' in page.text and "经营看板" in page.text


def test_dispatchers_and_technicians_are_refused(client: FlaskClient, sign_in: Callable[[str], FlaskClient]) -> None:
    """403 for the other roles; a visitor is sent to sign in."""
    assert client.get("/manager/dashboard").status_code == 302
    for username in ("disp", "tech1"):
        signed = sign_in(username)
        assert signed.get("/manager/dashboard").status_code == 403
        assert signed.get(f"/manager/dashboard/summary.csv?{RANGE}").status_code == 403
        assert 'id="nav-dashboard"' not in signed.get("/").text
        signed.post("/logout", data={"csrf_token": csrf_token(signed.get("/").text)})


def test_dashboard_counts_the_range_and_carries_chart_data(sign_in: Callable[[str], FlaskClient]) -> None:
    """300 calls, none served and all past their deadlines: every one a miss; two days in the chart data."""
    page = sign_in("boss").get(f"/manager/dashboard?{RANGE}")
    assert page.status_code == 200
    assert re.search(r'id="count-jobs">300<', page.text)
    assert re.search(r'id="rate-target">0\.0 %<', page.text)
    data = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert data["daily"]["days"] == ["2026-07-06", "2026-07-07"]
    assert data["daily"]["target"] == [0.0, 0.0]
    assert len(data["response"]["bins"]) == len(data["response"]["counts"]) == 9
    assert "/vendor/plotly/plotly.min.js" in page.text


def test_bad_filters_are_refused(sign_in: Callable[[str], FlaskClient]) -> None:
    """A malformed date, a backwards range or an unknown table answer 400 or 404."""
    client = sign_in("boss")
    assert client.get("/manager/dashboard?from=yesterday").status_code == 400
    assert client.get("/manager/dashboard?from=2026-07-07&to=2026-07-06").status_code == 400
    assert client.get("/manager/dashboard?technician=x").status_code == 400
    assert client.get(f"/manager/dashboard/nothing.csv?{RANGE}").status_code == 404
    assert client.get(f"/manager/dashboard/summary.pdf?{RANGE}").status_code == 404


def test_csv_export_honours_the_filters(sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]) -> None:
    """The district table adds up to every job; with a district filter it holds that district alone."""
    client = sign_in("boss")
    counts = _district_counts(sessions)
    answer = client.get(f"/manager/dashboard/by_district.csv?{RANGE}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["按区域", "工单"]
    assert {row[0]: int(row[1]) for row in rows[1:]} == counts
    district = max(counts, key=lambda d: counts[d])
    narrowed = client.get(f"/manager/dashboard/by_district.csv?{RANGE}&district={district}")
    rows = list(csv.reader(io.StringIO(narrowed.data.decode("utf-8-sig"))))
    assert [(row[0], int(row[1])) for row in rows[1:]] == [(district, counts[district])]


def test_xlsx_export_matches_the_csv(sign_in: Callable[[str], FlaskClient]) -> None:
    """The XLSX of a table holds the CSV's header and rows, numbers as numbers."""
    client = sign_in("boss")
    for table in ("summary", "by_priority", "worst"):
        text = client.get(f"/manager/dashboard/{table}.csv?{RANGE}").data.decode("utf-8-sig")
        from_csv = list(csv.reader(io.StringIO(text)))
        answer = client.get(f"/manager/dashboard/{table}.xlsx?{RANGE}")
        assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(answer.data)).active
        assert sheet is not None
        from_xlsx = [[_cell("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert from_xlsx == [[_cell(v) for v in row] for row in from_csv]
    sheet = load_workbook(io.BytesIO(client.get(f"/manager/dashboard/summary.xlsx?{RANGE}").data)).active
    assert sheet is not None and sheet["B2"].value == 300


def test_worst_misses_name_their_cause(sign_in: Callable[[str], FlaskClient]) -> None:
    """Unserved jobs past their target lead the worst misses, marked "not yet served"."""
    text = sign_in("boss").get(f"/manager/dashboard/worst.csv?{RANGE}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 21
    assert all("尚未上门" in row[-1] for row in rows[1:])


def test_plotly_bundle_is_served_from_the_installed_package(client: FlaskClient) -> None:
    """/vendor/plotly/plotly.min.js is the file the plotly wheel ships, no CDN."""
    answer = client.get("/vendor/plotly/plotly.min.js")
    assert answer.status_code == 200
    assert answer.data == (PLOTLY_DIR / "plotly.min.js").read_bytes()
    answer.close()


def test_english_dashboard(sign_in: Callable[[str], FlaskClient]) -> None:
    """The page follows the language switch."""
    client = sign_in("boss")
    client.get("/lang/en")
    page = client.get(f"/manager/dashboard?{RANGE}")
    assert "Worst misses" in page.text and "not yet served" in page.text
