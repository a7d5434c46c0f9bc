from html.parser import HTMLParser

import pytest
from django.test import Client

from screening.models import SavedScreening
from tests.log.conftest import PATIENT
from tests.log.factories import SavedScreeningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_clinician(clinician) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician.user)
    return client


def test_saving_without_a_csrf_token_is_forbidden(strict_clinician, trials):
    response = strict_clinician.post("/log/save/", {**PATIENT, "reference": "ALS-1"})
    assert response.status_code == 403
    assert not SavedScreening.objects.exists()


def test_deleting_without_a_csrf_token_is_forbidden(strict_clinician, site):
    screening = SavedScreeningFactory(site=site)
    response = strict_clinician.post(f"/log/screenings/{screening.pk}/delete/")
    assert response.status_code == 403
    assert SavedScreening.objects.filter(pk=screening.pk).exists()


def test_logging_in_and_out_without_a_csrf_token_is_forbidden(strict_clinician):
    assert strict_clinician.post("/accounts/logout/").status_code == 403
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 403


class PostForms(HTMLParser):
    """Each POST <form> of a page, by its action, and whether a csrfmiddlewaretoken input is
    inside it: a token in another form on the page (the logout form's) does not count."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, bool]] = []
        self.open: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            post = (attributes.get("method") or "").lower() == "post"
            self.open = [attributes.get("action") or "", False] if post else None
            if self.open is not None:
                self.forms.append(self.open)
        elif tag == "input" and self.open and attributes.get("name") == "csrfmiddlewaretoken":
            self.open[1] = bool(attributes.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.open = None


def post_forms(html: str) -> list[tuple[str, bool]]:
    parser = PostForms()
    parser.feed(html)
    return [(action, has_token) for action, has_token in parser.forms]


def test_every_post_form_carries_its_own_csrf_token(clinician, site, trials):
    screening = SavedScreeningFactory(site=site)
    pages = {
        "/": {"/", "/accounts/logout/"},
        "/log/": {"/accounts/logout/"},
        f"/log/screenings/{screening.pk}/": {"/accounts/logout/"},
        f"/log/screenings/{screening.pk}/delete/": {
            f"/log/screenings/{screening.pk}/delete/",
            "/accounts/logout/",
        },
        f"/log/screenings/{screening.pk}/again/": {"/accounts/logout/"},
        "/log/trials/NCT00000001/": {"/accounts/logout/"},
        "/log/trials/NCT00000001/summary/": {"/accounts/logout/"},
    }
    for url, actions in pages.items():
        forms = post_forms(clinician.get(url).content.decode())
        assert {action for action, _ in forms} == actions, url  # a new form is checked too
        assert all(has_token for _, has_token in forms), (url, forms)
    login = post_forms(Client().get("/accounts/login/").content.decode())
    assert login == [("/accounts/login/", True)]
