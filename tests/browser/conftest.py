"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser build)."""

import os
import shutil

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class SerialWSGIServer(WSGIServer):
    """The live server, one request at a time.

    On SQLite the test database is in memory, and the live server shares the test's one
    connection with its request threads; two live updates in flight at once (typing fast) used
    it concurrently and failed now and then with "bad parameter or other API misuse".
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


LiveServerThread.server_class = SerialWSGIServer

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM:
        return
    if os.environ.get("PRESCREEN_REQUIRE_BROWSER"):
        raise pytest.UsageError("PRESCREEN_REQUIRE_BROWSER is set but no Chromium was found")
    skip = pytest.mark.skip(
        reason="no Chromium found: apt-get install chromium to run browser tests"
    )
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
