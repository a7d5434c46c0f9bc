"""Every field of the screening form, given every kind of bad value, as a full page and live.

The promise for each: status 200 (htmx 2 swaps nothing on a 4xx), the field named with a message
in its own error slot, the bad value left out of the screening, every other value still used,
and anything shown back escaped.
"""

import json
import re

import pytest

from screening.engine import MEASURES, MeasureType
from screening.forms import ENTERED
from tests.robustness.conftest import ESCAPED_SCRIPT, SCRIPT

HX = {"HX-Request": "true"}
AS_OF = "as_of"
HUGE = "x" * 100_000

# Bad in any field.
GENERIC = {
    "huge": HUGE,
    "control": "\x01\x02\x1b[31m",
    "nul": "\x00",
    "emoji": "🧬💉",
    "html": SCRIPT,
}
# Bad for the field's type: the wrong kind of value, and values outside what it can hold.
BY_TYPE = {
    MeasureType.NUMBER: {"wrong_type": "seventy", "too_low": "-1", "too_high": "99999"},
    MeasureType.INTEGER: {"wrong_type": "70.5", "too_low": "-1", "too_high": "99999"},
    MeasureType.BOOLEAN: {"wrong_type": "maybe"},
    MeasureType.CATEGORY: {"wrong_type": "purple"},
    MeasureType.SET: {"wrong_type": "not a gene!"},
    MeasureType.DATE: {"wrong_type": "yesterday", "too_low": "1899-12", "too_high": "2999-01-01"},
    MeasureType.SCORES: {"wrong_type": "four", "too_high": "5"},
}
AS_OF_VALUES = {"wrong_type": "tomorrow", "too_high": "2025-13-01"}


def bad_values(name: str) -> dict[str, str]:
    typed = AS_OF_VALUES if name == AS_OF else BY_TYPE[MEASURES[name].type]
    return {**GENERIC, **typed}


FIELDS = [AS_OF, *(m.name for m in ENTERED)]
CATEGORIES = sorted({category for name in FIELDS for category in bad_values(name)})


def post_data(name: str, value: str) -> dict[str, str | list[str]]:
    if name == "alsfrs_r_items":
        return {name: [value] * 12}
    return {name: value}


def companion(name: str) -> tuple[str, str]:
    """A valid value posted beside the bad one, which must still be used."""
    return ("age", "50") if name == "fvc_percent" else ("fvc_percent", "75")


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="{name}-error"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no error slot for {name}"
    return match[1].strip()


def assert_escaped(html: str, category: str) -> None:
    assert SCRIPT not in html
    if category == "html":
        assert ESCAPED_SCRIPT in html


@pytest.mark.parametrize("name", FIELDS)
def test_a_bad_value_in_a_live_update_is_named_at_its_field_and_the_rest_still_counts(
    anonymous_visitor, trials, name
):
    other, other_value = companion(name)
    for category, value in bad_values(name).items():
        data = {**post_data(name, value), other: other_value}

        response = anonymous_visitor.post("/", data, headers=HX)

        assert response.status_code == 200, category
        assert "HX-Request" in response["Vary"]
        html = response.content.decode()
        assert "<html" not in html  # the live partial, not the page
        reading = response.context["reading"]
        assert reading.errors.get(name), f"{category} {value[:30]!r} was not reported"
        assert name not in reading.patient.entered, category
        assert field_error(html, name), category
        assert other in reading.patient.entered, category  # nothing lost
        assert_escaped(html, category)


def full_page_posts(category: str) -> list[tuple[list[str], dict[str, str | list[str]]]]:
    """Every field's bad value of a category, in as few posts as fit the upload limit."""
    posts: list[tuple[list[str], dict[str, str | list[str]]]] = [([], {})]
    for name in FIELDS:
        if category not in bad_values(name):
            continue
        names, data = posts[-1]
        if category == "huge" and len(names) >= 8:  # 8 fields of 100 KB, or 12 items and 3
            posts.append(([], {}))
            names, data = posts[-1]
        names.append(name)
        data.update(post_data(name, bad_values(name)[category]))
    return posts


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_full_page_post_of_bad_values_marks_every_field(anonymous_visitor, trials, category):
    for names, data in full_page_posts(category):
        response = anonymous_visitor.post("/", data)

        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" in html
        reading = response.context["reading"]
        for name in names:
            assert reading.errors.get(name), f"{name} was not reported"
            assert name not in reading.patient.entered
            assert field_error(html, name), f"{name} shows no message at the field"
            assert re.search(rf'name="{name}"[^>]*aria-invalid="true"', html), name
        assert_escaped(html, category)


def test_script_text_from_the_registry_is_escaped_in_the_results(anonymous_visitor, trials):
    for headers in ({}, HX):
        html = anonymous_visitor.post("/", {"gastrostomy": "yes"}, headers=headers).content
        assert SCRIPT.encode() not in html
        assert ESCAPED_SCRIPT.encode() in html


def test_a_post_over_the_upload_limit_is_a_bad_request_not_a_server_error(
    careless_visitor, trials, settings
):
    body = {"fvc_percent": "7" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    assert careless_visitor.post("/", body).status_code == 400
    assert careless_visitor.post("/", body, headers=HX).status_code == 400


def test_a_post_with_too_many_fields_is_a_bad_request_not_a_server_error(
    careless_visitor, trials, settings
):
    body = {f"field{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert careless_visitor.post("/", body).status_code == 400


def test_other_methods_are_refused(careless_visitor, trials):
    for method in (careless_visitor.put, careless_visitor.delete, careless_visitor.patch):
        assert method("/").status_code == 405


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fvc_percent", "75" + " " * 300 + SCRIPT),
        ("symptom_onset", "2020-01-01" + " " * 300 + "or maybe 2019"),
        ("gene_variants", "SOD1," * 1000 + "not a gene!"),
    ],
)
def test_a_value_longer_than_the_field_takes_is_reported_not_silently_cut(
    anonymous_visitor, trials, name, value
):
    response = anonymous_visitor.post("/", {name: value}, headers=HX)
    assert response.context["reading"].errors.get(name)


def test_an_over_long_screening_date_is_not_echoed_whole(anonymous_visitor, trials):
    response = anonymous_visitor.post("/", {AS_OF: HUGE})
    assert response.context["reading"].errors.get(AS_OF)
    assert len(response.content) < 100_000


def test_the_form_and_the_api_take_the_same_screening_dates(anonymous_visitor, trials):
    for as_of in ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"]:
        api = anonymous_visitor.post(
            "/api/screen", json.dumps({"as_of": as_of}), content_type="application/json"
        )
        form = anonymous_visitor.post("/", {AS_OF: as_of}, headers=HX)
        assert api.status_code == 400, as_of
        assert form.context["reading"].errors.get(AS_OF), as_of


@pytest.mark.parametrize("category", sorted(bad_values("alsfrs_r_items")))
def test_a_bad_alsfrs_r_item_is_refused_even_while_the_others_are_blank(
    anonymous_visitor, trials, category
):
    value = bad_values("alsfrs_r_items")[category]
    items = ["4", "", value, *[""] * 9]

    response = anonymous_visitor.post("/", {"alsfrs_r_items": items, "age": "50"}, headers=HX)

    reading = response.context["reading"]
    assert reading.errors["alsfrs_r_items"] == [
        "Each ALSFRS-R item is a whole number from 0 to 4; item 3 is not."
    ]
    assert field_error(response.content.decode(), "alsfrs_r_items")
    assert reading.patient.entered == {"age": 50}
    assert_escaped(response.content.decode(), category)


def test_more_alsfrs_r_items_than_the_scale_has_are_refused(anonymous_visitor, trials):
    response = anonymous_visitor.post("/", {"alsfrs_r_items": ["4"] * 13}, headers=HX)
    assert response.context["reading"].errors["alsfrs_r_items"] == [
        "There are 12 ALSFRS-R items; got 13."
    ]


def test_alsfrs_r_items_still_being_answered_are_not_a_bad_value(anonymous_visitor, trials):
    # Not an error: each select sends the form live, so a part-filled set is the usual state.
    items = ["4", "3", "", "2", *[""] * 8]
    response = anonymous_visitor.post("/", {"alsfrs_r_items": items}, headers=HX)
    reading = response.context["reading"]
    assert reading.errors == {}
    assert field_error(response.content.decode(), "alsfrs_r_items") == ""
    assert "alsfrs_r_items" not in reading.patient.entered
