"""Browser test foundations: Debian's Chromium driven by Playwright, the app served on a
real port, the demo data, and axe-core run on each page.

Never run `playwright install`: the browser is /usr/bin/chromium (see FIELD-NOTES.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from werkzeug.serving import make_server

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from townhub.demo.seed import DEMO_PASSWORD, seed

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Overrides pytest-playwright's: launch the system Chromium, never a downloaded one."""
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a free port in a thread; yields its base URL. The host is `localhost`,
    a secure context, so service workers register over plain HTTP."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The session's app, served for the browser."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """Overrides pytest-playwright's: every context opens relative URLs on the live server."""
    return live_server


@pytest.fixture
def demo_hubs(request: pytest.FixtureRequest) -> None:
    """The demo data (South Norwood, Purley, Thornton Heath), committed so the server
    thread sees it. Only for tests marked `live`: their clean-up empties the tables."""
    assert request.node.get_closest_marker("live"), "demo_hubs commits: mark the test live"
    seed(weeks=1)


@pytest.fixture
def page_problems(context: BrowserContext) -> PageProblems:
    """Console errors and CSP violations from every page of the test's context."""
    return watch_for_problems(context)


@pytest.fixture
def page(context: BrowserContext, page_problems: PageProblems) -> Page:
    """Overrides pytest-playwright's: a JavaScript page watched for console errors and
    CSP violations from its first script on."""
    return context.new_page()


@dataclass
class PageProblems:
    """Console errors and CSP violations a page reported."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def assert_none(self) -> None:
        assert not self.console_errors, "console errors:\n" + "\n".join(self.console_errors)
        assert not self.csp_violations, "CSP violations:\n" + "\n".join(self.csp_violations)


# Runs before any page script; the binding reports each violation back to the test.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""


def watch_for_problems(context: BrowserContext) -> PageProblems:
    """Record console errors and CSP violations in every page of a JavaScript context.
    Set up before opening the pages."""
    problems = PageProblems()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            problems.console_errors.append(
                f"{message.text} ({location.get('url')}:{location.get('lineNumber')})"
            )

    context.on("console", on_console)

    def on_csp_violation(report: str) -> None:
        problems.csp_violations.append(report)

    context.expose_function("__reportCspViolation", on_csp_violation)
    context.add_init_script(_CSP_LISTENER)
    return problems


def sign_in(page: Page, email: str = "manager@example.org") -> None:
    """Sign in as one of the demo's people (the hub manager unless another is named)."""
    page.goto("/manage/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")


def assert_accessible(page: Page) -> None:
    """Run axe-core (WCAG 2.x A and AA, WCAG 2.2 AA) on the page; fail listing every
    violation with the elements at fault. The page needs JavaScript on."""
    # axe-core schedules its work with timers, which never fire with JavaScript off: fail
    # at once rather than wait for ever (Playwright's evaluate has no timeout).
    try:
        page.wait_for_function(
            "() => new Promise(resolve => setTimeout(() => resolve(true), 0))", timeout=5000
        )
    except PlaywrightTimeoutError:
        pytest.fail(f"axe-core needs JavaScript, which is off for {page.url}", pytrace=False)
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if violations:
        lines = [f"{len(violations)} axe violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"]:
                lines.append(
                    f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}"
                )
        pytest.fail("\n".join(lines), pytrace=False)


def poll_until(page: Page, script: str, attempts: int = 100) -> None:
    """Evaluate `script` every 50 ms until it is true. Polled from here: wait_for_function
    evaluates a string, which our CSP (no 'unsafe-eval') rightly refuses."""
    for _ in range(attempts):
        if page.evaluate(script):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {script}")


def wait_for_service_worker(page: Page) -> str:
    """Wait until the service worker is active and controls the page; its scope."""
    scope: str = page.evaluate(
        "navigator.serviceWorker.ready.then((registration) => registration.scope)"
    )
    poll_until(page, "navigator.serviceWorker.controller !== null")
    return scope
