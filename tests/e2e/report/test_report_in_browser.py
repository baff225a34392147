"""The HTML report that `vtx run` wrote, opened in headless Chromium: every section shows, and nothing loads.

Needs Debian's chromium and chromium-driver (`make setup` installs them when it can); without them it skips.
"""

import json
import shutil
import struct
from pathlib import Path

import pytest

from tests.builders.pipeline_runs import Run, StoppedRun

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
LOCAL = ("file://", "chrome://", "chrome-untrusted://", "data:", "about:")
SECTIONS = ["Summary", "Timeline", "Data", "Validation", "Tuning", "Evaluation", "Model"]
# Flags that keep Chromium from phoning home, so the network log holds only what the page asked for.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1600",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "BROWSER TEST SKIPPED: Debian's chromium and chromium-driver are not installed; "
            "run `make setup` as root, or `apt-get install -y chromium chromium-driver`"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _open(driver, report: Path):
    """Loads the page; returns the URLs it requested, every request that left the browser, and its errors."""
    driver.get_log("performance")  # drop what earlier pages logged
    driver.get_log("browser")
    driver.get(report.as_uri())
    sent = [
        message["params"]
        for message in (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
        if message["method"] == "Network.requestWillBeSent"
    ]
    by_page = [params["request"]["url"] for params in sent if params.get("documentURL") == report.as_uri()]
    # Chromium's own pages (chrome://) may load in other tabs; nothing at all may reach the network.
    remote = [params["request"]["url"] for params in sent if not params["request"]["url"].startswith(LOCAL)]
    return by_page, remote, [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _png_size(path: Path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def _check_page(driver, report: Path, screenshot: Path) -> None:
    from selenium.webdriver.common.by import By

    requests, remote, errors = _open(driver, report)
    assert requests == [report.as_uri()], "the report loaded something besides itself"
    assert remote == []
    assert errors == []
    headings = driver.find_elements(By.TAG_NAME, "h2")
    assert [h.text for h in headings] == SECTIONS and all(h.is_displayed() for h in headings)
    charts = [svg for svg in driver.find_elements(By.CSS_SELECTOR, "figure.chart svg") if svg.is_displayed()]
    assert charts and all(svg.size["width"] > 100 and svg.size["height"] > 50 for svg in charts)
    assert driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 20_000
    assert _png_size(screenshot) == (1280, driver.execute_script("return window.innerHeight"))


def test_a_pushed_run_report(browser, first_run: Run, tmp_path: Path):
    from selenium.webdriver.common.by import By

    _check_page(browser, first_run.report, tmp_path / "pushed.png")
    assert browser.find_element(By.ID, "verdict").text == "Blessed and pushed"
    assert browser.find_element(By.ID, "pushed").text.startswith("Pushed as version")
    assert browser.find_element(By.CSS_SELECTOR, "#trials tr.best").is_displayed()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#data figure.chart svg")) == 8


def test_a_not_blessed_run_report_says_why(browser, not_blessed_run: Run, tmp_path: Path):
    from selenium.webdriver.common.by import By

    _check_page(browser, not_blessed_run.report, tmp_path / "not-blessed.png")
    assert browser.find_element(By.ID, "verdict").text == "Not blessed"
    reasons = browser.find_element(By.ID, "blessing-reasons")
    assert reasons.is_displayed() and "below the threshold 0.900" in reasons.text
    assert browser.find_element(By.ID, "pushed").text == "Not pushed."


def test_a_stopped_run_report_shows_the_anomalies(browser, stopped_run: StoppedRun, tmp_path: Path):
    from selenium.webdriver.common.by import By

    _check_page(browser, stopped_run.run.report, tmp_path / "stopped.png")
    assert browser.find_element(By.ID, "verdict").text == "Stopped at validation"
    anomalies = browser.find_element(By.ID, "anomalies")
    assert anomalies.is_displayed() and "bill_length_mm" in anomalies.text and "STRING" in anomalies.text


def test_the_network_check_sees_a_request_when_a_page_makes_one(browser, tmp_path: Path):
    """Guards the checks above against passing vacuously: a loopback image that fails to load is seen."""
    page = tmp_path / "with-image.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/missing.png"></body></html>')

    requests, remote, errors = _open(browser, page)

    assert requests == [page.as_uri(), "http://127.0.0.1:9/missing.png"]
    assert remote == ["http://127.0.0.1:9/missing.png"]
    assert [error["message"].split(" - ")[0] for error in errors] == ["http://127.0.0.1:9/missing.png"]
