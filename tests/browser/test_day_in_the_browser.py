"""The day in a real browser: the dispatcher takes a call, plans, moves a job by hand past the
checker's warning and publishes; a technician on a phone-sized screen walks one visit to completion;
the dispatcher sees it completed. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import Job, PlanStatus, PlanVersion, Technician
from tests.browser.conftest import ARTIFACTS, PASSWORD

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")


def _take_call(page: Page) -> None:
    page.click("#nav-call")
    page.fill("#phone", "139 2222 3333")
    page.fill("#customer_name", "司徒先生")
    page.fill("#address", "天河区体育东路 1 号")
    page.fill("#district", "天河区")
    page.select_option("#product", "air_conditioner")
    page.select_option("#job_type", "repair")
    page.fill("#fault_description", "空调不制冷")
    expect(page.locator("#deadlines")).to_contain_text("前上门")
    page.click("#take-call")
    expect(page.locator(".flash")).to_contain_text("已创建")


def _plan(page: Page) -> None:
    page.click("#nav-plan")
    page.click("#plan-button")
    expect(page.locator("#routes")).to_be_visible(timeout=60_000)  # the board reloads when the run ends
    expect(page.locator("#map")).to_have_attribute("data-ready", "yes")


def _move_past_the_checker(page: Page, sessions: sessionmaker[Session]) -> None:
    """Move a job to a technician who lacks its skill: the checker says so; save anyway."""
    version_id = int(page.url.split("version=")[1].split("&")[0])
    with sessions() as session:
        version = session.get(PlanVersion, version_id)
        assert version is not None
        stop = version.routes[0].stops[0]
        working = {r.technician_id for r in version.routes}
        other = next(
            t for t in session.scalars(select(Technician)) if t.id in working and stop.job.skill not in t.skill_codes()
        )
        job_id, tech_id = stop.job_id, other.id
    page.select_option("#edit-job", str(job_id))
    page.select_option("#edit-technician", str(tech_id))
    page.fill("#edit-position", "1")
    page.click("#move-button")
    expect(page.locator("#warnings li[data-kind=skill]")).to_be_visible()
    page.click("#save-anyway")
    expect(page.locator(".flash")).to_contain_text("已保存")


def test_dispatcher_and_technician_day(
    browser: Browser, live_url: str, centre: sessionmaker[Session], today: date
) -> None:
    office = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = office.new_page()
    _sign_in(page, live_url, "disp")
    expect(page).to_have_url(f"{live_url}/dispatch/plan")
    _take_call(page)
    _plan(page)
    _move_past_the_checker(page, centre)
    page.click("#publish-button")
    expect(page.locator(".flash")).to_contain_text("已发布")
    page.screenshot(path=str(ARTIFACTS / "plan-page.png"), full_page=True)

    with centre() as session:
        published = session.scalars(select(PlanVersion).where(PlanVersion.status == PlanStatus.PUBLISHED.value)).one()
        route = max(published.routes, key=lambda r: len(r.stops))
        tech = route.technician.external_id.split("/")[-1]
        mine = [s.job.external_id for s in route.stops]
        first_job = route.stops[0].job_id

    phone = browser.new_context(**PHONE, locale="zh-CN")  # type: ignore[arg-type]
    mobile = phone.new_page()
    _sign_in(mobile, live_url, f"t-{tech}")
    expect(mobile).to_have_url(f"{live_url}/me/day")
    shown = mobile.locator("#stops > li").evaluate_all("items => items.map(i => i.dataset.job)")
    assert shown == mine
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    mobile.screenshot(path=str(ARTIFACTS / "technician-day.png"), full_page=True)
    mobile.goto(f"{live_url}/me/jobs/{first_job}")
    expect(mobile.locator("a.call").first).to_have_attribute("href", re.compile(r"^tel:"))
    mobile.click("#on-my-way")
    mobile.click("#arrived")
    mobile.fill("textarea[name=fault_found]", "压缩机启动电容损坏")
    mobile.fill("textarea[name=cause]", "电容老化")
    mobile.select_option("#outcome", "fixed")
    mobile.select_option("#satisfaction", "satisfied")
    mobile.click("#complete")
    expect(mobile.locator(".flash")).to_contain_text("上门记录已保存")

    page.goto(f"{live_url}/dispatch/jobs?status=completed&day={today.isoformat()}")
    with centre() as session:
        done = session.get(Job, first_job)
        assert done is not None and done.status == "completed"
        external = done.external_id
    expect(page.locator(f'tr[data-job="{external}"]')).to_contain_text("已完成")
    office.close()
    phone.close()
