"""End to end in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright):
log in, open an alert's case, see similar cases and the evidence chart, open the series map,
timeline and link chart, record and acknowledge an intel report, acknowledge an alert, export.
Screenshots go to test-artifacts/. Skips only when /usr/bin/chromium is absent."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium "
                       "(scripts/install-browser.sh installs it)"),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from .server import linked_store, running_server

    db = linked_store(tmp_path_factory.mktemp("browser"), 800,
                      {"sue": "supervisor", "adam": "admin"}, PASSWORD)
    with running_server(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    assert pg.csp_errors == [], pg.csp_errors  # nothing on any page was blocked by the CSP
    ctx.close()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page: Any, base_url: str, user: str, purpose: str = "OP-E2E") -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=user_name]", user)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=purpose]", purpose)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_alert_case_similar_series_intel_export(page: Any, base_url: str, tmp_path: Path) -> None:
    login(page, base_url, "sue")
    assert page.locator("h2", has_text="New alerts").is_visible()
    shot(page, "01-dashboard")

    # Open an alert's case from the alert list: the first one whose case has coordinates (the
    # synthetic data leaves some cases unlocated; their page says so instead of drawing a map).
    page.click("nav >> text=Alerts")
    rows = page.locator("table.alerts tbody tr")
    case_ids = [rows.nth(i).locator("td").nth(3).inner_text().strip() for i in range(min(rows.count(), 20))]
    for case_id in case_ids:
        page.click("nav >> text=Alerts")
        page.locator("table.alerts tbody tr td a", has_text=case_id).first.click()
        page.wait_for_url(f"**/cases/{case_id}")
        assert page.locator("h1").inner_text().startswith(case_id)
        if page.locator("#map").count():
            break
        assert page.locator("text=No coordinates recorded for this case").is_visible()
    else:
        pytest.fail(f"none of the first alerts' cases has coordinates: {case_ids}")

    # Similar cases with an evidence chart; the map drew its point.
    similar = page.locator("#similar")
    assert similar.locator("article.similar").count() >= 1
    assert similar.locator("table.evidence svg.bar rect").count() >= 3
    page.wait_for_selector("#map[data-ready=true] path.leaflet-interactive")
    shot(page, "02-case-similar")

    # Record an intel report on this case and acknowledge it.
    page.click("#intel summary")
    page.fill("#intel textarea[name=text]", "His friend says he left with a man he met online")
    page.select_option("#intel select[name=reporter_relation]", "friend")
    page.click("#intel form.add-intel button[type=submit]")
    row = page.locator("#intel table.intel tbody tr").last
    assert row.locator(".tag").inner_text() == "received"
    row.locator("input[name=reason]").fill("Called the friend back; statement booked")
    row.locator("button", has_text="Acknowledge").click()
    page.wait_for_load_state()
    assert page.locator("#intel table.intel tbody tr").last.locator(".tag").inner_text() == "acknowledged"
    shot(page, "03-case-intel")

    # The intel queue lists it.
    page.click("nav >> text=Intel")
    assert page.locator("table.intel", has_text=case_id).count() == 1
    shot(page, "04-intel-queue")

    # Acknowledge the alert.
    page.click("nav >> text=Alerts")
    alert_row = page.locator("table.alerts tbody tr", has_text=case_id).first
    alert_id = alert_row.get_attribute("id")
    alert_row.locator("input[name=note]").fill("Reviewed the link with the SIO")
    alert_row.locator("button", has_text="Acknowledge").click()
    page.wait_for_load_state()
    assert page.locator(f"#{alert_id}").count() == 0

    # A series: map with points and links, timeline, link chart.
    page.goto(f"{base_url}/series?min_probability=0.3")
    page.locator("table.grid tbody tr td a").first.click()
    page.wait_for_selector("#series-map[data-ready=true] path.leaflet-interactive")
    assert page.locator("#series-map path.leaflet-interactive").count() >= 3   # 2+ points and a link
    assert page.locator("#timeline svg circle.node").count() >= 2
    assert page.locator("#link-chart svg circle.node").count() >= 2
    assert page.locator("#link-chart svg line.edge").count() >= 1
    shot(page, "05-series")

    # Export the case list as CSV (formula-safe).
    page.click("nav >> text=Cases")
    with page.expect_download() as dl:
        page.click("#export-csv")
    target = tmp_path / "cases.csv"
    dl.value.save_as(str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) >= 100
    risky = [v for r in rows for v in r.values() if v and v[0] in "=+-@\t\r" and not _is_number(v)]
    assert risky == []
    shot(page, "06-case-list")

    # The disparity report, from one of its examples.
    page.click("nav >> text=Disparity")
    page.locator("form a").first.click()
    page.wait_for_selector("#disparity-result table.grid tbody tr")
    assert page.locator("#disparity-result table.grid tr").count() >= 3
    shot(page, "08-disparity")


def test_admin_sees_the_audit_log_and_analysts_reads(page: Any, base_url: str) -> None:
    login(page, base_url, "adam", purpose="audit review")
    page.click("nav >> text=Audit log")
    assert "Hash chain verified" in page.locator("#verify").inner_text()
    assert page.locator("table.grid tbody tr").count() >= 10
    shot(page, "07-audit")
    assert page.locator("nav >> text=Cases").count() == 0


def test_wrong_password_and_logout(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/cases")
    assert "/login" in page.url
    page.fill("input[name=user_name]", "sue")
    page.fill("input[name=password]", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    assert "login failed" in page.locator(".error").inner_text()
    shot(page, "00-login-failed")
    login(page, base_url, "sue")
    page.click("text=Log out")
    page.wait_for_url("**/login")
    page.goto(f"{base_url}/cases")
    assert "/login" in page.url
