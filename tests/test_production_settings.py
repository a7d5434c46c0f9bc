"""Production mode comes from the environment alone, and refuses to start half-configured.

Each check runs `manage.py` in a fresh process, because settings are read once at start.
"""

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET = "a-long-random-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": SECRET,
    "ALLOWED_HOSTS": "prescreen.example.org",
    "DATABASE_URL": "postgres://prescreen@127.0.0.1:5432/prescreen",
    # What `check --deploy` asks of a host that is only ever served over HTTPS.
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}
SETTINGS_READ = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_TLS_PROXY",
    "WEB_CONCURRENCY",
    "GUNICORN_BIND",
)

SHOW_SETTINGS = """
import json
import re
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_PROXY_SSL_HEADER": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "whitenoise": "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE,
    "ENGINE": db["ENGINE"],
    "CONN_MAX_AGE": db["CONN_MAX_AGE"],
    "CONN_HEALTH_CHECKS": db["CONN_HEALTH_CHECKS"],
}))
"""


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The browser tests allow async-unsafe calls in this process; `check --deploy` would see it.
    leaked = (*SETTINGS_READ, "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in leaked}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(**env: str) -> dict:
    result = manage("shell", "--no-imports", "-c", SHOW_SETTINGS, **{**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_deployment_checklist_finds_nothing_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_mode_is_secure_by_default():
    values = production_settings()
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_PROXY_SSL_HEADER": None,
        "staticfiles": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "whitenoise": True,
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def test_hsts_and_the_tls_proxy_are_set_from_the_environment():
    values = production_settings(SECURE_HSTS_SECONDS="3600", BEHIND_TLS_PROXY="true")
    assert values["SECURE_HSTS_SECONDS"] == 3600
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set when DEBUG is off"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set when DEBUG is off"),
    ],
)
def test_production_mode_refuses_to_start_without(missing, message):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_mode_refuses_the_development_secret_key():
    from config import settings

    result = manage("check", **{**PRODUCTION, "SECRET_KEY": settings._DEV_SECRET_KEY})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_mistyped_switch_is_refused_not_guessed():
    result = manage("check", **{**PRODUCTION, "SECURE_COOKIES": "ture"})
    assert result.returncode != 0
    assert "SECURE_COOKIES must be true or false, not 'ture'" in result.stderr


def test_gunicorn_serves_on_the_loopback_with_workers_from_the_environment(monkeypatch):
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:8000"
    assert config["workers"] == 2
    assert config["wsgi_app"] == "config.wsgi:application"
    assert config["timeout"] >= 30
    # Method, path, status, size and time only: no query string, so no patient values.
    assert "%(U)s" in config["access_log_format"]
    assert "%(r)s" not in config["access_log_format"]
    assert "%(q)s" not in config["access_log_format"]


def test_env_example_documents_every_variable_the_code_reads():
    reads = re.compile(r'(?:environ\.get|envbool|envint|envlist)\(\s*"([A-Z_]+)"')
    sources = [BASE_DIR / "gunicorn.conf.py", *BASE_DIR.glob("config/*.py")]
    sources += BASE_DIR.glob("screening/management/commands/*.py")
    read = {name for path in sources for name in reads.findall(path.read_text())}
    documented = {
        line.split("=")[0] for line in (BASE_DIR / ".env.example").read_text().splitlines()
    }
    assert "SECRET_KEY" in read
    assert read - documented == set()
