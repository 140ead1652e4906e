"""Playwright (Python) driving Debian's Chromium against a live server on 127.0.0.1.

Skipped when /usr/bin/chromium is missing, except where CDM_REQUIRE_BROWSER=1 (CI), where that fails.
Screenshots go to artifacts/screenshots/ (not committed).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CDM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CDM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI installs it with apt-get install chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in these tests are safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Console:
    """Console messages and page errors of one page; CSP violations are listed apart."""

    def __init__(self, page):
        self.messages = []
        page.on("console", lambda m: self.messages.append(m.text))
        page.on("pageerror", lambda e: self.messages.append(f"pageerror: {e}"))

    @property
    def csp_violations(self):
        return [m for m in self.messages if "Content Security Policy" in m or "Refused to" in m]


def _new_page(browser, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console = Console(page)
    return context, page


@pytest.fixture
def page(browser):
    context, page = _new_page(browser)
    yield page
    assert page.console.csp_violations == [], page.console.csp_violations
    context.close()


@pytest.fixture
def new_page(browser):
    """More pages (a second user, a phone-sized screen), each with its own session."""
    contexts = []

    def make(**size):
        context, page = _new_page(browser, **size)
        contexts.append((context, page))
        return page

    yield make
    for context, page in contexts:
        assert page.console.csp_violations == [], page.console.csp_violations
        context.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe():
    """Run axe-core (from npm) in the page; returns serious and critical violations."""
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make assets`")
    source = AXE.read_text()

    def run(page):
        # Evaluated over the DevTools protocol, so the page's CSP (no inline scripts) is untouched.
        page.evaluate(source)
        result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result
                if v["impact"] in ("serious", "critical")]

    return run


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def login(live_server):
    """Log a test user (password "pw") in through the login form, as a person would."""
    from playwright.sync_api import expect

    def log_in(page, username):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return log_in
