import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_engine_imports_neither_django_nor_the_apps():
    code = (
        "import sys, screening.engine, screening.engine.evaluator;"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('django', 'trials')"
        " or (m.startswith('screening.') and not m.startswith('screening.engine'))];"
        "print(','.join(loaded))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == ""
