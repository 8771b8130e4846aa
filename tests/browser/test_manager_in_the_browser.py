"""Issue 6 in a real browser: a manager signs in, opens the dashboard on the sample history, filters
by district, sees the Plotly charts drawn and exports CSV; then opens a customer file and a visit.
Screenshots (laptop after filtering, and a 360 px phone) go to test-artifacts/."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import Customer, Job, Visit, VisitPart
from tests.browser.conftest import ARTIFACTS, PASSWORD

LAPTOP: ViewportSize = {"width": 1400, "height": 900}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
CHARTS = ("chart-daily", "chart-response", "chart-lateness")
# The trace layer each chart draws its data into: two lines by day, bars for the two histograms.
TRACE_LAYER = {
    "chart-daily": ".scatterlayer .trace",
    "chart-response": ".barlayer .trace",
    "chart-lateness": ".barlayer .trace",
}


@dataclass(frozen=True)
class Sampled:
    """A customer of the filtered district with recorded visits, and one visit that used parts."""

    customer: str
    phone: str
    visits: list[int]
    visit: int
    outcome: str
    fault: str
    parts: list[str]


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    expect(page).to_have_url(f"{base}/manager/dashboard")  # a manager lands on the dashboard


def _expect_charts_drawn(page: Page) -> None:
    """Plotly replaced each empty chart div by its SVG, with data traces in it."""
    for chart in CHARTS:
        expect(page.locator(f"#{chart}.js-plotly-plot .main-svg").first).to_be_attached()
        assert page.locator(f"#{chart} {TRACE_LAYER[chart]}").count() >= 1, chart
    assert page.locator("#chart-daily .scatterlayer .trace").count() == 2  # on target, within promise
    # The histograms hold real bars: at least one bar path with a height.
    for chart in ("chart-response", "chart-lateness"):
        heights = page.locator(f"#{chart} .barlayer .point path").evaluate_all(
            "paths => paths.map(p => p.getBBox().height)"
        )
        assert heights and max(heights) > 0, chart


def _table(page: Page, name: str) -> tuple[list[str], list[list[str]]]:
    """Headers and cell texts of one dashboard table."""
    section = page.locator(f"#table-{name}")
    headers = section.locator("thead th").all_inner_texts()
    rows = section.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))"
    )
    return [h.strip() for h in headers], rows


def _busiest_district(page: Page) -> tuple[str, int]:
    """The district with the most jobs in the unfiltered 'by district' table, and that count."""
    _, rows = _table(page, "by_district")
    options = set(page.locator("#dashboard-filter select[name=district] option").all_inner_texts())
    counted = [(row[0], int(row[1])) for row in rows if row[0] in options]
    return max(counted, key=lambda item: item[1])


def _download_csv(page: Page, name: str, folder: Path) -> list[list[str]]:
    with page.expect_download() as info:
        page.click(f"#table-{name} .exports a[data-format=csv]")
    download = info.value
    assert download.suggested_filename.startswith(f"{name}-") and download.suggested_filename.endswith(".csv")
    target = folder / download.suggested_filename
    download.save_as(target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheet programs need for Chinese text
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _sample(sessions: sessionmaker[Session], district: str) -> Sampled:
    """A customer of `district` with the most recorded visits, and their latest visit that used parts."""
    with sessions() as session:
        busiest = (
            select(Job.customer_id)
            .join(Visit)
            .join(Customer)
            .where(Customer.district == district, Visit.outcome.is_not(None))
            .where(Job.customer_id.in_(select(Job.customer_id).join(Visit).join(VisitPart)))
            .group_by(Job.customer_id)
            .order_by(func.count(Visit.id).desc(), Job.customer_id)
        )
        customer_id = session.scalars(busiest).first()
        assert customer_id is not None, f"no recorded visit with parts in {district}"
        customer = session.get(Customer, customer_id)
        assert customer is not None
        visits = list(
            session.scalars(
                select(Visit)
                .join(Job)
                .where(Job.customer_id == customer_id, Visit.outcome.is_not(None))
                .order_by(Visit.completed_at.desc(), Visit.id.desc())
            )
        )
        with_parts = next(v for v in visits if v.parts)
        return Sampled(
            customer=customer.external_id,
            phone=customer.phone_numbers()[0],
            visits=[v.id for v in visits],
            visit=with_parts.id,
            outcome=with_parts.outcome or "",
            fault=with_parts.fault_found,
            parts=sorted(used.part.code for used in with_parts.parts),
        )


def _filter_by_district(page: Page, district: str) -> None:
    page.select_option("#dashboard-filter select[name=district]", district)
    page.click("#dashboard-filter button[type=submit]")
    expect(page.locator("#dashboard-filter select[name=district]")).to_have_value(district)
    _expect_charts_drawn(page)


def _check_filtered_dashboard(page: Page, district: str, jobs: int) -> None:
    """Only `district` is counted: the totals are that district's row of the unfiltered table."""
    expect(page.locator("#count-jobs")).to_have_text(str(jobs))
    _, by_district = _table(page, "by_district")
    assert [row[0] for row in by_district] == [district]
    headers, worst = _table(page, "worst")
    assert worst and {row[headers.index("区")] for row in worst} == {district}


def _check_exports(page: Page, district: str, jobs: int, folder: Path) -> None:
    """The CSV files hold the page's header row and only the filtered district's rows."""
    headers, _ = _table(page, "by_district")
    by_district = _download_csv(page, "by_district", folder)
    assert by_district[0] == headers
    assert [row[:2] for row in by_district[1:]] == [[district, str(jobs)]]
    headers, shown = _table(page, "worst")
    worst = _download_csv(page, "worst", folder)
    assert worst[0] == headers
    assert len(worst) - 1 == len(shown)
    assert [row[0] for row in worst[1:]] == [row[0] for row in shown]  # the same jobs, same order
    assert {row[headers.index("区")] for row in worst[1:]} == {district}


def _check_customer_file(page: Page, sample: Sampled) -> None:
    """Search by phone, open the file: its visit history is the customer's recorded visits, latest first."""
    page.click("#nav-customers")
    page.fill("#q", sample.phone)
    page.click("#customer-search button[type=submit]")
    row = page.locator(f'#customers tr[data-customer="{sample.customer}"]')
    expect(row).to_have_count(1)
    row.locator("a").click()
    expect(page.locator("#customer")).to_have_attribute("data-customer", sample.customer)
    expect(page.locator("#products tbody tr").first).to_be_visible()
    shown = page.locator("#visits tr[data-visit]").evaluate_all("rows => rows.map(r => Number(r.dataset.visit))")
    assert shown == sample.visits
    page.screenshot(path=str(ARTIFACTS / "manager-customer-file.png"), full_page=True)


def _check_visit(page: Page, base: str, sample: Sampled) -> None:
    """The visit page shows the record: outcome, the fault found, the parts used."""
    page.click(f'#visits tr[data-visit="{sample.visit}"] a')
    expect(page).to_have_url(f"{base}/visits/{sample.visit}")
    record = page.locator("#visit")
    expect(record).to_have_attribute("data-visit", str(sample.visit))
    expect(record).to_have_attribute("data-outcome", sample.outcome)
    expect(page.locator("#visit-fault")).to_have_text(sample.fault)
    parts = page.locator("#visit-parts tr[data-part]").evaluate_all("rows => rows.map(r => r.dataset.part)")
    assert sorted(parts) == sample.parts


def test_manager_dashboard_exports_and_customer_file(
    browser: Browser, history_url: str, sample_history: sessionmaker[Session], tmp_path: Path
) -> None:
    office = browser.new_context(viewport=LAPTOP, locale="zh-CN", accept_downloads=True)
    page = office.new_page()
    _sign_in(page, history_url)
    _expect_charts_drawn(page)
    district, jobs = _busiest_district(page)
    total = int(page.locator("#count-jobs").inner_text())
    assert 0 < jobs < total  # a filter that must change the figures

    _filter_by_district(page, district)
    _check_filtered_dashboard(page, district, jobs)
    page.screenshot(path=str(ARTIFACTS / "manager-dashboard.png"), full_page=True)
    _check_exports(page, district, jobs, tmp_path)

    phone = browser.new_context(**PHONE, locale="zh-CN")  # type: ignore[arg-type]
    mobile = phone.new_page()
    _sign_in(mobile, history_url)
    mobile.goto(page.url)
    _expect_charts_drawn(mobile)
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360  # wide tables scroll in their box
    for chart in CHARTS:  # the charts fit the narrow screen
        box = mobile.locator(f"#{chart}").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, chart
    mobile.screenshot(path=str(ARTIFACTS / "manager-dashboard-phone.png"), full_page=True)
    phone.close()

    sample = _sample(sample_history, district)
    _check_customer_file(page, sample)
    _check_visit(page, history_url, sample)
    office.close()
