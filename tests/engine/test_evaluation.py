import itertools

import pytest

from screening.engine import Truth, compile_rule
from screening.engine.logic import conjunction, disjunction, negation
from tests.engine.support import patient

MET, NOT_MET, UNKNOWN, NA = Truth.MET, Truth.NOT_MET, Truth.UNKNOWN, Truth.NOT_APPLICABLE
# A yes/no value for `pregnant` giving each truth: True -> met, False -> not met, None -> unknown.
VALUE_FOR = {MET: True, NOT_MET: False, UNKNOWN: None}


def truth(rule: str, **data: object) -> Truth:
    return compile_rule(rule).evaluate(patient(**data)).truth


def explain(rule: str, **data: object) -> str:
    return compile_rule(rule).evaluate(patient(**data)).explanation


AND_TABLE = {
    (MET, MET): MET, (MET, NOT_MET): NOT_MET, (MET, UNKNOWN): UNKNOWN,
    (NOT_MET, MET): NOT_MET, (NOT_MET, NOT_MET): NOT_MET, (NOT_MET, UNKNOWN): NOT_MET,
    (UNKNOWN, MET): UNKNOWN, (UNKNOWN, NOT_MET): NOT_MET, (UNKNOWN, UNKNOWN): UNKNOWN,
}  # fmt: skip
OR_TABLE = {
    (MET, MET): MET, (MET, NOT_MET): MET, (MET, UNKNOWN): MET,
    (NOT_MET, MET): MET, (NOT_MET, NOT_MET): NOT_MET, (NOT_MET, UNKNOWN): UNKNOWN,
    (UNKNOWN, MET): MET, (UNKNOWN, NOT_MET): UNKNOWN, (UNKNOWN, UNKNOWN): UNKNOWN,
}  # fmt: skip


def test_false_and_unknown_is_false():
    assert truth("pregnant and breastfeeding", pregnant=False) is NOT_MET


def test_true_or_unknown_is_true():
    assert truth("pregnant or breastfeeding", pregnant=True) is MET


@pytest.mark.parametrize(("a", "b"), list(AND_TABLE))
def test_and_follows_kleene_logic(a, b):
    assert conjunction([a, b]) is AND_TABLE[a, b]
    data = {"pregnant": VALUE_FOR[a], "breastfeeding": VALUE_FOR[b]}
    assert truth("pregnant and breastfeeding", **data) is AND_TABLE[a, b]


@pytest.mark.parametrize(("a", "b"), list(OR_TABLE))
def test_or_follows_kleene_logic(a, b):
    assert disjunction([a, b]) is OR_TABLE[a, b]
    data = {"pregnant": VALUE_FOR[a], "breastfeeding": VALUE_FOR[b]}
    assert truth("pregnant or breastfeeding", **data) is OR_TABLE[a, b]


@pytest.mark.parametrize(("a", "expected"), [(MET, NOT_MET), (NOT_MET, MET), (UNKNOWN, UNKNOWN)])
def test_not_swaps_met_and_not_met_and_keeps_unknown(a, expected):
    assert negation(a) is expected
    assert truth("not pregnant", pregnant=VALUE_FOR[a]) is expected


def test_not_applicable_counts_as_met_inside_and_or_not():
    assert conjunction([NA, MET]) is MET
    assert disjunction([NA, NOT_MET]) is MET
    assert negation(NA) is NOT_MET


@pytest.mark.parametrize(
    ("onset", "norris", "expected"),
    [
        ("limb", 10, NA),
        ("limb", None, NA),
        ("bulbar", 15, MET),
        ("bulbar", 14, NOT_MET),
        ("bulbar", None, UNKNOWN),
        (None, 15, MET),
        (None, 14, UNKNOWN),
        (None, None, UNKNOWN),
    ],
)
def test_a_condition_applies_only_when_its_if_part_holds(onset, norris, expected):
    rule = "if onset_region == bulbar then norris_bulbar >= 15"
    assert truth(rule, onset_region=onset, norris_bulbar=norris) is expected


def test_a_condition_that_does_not_apply_is_vacuously_met_inside_a_junction():
    rule = "(if onset_region == bulbar then norris_bulbar >= 15) and fvc_percent >= 50"
    assert truth(rule, onset_region="limb", fvc_percent=60) is MET


def exclusion_truth(rule: str, **data: object) -> Truth:
    return compile_rule(rule).evaluate(patient(**data), wanted=False).truth


@pytest.mark.parametrize(
    ("onset", "norris", "expected"),
    [
        ("limb", 10, NA),
        ("bulbar", 10, MET),
        ("bulbar", 20, NOT_MET),
        # Onset unknown: a low score excludes only if the onset was bulbar, so it is unknown...
        (None, 10, UNKNOWN),
        # ...and a score that would not exclude a bulbar patient excludes nobody.
        (None, 20, NOT_MET),
        (None, None, UNKNOWN),
    ],
)
def test_an_exclusion_with_an_unknown_condition_never_excludes_on_a_guess(onset, norris, expected):
    rule = "if onset_region == bulbar then norris_bulbar < 15"
    assert exclusion_truth(rule, onset_region=onset, norris_bulbar=norris) is expected


def test_a_condition_that_does_not_apply_counts_as_not_excluding_inside_an_exclusion():
    rule = "pregnant or (if onset_region == bulbar then norris_bulbar < 15)"
    assert exclusion_truth(rule, pregnant=False, onset_region="limb") is NOT_MET
    assert exclusion_truth(rule, pregnant=False, onset_region="bulbar", norris_bulbar=10) is MET


def test_a_condition_that_does_not_apply_under_not_does_not_fail_an_inclusion():
    rule = "not (if onset_region == bulbar then norris_bulbar < 15)"
    assert truth(rule, onset_region="limb") is MET
    assert truth(rule, onset_region="bulbar", norris_bulbar=10) is NOT_MET


def test_a_condition_that_does_not_apply_says_so():
    rule = "if onset_region == bulbar then norris_bulbar >= 15"
    assert explain(rule, onset_region="limb") == "Does not apply: onset region is limb, not bulbar"


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("definite", MET),
        ("probable", MET),
        ("probable_laboratory_supported", UNKNOWN),
        ("possible", NOT_MET),
        ("suspected", NOT_MET),
        (None, UNKNOWN),
    ],
)
def test_a_category_the_trial_leaves_open_is_unknown(category, expected):
    rule = "el_escorial in {definite, probable, probable_laboratory_supported?}"
    assert truth(rule, el_escorial=category) is expected
    assert truth(f"not ({rule})", el_escorial=category) is negation(expected)


def test_an_open_category_asks_to_confirm_with_the_site():
    rule = "el_escorial in {definite, probable, probable_laboratory_supported?}"
    assert explain(rule, el_escorial="probable_laboratory_supported") == (
        "El Escorial category is clinically probable – laboratory-supported; the trial does not "
        "say whether that qualifies; confirm with the site"
    )


@pytest.mark.parametrize(
    ("genes", "expected"),
    [
        (["SOD1"], MET),
        (["C9orf72", "SOD1"], MET),
        (["FUS"], NOT_MET),
        ([], NOT_MET),
        (None, UNKNOWN),
    ],
)
def test_set_membership_tells_tested_negative_from_not_tested(genes, expected):
    assert truth('"SOD1" in gene_variants', gene_variants=genes) is expected
    assert truth('"SOD1" not in gene_variants', gene_variants=genes) is negation(expected)


def test_set_membership_explains_what_was_found():
    assert explain('"SOD1" in gene_variants', gene_variants=["sod1"]) == (
        "Pathogenic gene variants include SOD1"
    )
    assert explain('"SOD1" in gene_variants', gene_variants=[]) == (
        "Pathogenic gene variants do not include SOD1 (none found)"
    )
    assert explain('"SOD1" in gene_variants') == (
        "Pathogenic gene variants not given; needed for: pathogenic gene variants include SOD1"
    )


@pytest.mark.parametrize(
    ("fvc", "at_least", "above"),
    [(69, NOT_MET, NOT_MET), (69.9, NOT_MET, NOT_MET), (70, MET, NOT_MET), (70.1, MET, MET)],
)
def test_fvc_boundaries(fvc, at_least, above):
    assert truth("fvc_percent >= 70", fvc_percent=fvc) is at_least
    assert truth("fvc_percent > 70", fvc_percent=fvc) is above


@pytest.mark.parametrize(
    ("value", "op", "expected"),
    [
        (60, "<", NOT_MET), (60, "<=", MET), (60, "==", MET), (60, "!=", NOT_MET),
        (59, "<", MET), (61, "<=", NOT_MET), (61, "==", NOT_MET), (61, "!=", MET),
    ],
)  # fmt: skip
def test_every_operator_compares_exact_values(value, op, expected):
    assert truth(f"svc_percent {op} 60", svc_percent=value) is expected


@pytest.mark.parametrize(
    ("age", "expected"), [(17, NOT_MET), (18, MET), (65, MET), (66, NOT_MET), (None, UNKNOWN)]
)
def test_between_includes_both_ends(age, expected):
    assert truth("age between 18 and 65", age=age) is expected


# Onset in May 2024, screened 2025-11-22: between 17.7 and 18.7 months since onset.
@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("months_since_onset <= 18", UNKNOWN),
        ("months_since_onset >= 18", UNKNOWN),
        ("months_since_onset == 18", UNKNOWN),
        ("months_since_onset != 18", UNKNOWN),
        ("months_since_onset <= 24", MET),
        ("months_since_onset < 17", NOT_MET),
        ("months_since_onset between 12 and 24", MET),
        ("months_since_onset between 18 and 24", UNKNOWN),
        ("months_since_onset != 12", MET),
    ],
)
def test_a_range_across_a_threshold_is_unknown(rule, expected):
    assert truth(rule, symptom_onset="2024-05") is expected


def test_a_range_across_a_threshold_explains_why_and_what_would_settle_it():
    result = compile_rule("months_since_onset <= 18").evaluate(patient(symptom_onset="2024-05"))
    assert result.explanation == (
        "Between 17.7 and 18.7 months since symptom onset (symptom onset known to the month); "
        "cannot tell against the 18-month limit"
    )
    assert result.missing == ("symptom_onset",)


RILUZOLE_RULE = "riluzole != current or riluzole_stable_days >= 60"
BOTH = "fvc_percent >= 70 and svc_percent >= 70"


@pytest.mark.parametrize(
    ("rule", "data", "explanation"),
    [
        (
            "fvc_percent >= 70",
            {"fvc_percent": 65},
            "FVC 65% of predicted is below the required 70%",
        ),
        ("fvc_percent >= 70", {"fvc_percent": 72}, "FVC 72% of predicted meets the minimum of 70%"),
        (
            "svc_percent > 60",
            {"svc_percent": 60},
            "SVC 60% of predicted is not above the minimum of 60%",
        ),
        (
            "alsfrs_r >= 24",
            {},
            "ALSFRS-R total not given; needed for: ALSFRS-R total at least 24 points",
        ),
        (
            "months_since_onset <= 24",
            {"symptom_onset": "2024-07-10"},
            "16.4 months since symptom onset, within the 24-month limit",
        ),
        (
            "months_since_onset <= 12",
            {"symptom_onset": "2024-07-10"},
            "16.4 months since symptom onset, beyond the 12-month limit",
        ),
        (
            "months_since_onset <= 24",
            {},
            "Months since symptom onset unknown (symptom onset not given); needed for: at most 24 "
            "months since symptom onset",
        ),
        ("age between 18 and 65", {"age": 70}, "Age 70 years, outside the required 18 to 65 years"),
        ("gastrostomy", {"gastrostomy": True}, "Has a gastrostomy"),
        ("gastrostomy", {"gastrostomy": False}, "No gastrostomy"),
        ("onset_region == bulbar", {"onset_region": "limb"}, "Onset region is limb, not bulbar"),
        (RILUZOLE_RULE, {"riluzole": "never"}, "Riluzole use is none (never taken), not current"),
        (
            RILUZOLE_RULE,
            {"riluzole": "current", "riluzole_since": "2025-10-23"},
            "Riluzole use is current; 30 days on a stable riluzole dose is below the required 60 "
            "days",
        ),
        (
            RILUZOLE_RULE,
            {"riluzole": "current"},
            "Riluzole use is current; days on a stable riluzole dose unknown (start of the stable "
            "riluzole dose not given); needed for: at least 60 days on a stable riluzole dose",
        ),
        (
            "riluzole_stable_days >= 30",
            {"riluzole": "past"},
            "Days on a stable riluzole dose cannot be worked out, as riluzole use is past "
            "(stopped); needed for: at least 30 days on a stable riluzole dose",
        ),
        (
            "alsfrs_r_progression_rate > 0.3",
            {"alsfrs_r": 40, "symptom_onset": "2024-11-22"},
            "ALSFRS-R progression rate 0.67 points/month is above the minimum of 0.3 points/month",
        ),
        (
            BOTH,
            {"fvc_percent": 65, "svc_percent": 60},
            "FVC 65% of predicted is below the required 70%; SVC 60% of predicted is below the "
            "required 70%",
        ),
        (
            BOTH,
            {"fvc_percent": 75, "svc_percent": 60},
            "SVC 60% of predicted is below the required 70%",
        ),
        (
            BOTH.replace("and", "or"),
            {"fvc_percent": 75, "svc_percent": 60},
            "FVC 75% of predicted meets the minimum of 70%",
        ),
    ],
)
def test_explanations_give_the_value_the_threshold_and_the_units(rule, data, explanation):
    assert explain(rule, **data) == explanation


def test_a_value_just_past_a_threshold_is_not_rounded_onto_it():
    # 731 days = 24.016 months: "24.0 months, beyond the 24-month limit" would be a puzzle.
    text = explain("months_since_onset <= 24", symptom_onset="2023-11-22")
    assert text == "24.02 months since symptom onset, beyond the 24-month limit"


def test_a_rule_that_excludes_is_worded_neutrally():
    rule = compile_rule("niv_hours_per_day >= 23")
    result = rule.evaluate(patient(niv_hours_per_day=10), wanted=False)
    assert result.explanation == "NIV use 10 hours/day, below 23 hours/day"


def test_an_unknown_part_of_a_compound_rule_names_what_would_settle_it():
    rule = compile_rule("fvc_percent >= 70 and (alsfrs_r >= 30 or months_since_onset <= 24)")
    result = rule.evaluate(patient(fvc_percent=80))
    assert result.truth is UNKNOWN
    assert result.missing == ("alsfrs_r", "symptom_onset")


def test_missing_is_empty_once_the_result_is_settled():
    rule = compile_rule("fvc_percent >= 70 and alsfrs_r >= 30")
    assert rule.evaluate(patient(fvc_percent=60)).missing == ()


@pytest.mark.parametrize(("a", "b"), list(itertools.product(VALUE_FOR.values(), repeat=2)))
def test_de_morgan_holds_on_real_rules(a, b):
    data = {"pregnant": a, "breastfeeding": b}
    assert truth("not (pregnant and breastfeeding)", **data) is truth(
        "not pregnant or not breastfeeding", **data
    )


# "Have not taken riluzole for at least 30 days", as the parser writes it.
NOT_TAKEN = "riluzole == never or riluzole == past and riluzole_days_since_stopped >= 30"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"riluzole": "never"}, MET),
        ({"riluzole": "past", "riluzole_stopped": "2025-10-01"}, MET),
        ({"riluzole": "past", "riluzole_stopped": "2025-11-12"}, NOT_MET),
        ({"riluzole": "past"}, UNKNOWN),  # no stop date
        ({"riluzole": "current", "riluzole_since": "2024-01-01"}, NOT_MET),
        ({}, UNKNOWN),
    ],
)
def test_not_taken_for_a_while_is_settled_for_every_kind_of_use(data, expected):
    assert truth(NOT_TAKEN, **data) is expected


def test_days_since_stopping_read_like_stable_days():
    assert explain(
        "riluzole_days_since_stopped >= 30", riluzole="past", riluzole_stopped="2025-11-12"
    ) == ("10 days since stopping riluzole is below the required 30 days")
    assert explain("riluzole_days_since_stopped >= 30", riluzole="current") == (
        "Days since stopping riluzole cannot be worked out, as riluzole use is current; "
        "needed for: at least 30 days since stopping riluzole"
    )


@pytest.mark.parametrize(
    ("rule", "data", "expected"),
    [
        ("edaravone != current or edaravone_cycles >= 2", {"edaravone": "never"}, MET),
        (
            "edaravone != current or edaravone_cycles >= 2",
            {"edaravone": "current", "edaravone_cycles": 1},
            NOT_MET,
        ),
        (
            "edaravone == current and edaravone_route == intravenous",
            {"edaravone": "current", "edaravone_route": "oral"},
            NOT_MET,
        ),
        ("niv_while_awake", {"niv": False}, NOT_MET),
        ("niv_while_awake", {"niv": True}, UNKNOWN),
        (
            "months_onset_to_diagnosis < 18",
            {"symptom_onset": "2023-01-01", "diagnosis_date": "2024-01-01"},
            MET,
        ),
        ("months_onset_to_diagnosis < 18", {"symptom_onset": "2023-01-01"}, UNKNOWN),
    ],
)
def test_the_added_measures_in_rules(rule, data, expected):
    assert truth(rule, **data) is expected
