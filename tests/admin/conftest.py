"""Personas for the admin: a curator, a staff member who only reads, and an anonymous visitor."""

import pytest
from django.test import Client

from tests.admin.factories import make_curator, make_staff_reader


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def curator(db) -> Client:
    return logged_in(make_curator())


@pytest.fixture
def second_curator(db) -> Client:
    return logged_in(make_curator("cleo"))


@pytest.fixture
def staff_reader(db) -> Client:
    return logged_in(make_staff_reader())


@pytest.fixture
def anonymous_visitor() -> Client:
    return Client()
