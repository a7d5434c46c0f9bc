"""The fuzz properties with a modest budget; `manage.py fuzz` runs them with 20,000 examples."""

from hypothesis import HealthCheck, given, settings

from tests.fuzz import properties as p

MODEST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@MODEST
@given(p.criteria_texts)
def test_the_splitter_answers_any_text_with_well_formed_items(text):
    p.splitter_keeps_its_shape(text)


@MODEST
@given(p.parser_inputs)
def test_the_parser_answers_any_item_with_a_rule_that_compiles_or_a_note(drawn):
    p.parser_answers_with_a_valid_rule_or_a_note(drawn)


@MODEST
@given(p.rule_inputs)
def test_any_rule_text_compiles_to_a_canonical_rule_or_is_a_rule_error(text):
    p.compile_rule_answers_with_a_rule_or_a_rule_error(text)


@settings(MODEST, max_examples=60)
@given(p.screenings)
def test_the_evaluator_screens_any_patient_against_any_rules(drawn):
    p.evaluator_answers_every_patient(drawn)


@MODEST
@given(p.form_posts)
def test_the_form_reader_answers_any_post(drawn):
    p.form_reader_answers_every_post(drawn)


@MODEST
@given(p.study_records)
def test_a_study_record_of_any_shape_is_read_or_refused_with_a_reason(study):
    p.read_study_answers_with_a_record_or_a_record_error(study)


@MODEST
@given(p.damaged_zips)
def test_a_damaged_zip_is_reported_member_by_member(data):
    p.studies_in_zip_reports_every_damaged_zip(data)


def test_every_property_is_run_by_default_and_by_the_fuzz_command():
    tested = {
        "split_criteria",
        "parse_criterion",
        "compile_rule",
        "screen_trial",
        "read_form",
        "read_study",
        "studies_in_zip",
    }
    assert {prop.name for prop in p.PROPERTIES} == tested
