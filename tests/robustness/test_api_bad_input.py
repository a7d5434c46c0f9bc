"""POST /api/screen answers every bad body with a 4xx JSON error that says what is wrong."""

import json

import pytest

from screening.engine import MEASURES, MeasureType
from tests.robustness.conftest import SCRIPT

JSON = "application/json"


def post(client, body: str | bytes, content_type: str = JSON):
    return client.post("/api/screen", body, content_type=content_type)


def errors_of(response) -> dict[str, list[str]]:
    assert response["Content-Type"] == JSON
    errors = response.json()["errors"]
    assert errors
    assert all(isinstance(m, str) and m for ms in errors.values() for m in ms)
    return errors


# One value of the wrong JSON type for each kind of measure, and one out of range.
WRONG_TYPE = {
    MeasureType.NUMBER: "70",
    MeasureType.INTEGER: 50.5,
    MeasureType.BOOLEAN: "yes",
    MeasureType.CATEGORY: 3,
    MeasureType.SET: "SOD1",
    MeasureType.DATE: 20240101,
    MeasureType.SCORES: "4 4 4 4 4 4 4 4 4 4 4 4",
}
OUT_OF_RANGE = {
    MeasureType.NUMBER: 1e9,
    MeasureType.INTEGER: -1,
    MeasureType.CATEGORY: "purple",
    MeasureType.SET: ["not a gene!"],
    MeasureType.DATE: "2999-01-01",
    MeasureType.SCORES: [5] * 12,
}
JUNK = {
    "null-in-list": [None],
    "nested-object": {"a": {"b": [1, {"c": None}]}},
    "nan": float("nan"),
    "infinity": float("inf"),
    "huge-integer": 10**4000,
    "empty-object": {},
    "html": SCRIPT,
    "nul": "\x00",
    "emoji": "🧬",
}
ENTERED = [m for m in MEASURES.values() if not m.derived]
FIELD_CASES = [
    (m.name, label, value)
    for m in ENTERED
    for label, value in [
        ("wrong-type", WRONG_TYPE[m.type]),
        *([("out-of-range", OUT_OF_RANGE[m.type])] if m.type in OUT_OF_RANGE else []),
        *JUNK.items(),
    ]
]


@pytest.mark.parametrize("name", sorted({name for name, _, _ in FIELD_CASES}))
def test_a_bad_value_in_any_field_is_a_400_naming_that_field(anonymous_visitor, trials, name):
    for field, label, value in FIELD_CASES:
        if field != name:
            continue
        # json.dumps writes NaN and Infinity, which Python's JSON reader accepts: they must
        # still be refused as numbers.
        body = json.dumps(
            {name: value, "fvc_percent": 75} if name != "fvc_percent" else {name: value}
        )

        response = post(anonymous_visitor, body)

        assert response.status_code == 400, label
        errors = errors_of(response)
        assert list(errors) == [name], label
        assert SCRIPT not in errors[name][0] or label == "html"  # JSON, never rendered as HTML


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"age": 50, "no_such_field": 1}, ["no_such_field"]),
        ({"agee": 50}, ["agee"]),
        ({"alsfrs_r_bulbar": 10}, ["alsfrs_r_bulbar"]),  # derived, never entered
        ({"": 1, " ": 2}, ["", " "]),
        ({"as_of": "2025-02-30"}, ["as_of"]),
        ({"as_of": "1066-10-14"}, ["as_of"]),
        ({"as_of": ["2025-01-01"]}, ["as_of"]),
        ({"birth_date": "1950-01-01", "age": 30, "as_of": "2025-01-01"}, ["age", "birth_date"]),
        ({"riluzole": "never", "riluzole_since": "2024-01-01"}, ["riluzole", "riluzole_since"]),
    ],
    ids=["unknown", "misspelt", "derived", "blank-keys", "no-such-day", "too-early",
         "list-date", "age-and-birth-disagree", "since-without-current"],
)  # fmt: skip
def test_unknown_keys_and_contradictions_are_a_400_naming_each(
    anonymous_visitor, trials, body, names
):
    response = post(anonymous_visitor, json.dumps(body))
    assert response.status_code == 400
    assert sorted(errors_of(response)) == sorted(names)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b'{"age": 50',
        b"{'age': 50}",
        b'{"age": 50} trailing',
        b"\x80\x81\xfe\xff",
        b'{"age": "\xe9"}',
        b"age=50&fvc_percent=75",
    ],
    ids=["empty", "brace", "truncated", "single-quotes", "trailing", "binary", "latin-1",
         "form-encoded"],
)  # fmt: skip
def test_a_body_that_is_not_json_is_a_400(anonymous_visitor, trials, body):
    response = post(anonymous_visitor, body)
    assert response.status_code == 400
    assert list(errors_of(response)) == ["body"]


@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"age"', "50", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_400(anonymous_visitor, trials, body):
    response = post(anonymous_visitor, body)
    assert response.status_code == 400
    assert errors_of(response) == {"body": ["The body must be a JSON object."]}


def test_a_body_over_the_upload_limit_is_a_413(anonymous_visitor, trials, settings):
    body = json.dumps({"gene_variants": ["SOD1"] * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 6)})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = post(anonymous_visitor, body)

    assert response.status_code == 413
    assert list(errors_of(response)) == ["body"]


def test_every_problem_in_a_body_is_reported_at_once(anonymous_visitor, trials):
    body = {"age": -1, "sex": "x", "fvc_percent": "70", "unknown": 1, "gastrostomy": "no"}
    response = post(anonymous_visitor, json.dumps(body))
    assert response.status_code == 400
    assert sorted(errors_of(response)) == sorted(body)


def test_a_good_body_still_screens(anonymous_visitor, trials):
    body = {"age": 50, "fvc_percent": 75, "gastrostomy": False, "as_of": "2025-01-15"}
    response = post(anonymous_visitor, json.dumps(body))
    assert response.status_code == 200
    verdicts = {r["nct_id"]: r["verdict"] for r in response.json()["results"]}
    assert verdicts == {"NCT00000001": "eligible", "NCT00000002": "eligible"}


def test_get_and_other_methods_are_refused(careless_visitor, trials):
    assert careless_visitor.get("/api/screen").status_code == 405
    assert careless_visitor.put("/api/screen", "{}", content_type=JSON).status_code == 405


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_a_deeply_nested_body_is_a_400_not_a_server_error(careless_visitor, trials, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * 100_000 + ("" if opener == "[" else "1") + closer * 100_000
    response = post(careless_visitor, body)
    assert response.status_code == 400
    assert response.json() == {"errors": {"body": ["The body is nested too deeply."]}}
