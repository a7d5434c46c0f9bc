import contextlib

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from screening.engine import (
    MEASURES,
    Outcome,
    PatientError,
    RuleError,
    Truth,
    compile_rule,
    read_patient,
    screen_trial,
)
from screening.engine.logic import negation, settled
from tests.engine.strategies import patients, rules, token_soup
from tests.engine.support import AS_OF, criterion, trial

# Settled: a rule that does not apply counts as met in an inclusion (wanted), as not met in an
# exclusion.
MET, NOT_MET, UNKNOWN = Truth.MET, Truth.NOT_MET, Truth.UNKNOWN
PROPERTY = settings(suppress_health_check=[HealthCheck.too_slow])


def truth_of(rule: str, patient, wanted: bool = True) -> Truth:
    return settled(compile_rule(rule).evaluate(patient, wanted=wanted).truth, wanted)


@given(st.text(max_size=300))
@PROPERTY
def test_arbitrary_text_compiles_or_is_a_rule_error(text):
    with contextlib.suppress(RuleError):
        compile_rule(text)


@given(token_soup)
@PROPERTY
def test_rule_shaped_junk_compiles_or_is_a_rule_error(text):
    try:
        rule = compile_rule(text)
    except RuleError:
        return
    assert compile_rule(rule.source).source == rule.source


@given(patients)
@PROPERTY
def test_every_generated_patient_is_valid_and_serialisable(data):
    patient = read_patient(data, as_of=AS_OF)
    assert set(patient.to_json()["entered"]) == {k for k, v in data.items() if v is not None}


@given(rules, patients)
@PROPERTY
def test_evaluation_is_total_and_survives_the_round_trip(text, data):
    patient = read_patient(data, as_of=AS_OF)
    rule = compile_rule(text)
    result = rule.evaluate(patient)
    assert result.truth in Truth
    assert result.explanation
    assert set(result.missing) <= set(MEASURES)
    if result.truth is not UNKNOWN:
        assert result.missing == ()
    again = compile_rule(rule.source)
    assert again.source == rule.source
    assert again.evaluate(patient) == result


@given(rules, patients)
@PROPERTY
def test_not_swaps_met_and_not_met_and_keeps_unknown(text, data):
    patient = read_patient(data, as_of=AS_OF)
    assert truth_of(f"not ({text})", patient) is negation(truth_of(text, patient, False))
    assert truth_of(f"not not ({text})", patient) is truth_of(text, patient)


@given(rules, rules, patients)
@PROPERTY
def test_de_morgan_and_commutativity_hold(a, b, data):
    patient = read_patient(data, as_of=AS_OF)
    assert truth_of(f"not (({a}) and ({b}))", patient) is truth_of(
        f"not ({a}) or not ({b})", patient
    )
    assert truth_of(f"not (({a}) or ({b}))", patient) is truth_of(
        f"not ({a}) and not ({b})", patient
    )
    assert truth_of(f"({a}) and ({b})", patient) is truth_of(f"({b}) and ({a})", patient)
    assert truth_of(f"({a}) or ({b})", patient) is truth_of(f"({b}) or ({a})", patient)


@given(rules, rules, patients)
@PROPERTY
def test_unknown_is_never_resolved_by_guessing(a, b, data):
    # An and is met only if both parts are; an or fails only if both parts fail.
    patient = read_patient(data, as_of=AS_OF)
    both = truth_of(f"({a}) and ({b})", patient)
    either = truth_of(f"({a}) or ({b})", patient)
    parts = (truth_of(a, patient), truth_of(b, patient))
    assert (both is MET) == (parts == (MET, MET))
    assert (either is NOT_MET) == (parts == (NOT_MET, NOT_MET))


@given(rules, patients, st.data(), st.booleans())
@PROPERTY
def test_a_settled_result_stands_when_the_missing_values_are_filled_in(text, data, draw, wanted):
    # The worst error is a definite answer that more data would overturn: with any value left
    # out, a met or not met must be what the full patient gets too, for inclusions and exclusions.
    assume(data)
    left_out = draw.draw(st.sampled_from(sorted(data)))
    try:
        partial = read_patient({k: v for k, v in data.items() if k != left_out}, as_of=AS_OF)
    except PatientError:
        assume(False)
    full = read_patient(data, as_of=AS_OF)
    known = truth_of(text, partial, wanted)
    if known is not UNKNOWN:
        assert truth_of(text, full, wanted) is known


@given(st.lists(rules, min_size=1, max_size=4), patients)
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_screening_is_total_and_windows_lie_ahead(texts, data):
    patient = read_patient(data, as_of=AS_OF)
    result = screen_trial(trial(*(criterion(text) for text in texts)), patient)
    for item in result.criteria:
        assert item.outcome in Outcome
        if item.changes_on is not None:
            assert item.changes_on > AS_OF
    if result.eligible_from and result.window_closes:
        assert result.eligible_from < result.window_closes
