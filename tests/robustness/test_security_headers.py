"""Security headers, read off real responses; cookies, read off a production-mode process."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
HTML_PAGES = ["/", "/trials/", "/trials/NCT00000001/", "/accounts/login/", "/no-such-page/"]


def responses(client):
    for path in HTML_PAGES:
        yield path, client.get(path)
    yield "POST /", client.post("/", {"fvc_percent": "75"})
    yield "POST / (htmx)", client.post("/", {"fvc_percent": "75"}, headers={"HX-Request": "true"})
    yield "POST /api/screen", client.post("/api/screen", "{}", content_type="application/json")
    yield "POST /api/screen (bad)", client.post("/api/screen", "[", content_type="application/json")


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_every_response_carries_a_strict_content_security_policy(anonymous_visitor, trials):
    for where, response in responses(anonymous_visitor):
        policy = response.get("Content-Security-Policy")
        assert policy, where
        assert "unsafe-inline" not in policy, where
        assert "unsafe-eval" not in policy, where
        found = directives(policy)
        assert found["default-src"] == ["'self'"], where
        assert found["script-src"] == ["'self'"], where
        assert found["frame-ancestors"] == ["'none'"], where
        assert found["form-action"] == ["'self'"], where
        assert found["base-uri"] == ["'self'"], where
        assert not any("*" in value for values in found.values() for value in values), where


def test_every_response_refuses_framing_sniffing_and_leaking_the_referrer(
    anonymous_visitor, trials
):
    for where, response in responses(anonymous_visitor):
        assert response["X-Frame-Options"] == "DENY", where
        assert response["X-Content-Type-Options"] == "nosniff", where
        assert response["Referrer-Policy"] == "same-origin", where


def test_the_pages_need_nothing_the_policy_forbids(anonymous_visitor, trials):
    # With no 'unsafe-inline', an inline script, style or event handler would silently break.
    for path in ["/", "/trials/", "/trials/NCT00000001/", "/accounts/login/"]:
        html = anonymous_visitor.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"<style\b", html), path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert not re.search(r"""(?:href|src|action)=["']?javascript:""", html, re.I), path
        for source in re.findall(r"""<script[^>]*\bsrc=["']([^"']+)""", html):
            assert source.startswith("/"), f"{path} loads a script from elsewhere: {source}"


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "prescreen.example.org",
    "DATABASE_URL": "sqlite://:memory:",
}
# Runs inside a process started with the production environment: settings are read once.
COOKIES = """
import json
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, override_settings

call_command("migrate", verbosity=0)
User.objects.create_user("clinician", password="a-long-test-password-4821")
plain_static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
host = {"HTTP_HOST": "prescreen.example.org"}


def flags(morsel):
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"]}


with override_settings(STORAGES={**plain_static, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage"}}):
    client = Client()
    insecure = client.get("/", **host)
    page = client.get("/accounts/login/", secure=True, **host)
    login = client.post("/accounts/login/", {"username": "clinician",
        "password": "a-long-test-password-4821"}, secure=True, **host)
    print(json.dumps({
        "insecure": [insecure.status_code, insecure.get("Location", "")],
        "hsts": page.get("Strict-Transport-Security", ""),
        "login": login.status_code,
        "csrftoken": flags(page.cookies["csrftoken"]),
        "sessionid": flags(login.cookies["sessionid"]),
    }))
"""


@pytest.fixture(scope="module")
def production_cookies() -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", COOKIES],
        cwd=BASE_DIR,
        env={**environment, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_in_production_the_session_cookie_is_secure_http_only_and_same_site(production_cookies):
    assert production_cookies["login"] == 302
    assert production_cookies["sessionid"] == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
    }


def test_in_production_the_csrf_cookie_is_secure_and_same_site(production_cookies):
    assert production_cookies["csrftoken"]["secure"] is True
    assert production_cookies["csrftoken"]["samesite"] == "Lax"


def test_in_production_the_csrf_cookie_is_http_only(production_cookies):
    assert production_cookies["csrftoken"]["httponly"] is True


def test_in_production_plain_http_is_redirected_and_https_is_pinned(production_cookies):
    status, location = production_cookies["insecure"]
    assert status == 301
    assert location.startswith("https://prescreen.example.org/")
    assert production_cookies["hsts"].startswith("max-age=31536000")
