"""The trial list's search and filters and the trial page's address take any text."""

import pytest

from tests.robustness.conftest import ESCAPED_SCRIPT, SCRIPT

SEARCHES = {
    "html": SCRIPT,
    "huge": "x" * 100_000,
    "emoji": "🧬",
    "control": "\x01\x1b[31m",
    "sql": "' OR 1=1 --",
    "like-wildcards": "%_%",
    "unicode-case": "İSTANBUL ß",
}


@pytest.mark.parametrize("query", list(SEARCHES.values()), ids=list(SEARCHES))
def test_any_search_text_gives_a_page_and_is_shown_escaped(careless_visitor, trials, query):
    response = careless_visitor.get("/trials/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert SCRIPT not in html
    if query == SCRIPT:
        assert ESCAPED_SCRIPT in html


@pytest.mark.parametrize(
    "params",
    [
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"page": "one"},
        {"status": "<b>"},
        {"phase": "PHASE9"},
        {"status": "RECRUITING", "phase": "PHASE2", "q": "FVC", "page": "2"},
    ],
    ids=["negative-page", "huge-page", "word-page", "html-status", "unknown-phase", "all"],
)
def test_bad_filters_and_page_numbers_give_a_page(careless_visitor, trials, params):
    assert careless_visitor.get("/trials/", params).status_code == 200


@pytest.mark.parametrize(
    "nct_id", ["NCT0000000", "nct00000001x", "%3Cscript%3E", "🧬", "x" * 5000, "NCT00000001%20"]
)
def test_an_address_that_names_no_trial_is_a_404(careless_visitor, trials, nct_id):
    assert careless_visitor.get(f"/trials/{nct_id}/").status_code == 404


def test_a_nul_in_the_search_is_ignored(careless_visitor, trials):
    response = careless_visitor.get("/trials/?q=%00")
    assert response.status_code == 200
    assert response.context["query"] == ""


def test_a_nul_in_the_address_is_a_404(careless_visitor, trials):
    assert careless_visitor.get("/trials/NCT%00/").status_code == 404
