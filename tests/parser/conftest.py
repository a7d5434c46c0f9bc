import contextlib

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    # pyproject's pytest settings are pytest-django's; without that plugin (`-p no:django`)
    # the engine's tests still run, and quietly.
    with contextlib.suppress(ValueError):
        parser.addoption("--reuse-db", action="store_true", help="pytest-django's; unused here")
        parser.addini("DJANGO_SETTINGS_MODULE", "pytest-django's; unused here")
