"""An agent records a withdrawal said on the phone, in Chromium: htmx swaps, CSP and accessibility hold.

Playwright runs in a thread of its own: tests/browser keeps a session-wide Playwright in the main
thread, and a second one cannot start beside it there.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, AXE, CHROMIUM, LAUNCH_ARGS, Console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CDM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI installs it with apt-get install chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make assets`")

    def run(scenario):
        def in_thread():
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
                try:
                    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                    page.set_default_timeout(15_000)
                    console = Console(page)
                    scenario(page)
                    return console.csp_violations
                finally:
                    browser.close()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(in_thread).result()

    return run


def _axe(page):
    page.evaluate(AXE.read_text())  # over the DevTools protocol: the page's CSP is untouched
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result
            if v["impact"] in ("serious", "critical")]


def _snap(page, name):
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx's attribute settling
    # then copies onto swapped-in inputs, a CSP violation that only the screenshot caused.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, caret="initial")


def test_an_agent_records_a_withdrawal_and_the_page_updates_in_place(chromium, live_server, users, customer,
                                                                      purposes, record):
    record("email-marketing", granted=True, note="Said yes at sign-up call.")
    url = f"/customers/{customer.customer_number}/consents/"

    def scenario(page):
        from playwright.sync_api import expect

        page.goto(f"{live_server.url}/accounts/login/?next={url}")
        page.fill("#id_username", "agent")
        page.fill("#id_password", "pw")
        page.click("[type=submit]")
        expect(page.locator("h1")).to_contain_text("Ada Lovelace")
        expect(page.locator("#consent-badges")).to_contain_text("E-mail ✓")
        assert _axe(page) == []

        page.select_option("#id_purpose", label="E-mail marketing")
        page.check("#id_granted_1")
        page.get_by_role("button", name="Record consent").click()
        expect(page.locator("#id_note_error")).to_contain_text("Write down what was said")
        expect(page.locator("#id_note")).to_be_focused()
        _snap(page, "consent-note-required")

        page.fill("#id_note", "Customer called: no more marketing e-mails, please.")
        page.get_by_role("button", name="Record consent").click()
        expect(page.locator(".consent-recorded")).to_contain_text("withdrew consent to E-mail marketing")
        expect(page.locator(".consent-recorded")).to_be_focused()
        expect(page.locator("tr.consent-withdrawn")).to_contain_text("E-mail marketing")
        expect(page.locator("#consent-badges")).to_contain_text("E-mail ✗")  # out-of-band swap
        expect(page.locator("#consent-history")).to_contain_text("no more marketing e-mails")  # HX-Trigger
        assert page.url.endswith(url)  # swapped in place, no reload
        assert _axe(page) == []
        _snap(page, "consent-recorded")

    assert chromium(scenario) == []  # no CSP violations
