from pathlib import Path

import pytest

REGISTRY_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "registry"


@pytest.fixture
def registry_dir() -> Path:
    return REGISTRY_DIR


def pytest_configure(config: pytest.Config) -> None:
    # The engine's tests also run with `-p no:django`, without any settings.
    if config.pluginmanager.hasplugin("django"):
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
