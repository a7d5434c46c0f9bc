"""The screening page names the ALSFRS-R subscores as the vocabulary does: no second copy."""

import pytest

from screening.engine import AlsfrsDomain

pytestmark = pytest.mark.django_db

ITEMS = ["4", "4", "3", "4", "3", "3", "4", "2", "2", "4", "4", "3"]


def test_the_computed_subscores_take_their_names_from_the_vocabulary(client, monkeypatch):
    monkeypatch.setattr(AlsfrsDomain, "label", property(lambda d: f"<{d.value}> domain"))

    html = client.post("/", {"alsfrs_r_items": ITEMS}).content.decode()

    assert (
        "&lt;bulbar&gt; domain 11, &lt;fine_motor&gt; domain 10, "
        "&lt;gross_motor&gt; domain 8, &lt;respiratory&gt; domain 11 (each out of 12)"
    ) in html


def test_no_subscores_are_shown_before_the_items_are_entered(client):
    html = client.post("/", {"fvc_percent": "80"}).content.decode()

    assert "Computed from the items" not in html
