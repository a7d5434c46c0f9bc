from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Timing is a benchmark's business, not a test's: on a busy two-core CI machine one example
# can take 250 ms for reasons of its own, and Hypothesis would call that a failure.
settings.register_profile("prescreen", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("prescreen")

REGISTRY_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "registry"


@pytest.fixture
def registry_dir() -> Path:
    return REGISTRY_DIR


@pytest.fixture
def cold_catalogue():
    """The test starts as a new worker process does: nothing compiled yet."""
    from screening import catalogue  # Django is not set up when the engine runs alone

    catalogue._catalogues.clear()
    yield
    catalogue._catalogues.clear()


def pytest_configure(config: pytest.Config) -> None:
    # The engine's tests also run with `-p no:django`, without any settings.
    if config.pluginmanager.hasplugin("django"):
        from django.conf import settings as django_settings

        django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
