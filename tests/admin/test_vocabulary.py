import pytest
from django.urls import reverse

from screening.engine import MEASURES, compile_rule
from tests.factories import CriterionFactory
from trials.admin_vocabulary import NOT_IN_RULES, measure_row

pytestmark = pytest.mark.django_db

VOCABULARY_URL = reverse("admin:trials_vocabulary")


def test_the_vocabulary_lists_every_measure_of_the_engine(curator):
    page = curator.get(VOCABULARY_URL)
    assert page.status_code == 200
    listed = [row.measure.name for section in page.context["sections"] for row in section.rows]
    assert sorted(listed) == sorted(MEASURES)


def test_every_measure_a_rule_can_name_has_examples_that_compile():
    for measure in MEASURES.values():
        row = measure_row(measure)
        if measure.type in NOT_IN_RULES:
            assert row.examples == ()
            assert "not compared in rules" in row.note
        else:
            assert row.examples, measure.name
            for example in row.examples:
                assert compile_rule(example.rule).source == example.rule


def test_the_vocabulary_shows_type_unit_range_and_choices(curator):
    html = curator.get(VOCABULARY_URL).content.decode()
    assert "<code>fvc_percent</code>" in html
    assert "0 to 200 % of predicted" in html
    assert "probable_laboratory_supported (Clinically probable – laboratory-supported)" in html
    assert "<code>fvc_percent &gt;= 70</code>" in html
    assert "Entered on the patient; not compared in rules. Rules use months_since_onset" in html


def test_the_vocabulary_shows_rules_in_use(curator):
    CriterionFactory(rule="fvc_percent >= 75 and not niv")
    row = next(
        row
        for section in curator.get(VOCABULARY_URL).context["sections"]
        for row in section.rows
        if row.measure.name == "niv"
    )
    assert (row.use_count, row.in_use) == (1, ("fvc_percent >= 75 and not niv",))


def test_the_vocabulary_shows_the_grammar_of_the_rule_language(curator):
    html = curator.get(VOCABULARY_URL).content.decode()
    assert "rule   : &quot;if&quot; expr &quot;then&quot; expr | expr" in html


def test_the_admin_index_links_to_the_vocabulary(curator):
    html = curator.get(reverse("admin:index")).content.decode()
    assert f'<a href="{VOCABULARY_URL}">Rule vocabulary</a>' in html


def test_the_vocabulary_is_for_staff_only(anonymous_visitor):
    page = anonymous_visitor.get(VOCABULARY_URL)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("admin:login"))
