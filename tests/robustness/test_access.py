"""Who may reach what: every URL the project routes is walked, so a new one is checked too."""

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from trials.models import Criterion, Trial

PUBLIC = {
    "/",
    "/trials/",
    "/trials/NCT00000001/",
    "/accounts/login/",
    "/admin/login/",
}
SAMPLES = {"nct_id": "NCT00000001", "pk": str(uuid.UUID(int=1)), "url": "x"}


def _sample_route(route: str) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match[1] or "str", match[2]
        return SAMPLES.get(name, str(uuid.UUID(int=1)) if converter == "uuid" else "1")

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _sample_regex(regex: str) -> str:
    regex = regex.lstrip("^").removesuffix("$").removesuffix(r"\Z")
    regex = re.sub(r"\(\?P<(\w+)>([^()]*)\)", lambda m: _group_sample(m[1], m[2]), regex)
    return regex.replace("([^/]+)", "1").replace("\\.", ".").replace("^", "")


def _group_sample(name: str, pattern: str) -> str:
    if name in SAMPLES:
        return SAMPLES[name]
    return pattern.split("|")[0] if "|" in pattern else "1"


def routed_paths() -> list[str]:
    """One concrete path for every URL pattern, samples in place of its parameters."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            text = str(pattern.pattern)
            part = _sample_regex(text) if "(" in text or "^" in text else _sample_route(text)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + part)
            elif isinstance(pattern, URLPattern):
                yield prefix + part

    return sorted({"/" + path for path in walk(get_resolver().url_patterns, "")})


PATHS = routed_paths()


@pytest.fixture
def registry(db):
    trial = Trial.objects.create(nct_id="NCT00000001", brief_title="A trial")
    Criterion.objects.create(trial=trial, position=1, kind="inclusion", text="FVC ≥ 70%")
    return trial


@pytest.fixture
def clinician(db) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_user("clinician", password="a-long-password-4821"))
    return client


def test_the_walk_finds_the_endpoints_that_matter():
    for path in ["/", "/api/screen", "/admin/", "/log/save/", "/accounts/login/"]:
        assert path in PATHS
    assert len(PATHS) > 50


def test_no_url_takes_a_post_without_a_csrf_token(csrf_checked_visitor, clinician, registry):
    taken = [
        (who, path, response.status_code)
        for who, client in [("anonymous", csrf_checked_visitor), ("clinician", clinician)]
        for path in PATHS
        if (response := client.post(path, {"fvc_percent": "75"})).status_code != 403
    ]
    assert taken == []


def where_an_anonymous_get_goes(client: Client, path: str) -> str:
    response = client.get(path)
    if response.status_code == 302:
        return response["Location"].split("?")[0]
    return str(response.status_code)


def test_an_anonymous_visitor_reaches_only_the_public_pages(anonymous_visitor, registry):
    wrong = []
    for path in PATHS:
        outcome = where_an_anonymous_get_goes(anonymous_visitor, path)
        if path in PUBLIC:
            expected = {"200"}
        elif path.startswith("/admin/"):
            # The admin sends to its login page; its logout to its index, which does the same.
            expected = {"/admin/login/", "/admin/"}
        else:
            # A page for people logged in sends to the login page; a POST-only one refuses GET.
            expected = {"/accounts/login/", "405"}
        if outcome not in expected:
            wrong.append((path, outcome))
    assert wrong == []


def test_a_logged_in_clinician_who_is_not_staff_cannot_reach_the_admin(clinician, registry):
    for path in ["/admin/", "/admin/trials/trial/", "/admin/trials/criterion/1/change/"]:
        response = clinician.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/?next="), path


def test_an_anonymous_post_to_the_admin_changes_nothing(anonymous_visitor, registry):
    criterion = Criterion.objects.get()
    response = anonymous_visitor.post(
        f"/admin/trials/criterion/{criterion.pk}/change/", {"rule": "fvc_percent >= 10"}
    )
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.rule == ""


def test_the_screening_form_and_the_api_accept_the_token_the_page_hands_out(
    csrf_checked_visitor, registry
):
    page = csrf_checked_visitor.get("/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)[1]
    headers = {"X-CSRFToken": token}

    form = csrf_checked_visitor.post("/", {"fvc_percent": "75"}, headers=headers)
    live = csrf_checked_visitor.post(
        "/", {"fvc_percent": "75"}, headers={**headers, "HX-Request": "true"}
    )
    api = csrf_checked_visitor.post(
        "/api/screen", {"fvc_percent": 75}, content_type="application/json", headers=headers
    )

    assert (form.status_code, live.status_code, api.status_code) == (200, 200, 200)


def test_a_token_from_another_visitor_is_refused(csrf_checked_visitor, registry):
    other = Client(enforce_csrf_checks=True)
    page = other.get("/").content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]
    csrf_checked_visitor.get("/")  # has its own cookie, which the other token does not match

    response = csrf_checked_visitor.post(
        "/api/screen", {"fvc_percent": 75}, content_type="application/json",
        headers={"X-CSRFToken": token},
    )  # fmt: skip

    assert response.status_code == 403


def test_there_is_no_password_reset_by_e_mail_since_no_e_mail_is_sent(anonymous_visitor):
    for path in ["/accounts/password_reset/", "/accounts/reset/done/"]:
        assert anonymous_visitor.get(path).status_code == 404
