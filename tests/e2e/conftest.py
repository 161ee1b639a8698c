"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls in the tests
# themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A German visitor by default: the site speaks German first.
    return {**browser_context_args, "locale": "de-DE", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def _block_external_requests(page, live_server):
    """Abort every request that leaves the live server (map tiles, fonts): tests stay offline."""

    def route(route):
        if route.request.url.startswith(live_server.url):
            return route.continue_()
        return route.abort()

    page.route("**/*", route)


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(page):
    """Fail a browser test whose pages broke the Content-Security-Policy (coopmap/settings.py).

    Chromium reports each blocked inline script, style or request as a console error.
    """
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield
    assert not violations, violations
