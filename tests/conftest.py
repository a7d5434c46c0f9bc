from pathlib import Path

import pytest

REGISTRY_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "registry"


@pytest.fixture
def registry_dir() -> Path:
    return REGISTRY_DIR
