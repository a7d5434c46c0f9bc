"""Password guessing is stopped by django-axes: a few wrong passwords lock that user name out
from that address for a while, on the site's login page and the admin's alike."""

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from config.privacy import client_ip_behind_proxy

PASSWORD = "a-long-password-4821"


@pytest.fixture
def clinician(db, settings) -> User:
    settings.AXES_FAILURE_LIMIT = 3
    return User.objects.create_user("clinician", password=PASSWORD, is_staff=True)


def log_in(client: Client, password: str, *, url: str = "/accounts/login/", address="10.0.0.1"):
    return client.post(url, {"username": "clinician", "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_up_to_the_limit_lock_out_even_the_right_one(clinician):
    client = Client()
    assert [log_in(client, "guess").status_code for _ in range(3)] == [200, 200, 429]

    response = log_in(client, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed log-ins" in response.text
    assert "3 wrong passwords were given for the user name “clinician”" in response.text
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_throttled_as_well(clinician):
    client = Client()
    for _ in range(3):
        log_in(client, "guess", url="/admin/login/")

    assert log_in(client, PASSWORD, url="/admin/login/").status_code == 429


def test_a_lockout_holds_for_one_address_not_for_every_one(clinician):
    for _ in range(3):
        log_in(Client(), "guess", address="10.0.0.1")

    response = log_in(Client(), PASSWORD, address="10.0.0.2")

    assert response.status_code == 302


def test_a_successful_login_forgets_the_earlier_failures(clinician):
    client = Client()
    log_in(client, "guess")
    log_in(client, "guess")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    log_in(client, "guess")
    log_in(client, "guess")

    assert log_in(client, PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended():
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="127.0.0.1"
    )
    assert client_ip_behind_proxy(request) == "203.0.113.7"


def test_without_a_forwarded_header_the_address_is_the_peer():
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")
    assert client_ip_behind_proxy(request) == "127.0.0.1"
