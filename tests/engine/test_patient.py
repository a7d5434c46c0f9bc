from datetime import date

import pytest

from screening.engine import (
    DAYS_PER_MONTH,
    DateRange,
    Interval,
    PatientError,
    measure,
    parse_text_value,
    read_patient,
    read_patient_lenient,
)
from tests.engine.support import AS_OF, patient

ITEMS = [4, 4, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4]  # total 41


def errors_of(data: dict, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(PatientError) as caught:
        read_patient(data, as_of=kwargs.get("as_of", AS_OF))
    return caught.value.errors


def test_an_empty_record_is_a_patient_with_nothing_known():
    assert patient().facts == {}


def test_entered_values_are_typed():
    p = patient(age=50, fvc_percent=72.5, pregnant=False, sex="female", gene_variants=["sod1"])
    assert p.facts["age"].value == Interval(50, 50)
    assert p.facts["fvc_percent"].value == Interval(72.5, 72.5)
    assert p.facts["pregnant"].value is False
    assert p.facts["sex"].value == "female"
    assert p.facts["gene_variants"].value == frozenset({"SOD1"})


def test_null_means_not_known():
    assert "fvc_percent" not in patient(fvc_percent=None).facts


def test_a_value_out_of_range_is_reported_in_plain_words():
    assert errors_of({"fvc_percent": 500}) == {
        "fvc_percent": [
            "fvc_percent: FVC must be a percent of predicted between 0 and 200; got 500"
        ]
    }


def test_every_problem_is_reported_at_once():
    errors = errors_of({"age": "fifty", "alsfrs_r": 49, "sex": "other", "bogus": 1})
    assert set(errors) == {"age", "alsfrs_r", "sex", "bogus"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"fcv_percent": 70}, "fcv_percent", "unknown field (did you mean fvc_percent?)"),
        ({"fvc_percent": "65"}, "fvc_percent", 'FVC must be a number; got "65"'),
        ({"fvc_percent": True}, "fvc_percent", "FVC must be a number; got true"),
        ({"age": 45.5}, "age", "Age must be a whole number; got 45.5"),
        (
            {"alsfrs_r": 49},
            "alsfrs_r",
            "ALSFRS-R total must be a whole number of points between 0 and 48; got 49",
        ),
        ({"niv_hours_per_day": 25}, "niv_hours_per_day", "between 0 and 24 hours/day; got 25"),
        ({"pregnant": "yes"}, "pregnant", 'Pregnant must be true or false; got "yes"'),
        ({"el_escorial": "likely"}, "el_escorial", "must be one of definite, probable"),
        ({"gene_variants": "SOD1"}, "gene_variants", "must be a list of gene names"),
        ({"gene_variants": ["two words"]}, "gene_variants", "'two words' is not a gene name"),
        ({"alsfrs_r_items": [4] * 11}, "alsfrs_r_items", "exactly 12 item scores; got 11 scores"),
        (
            {"alsfrs_r_items": [4, 4, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4]},
            "alsfrs_r_items",
            "item 3 (swallowing) must be a whole number from 0 to 4; got 5",
        ),
        ({"symptom_onset": "2025-13-01"}, "symptom_onset", "must be a real date; got 2025-13-01"),
        ({"symptom_onset": "2025-02-30"}, "symptom_onset", "must be a real date"),
        ({"symptom_onset": "March 2024"}, "symptom_onset", "written YYYY-MM-DD or YYYY-MM"),
        ({"symptom_onset": "0202-01-01"}, "symptom_onset", "between 1900 and 2100"),
        (
            {"diagnosis_date": "2026-01-01"},
            "diagnosis_date",
            "Diagnosis date must not be after the screening date 2025-11-22; got 2026-01-01",
        ),
        ({"birth_date": "2025-12"}, "birth_date", "must not be after the screening date"),
        ({"months_since_onset": 12}, "months_since_onset", "worked out from symptom_onset"),
    ],
)
def test_each_kind_of_bad_value_is_named(data, field, message):
    errors = errors_of(data)
    assert list(errors) == [field]
    assert errors[field][0].startswith(f"{field}: ")
    assert message in errors[field][0]


def test_a_total_that_disagrees_with_the_items_is_an_error_on_both():
    errors = errors_of({"alsfrs_r": 40, "alsfrs_r_items": ITEMS})
    assert errors["alsfrs_r"] == ["alsfrs_r: ALSFRS-R total 40 disagrees with the item scores (41)"]
    assert "add up to 41, not 40" in errors["alsfrs_r_items"][0]


def test_an_age_that_disagrees_with_the_birth_date_is_an_error():
    errors = errors_of({"age": 50, "birth_date": "1980-01-15"})
    assert errors["age"] == ["age: Age 50 years disagrees with birth date 1980-01-15"]
    assert "gives an age of 45 years on 2025-11-22, not 50" in errors["birth_date"][0]


def test_a_since_date_needs_the_drug_to_be_current():
    errors = errors_of({"riluzole": "past", "riluzole_since": "2025-01-01"})
    assert errors["riluzole_since"] == [
        "riluzole_since: only applies while riluzole use is current; it is past (stopped)"
    ]
    assert "riluzole" in errors
    assert "it is not given" in errors_of({"edaravone_since": "2025-01-01"})["edaravone_since"][0]


def test_a_diagnosis_before_onset_is_accepted():
    p = patient(symptom_onset="2024-05-01", diagnosis_date="2024-01-01")
    assert p.facts["months_since_diagnosis"].value.low > p.facts["months_since_onset"].value.low


def test_the_screening_date_can_come_with_the_data_and_the_argument_wins():
    assert read_patient({"as_of": "2025-01-31"}).as_of == date(2025, 1, 31)
    assert read_patient({"as_of": "2025-01-31"}, as_of=AS_OF).as_of == AS_OF
    with pytest.raises(PatientError, match="as_of: The screening date must be a full date"):
        read_patient({"as_of": "2025-01"})


def test_a_patient_must_be_an_object():
    with pytest.raises(PatientError, match="patient: a patient must be a JSON object"):
        read_patient([1, 2])  # type: ignore[arg-type]


def test_the_lenient_reader_keeps_every_valid_field_and_reports_the_rest():
    data = {"age": 50, "fvc_percent": 500, "sex": "female", "riluzole": "never"}
    p, errors = read_patient_lenient({**data, "riluzole_since": "2025-01-01"}, as_of=AS_OF)
    assert set(p.entered) == {"age", "sex"}
    assert set(errors) == {"fvc_percent", "riluzole", "riluzole_since"}


def test_the_total_and_every_item_subscore_come_from_the_items():
    facts = patient(alsfrs_r_items=ITEMS).facts
    assert facts["alsfrs_r"].value == Interval(41, 41)
    assert facts["alsfrs_r_swallowing"].value == Interval(3, 3)
    assert facts["alsfrs_r_lowest_item"].value == Interval(3, 3)
    assert facts["alsfrs_r_bulbar"].value == Interval(11, 11)
    assert facts["alsfrs_r_fine_motor"].value == Interval(9, 9)
    assert facts["alsfrs_r_gross_motor"].value == Interval(9, 9)
    assert facts["alsfrs_r_respiratory"].value == Interval(12, 12)


def test_months_since_an_exact_onset_use_thirty_point_four_three_seven_five_day_months():
    facts = patient(symptom_onset="2024-05-22").facts  # 549 days before AS_OF
    assert facts["months_since_onset"].value == Interval.point(549 / DAYS_PER_MONTH)


def test_an_onset_known_to_the_month_gives_a_range():
    fact = patient(symptom_onset="2024-05").facts["months_since_onset"]
    assert fact.value == Interval(540 / DAYS_PER_MONTH, 570 / DAYS_PER_MONTH)
    assert fact.note == "symptom onset known to the month"


def test_a_month_precise_date_in_the_screening_month_ends_at_the_screening_date():
    fact = patient(symptom_onset="2025-11").facts["months_since_onset"]
    assert fact.value == Interval(0, 21 / DAYS_PER_MONTH)


def test_the_progression_rate_is_points_lost_per_month_since_onset():
    facts = patient(alsfrs_r=36, symptom_onset="2024-11-22").facts  # 365 days
    rate = facts["alsfrs_r_progression_rate"].value
    assert rate.exact
    assert rate.low == pytest.approx(12 / (365 / DAYS_PER_MONTH))


def test_the_progression_rate_is_a_range_when_onset_is_known_to_the_month():
    rate = patient(alsfrs_r=36, symptom_onset="2024-11").facts["alsfrs_r_progression_rate"]
    assert rate.value.low < rate.value.high
    assert rate.imprecise == ("symptom_onset",)


def test_no_progression_rate_when_onset_may_be_in_the_screening_month():
    p = patient(alsfrs_r=40, symptom_onset="2025-11")
    assert "alsfrs_r_progression_rate" not in p.facts
    assert p.unavailable["alsfrs_r_progression_rate"]


def test_stable_days_count_from_the_since_date_while_the_drug_is_current():
    p = patient(riluzole="current", riluzole_since="2025-10-23")
    assert p.facts["riluzole_stable_days"].value == Interval(30, 30)


def test_stable_days_do_not_apply_to_a_drug_that_is_not_current():
    p = patient(edaravone="never")
    assert "edaravone_stable_days" not in p.facts
    assert p.unavailable["edaravone_stable_days"] == "edaravone use is none (never taken)"


def test_days_since_stopping_count_from_the_stop_date_when_use_is_past():
    p = patient(riluzole="past", riluzole_stopped="2025-10-23")
    fact = p.facts["riluzole_days_since_stopped"]
    assert fact.value == Interval(30, 30)
    assert fact.clock is not None  # grows with the screening date, like stable days
    assert p.at(date(2025, 12, 22)).facts["riluzole_days_since_stopped"].value == Interval(60, 60)


def test_a_stop_date_known_to_the_month_gives_a_range_of_days():
    fact = patient(edaravone="past", edaravone_stopped="2025-10").facts[
        "edaravone_days_since_stopped"
    ]
    assert fact.value == Interval(22, 52)
    assert fact.note == "edaravone stopped known to the month"


def test_days_since_stopping_do_not_apply_to_a_drug_that_is_not_past():
    p = patient(riluzole="current", riluzole_since="2025-10-23", edaravone="never")
    assert "riluzole_days_since_stopped" not in p.facts
    assert p.unavailable["riluzole_days_since_stopped"] == "riluzole use is current"
    assert p.unavailable["edaravone_days_since_stopped"] == "edaravone use is none (never taken)"
    assert "riluzole_days_since_stopped" not in patient(riluzole="past").facts


def test_a_stop_date_needs_the_drug_to_be_past():
    errors = errors_of({"riluzole": "current", "riluzole_stopped": "2025-01-01"})
    assert errors["riluzole_stopped"] == [
        "riluzole_stopped: only applies when riluzole use is past; it is current"
    ]
    assert errors["riluzole"] == [
        "riluzole: riluzole_stopped is given, so riluzole use should be past; got 'current'"
    ]
    assert (
        "it is not given" in errors_of({"edaravone_stopped": "2025-01-01"})["edaravone_stopped"][0]
    )
    assert (
        "must not be after the screening date"
        in errors_of({"riluzole": "past", "riluzole_stopped": "2025-12-01"})["riluzole_stopped"][0]
    )


def test_the_lenient_reader_drops_a_stop_date_that_contradicts_the_use():
    p, errors = read_patient_lenient(
        {"riluzole": "never", "riluzole_stopped": "2025-01-01", "fvc_percent": 70}, as_of=AS_OF
    )
    assert set(errors) == {"riluzole", "riluzole_stopped"}
    assert set(p.entered) == {"fvc_percent"}


def test_edaravone_cycles_are_entered_and_cannot_go_with_never_taken():
    assert patient(edaravone="current", edaravone_cycles=3).facts["edaravone_cycles"].value == (
        Interval(3, 3)
    )
    assert patient(edaravone="never", edaravone_cycles=0).facts["edaravone_cycles"].value == (
        Interval(0, 0)
    )
    assert patient(edaravone="never").facts["edaravone_cycles"].value == Interval(0, 0)
    errors = errors_of({"edaravone": "never", "edaravone_cycles": 2})
    assert errors["edaravone_cycles"] == [
        "edaravone_cycles: 2 cycles completed, but edaravone use is none (never taken)"
    ]
    assert "edaravone" in errors
    assert "between 0 and 100" in errors_of({"edaravone_cycles": 101})["edaravone_cycles"][0]


def test_the_edaravone_route_needs_edaravone_to_be_taken_or_to_have_been():
    assert patient(edaravone="past", edaravone_route="oral").facts["edaravone_route"].value == (
        "oral"
    )
    errors = errors_of({"edaravone": "never", "edaravone_route": "intravenous"})
    assert errors["edaravone_route"] == [
        "edaravone_route: only applies when edaravone use is current or past; "
        "it is none (never taken)"
    ]
    assert "edaravone" in errors
    assert "it is not given" in errors_of({"edaravone_route": "oral"})["edaravone_route"][0]
    assert (
        "must be one of intravenous, oral"
        in errors_of({"edaravone": "current", "edaravone_route": "iv"})["edaravone_route"][0]
    )


def test_no_niv_at_all_is_no_niv_while_awake():
    assert patient(niv=False).facts["niv_while_awake"].value is False
    assert "niv_while_awake" not in patient(niv=True).facts
    errors = errors_of({"niv": False, "niv_while_awake": True})
    assert set(errors) == {"niv", "niv_while_awake"}


def test_the_diagnostic_delay_comes_from_onset_and_diagnosis_dates():
    p = patient(symptom_onset="2024-01-01", diagnosis_date="2024-07-01")
    fact = p.facts["months_onset_to_diagnosis"]
    assert fact.value == Interval.point(182 / DAYS_PER_MONTH)
    assert fact.clock is None  # it does not grow with the screening date
    assert p.at(date(2026, 1, 1)).facts["months_onset_to_diagnosis"] == fact


def test_the_diagnostic_delay_is_a_range_when_a_date_is_known_to_the_month():
    fact = patient(symptom_onset="2024-01", diagnosis_date="2024-01-20").facts[
        "months_onset_to_diagnosis"
    ]
    assert fact.value == Interval(0, 19 / DAYS_PER_MONTH)
    assert fact.note == "symptom onset known to the month"


def test_no_diagnostic_delay_when_the_diagnosis_is_before_onset():
    p = patient(symptom_onset="2024-06-01", diagnosis_date="2024-01-01")
    assert "months_onset_to_diagnosis" not in p.facts
    assert (
        p.unavailable["months_onset_to_diagnosis"] == "the diagnosis date is before symptom onset"
    )


def test_age_comes_from_the_birth_date():
    assert patient(birth_date="1980-11-23").facts["age"].value == Interval(44, 44)
    assert patient(birth_date="1980-11-22").facts["age"].value == Interval(45, 45)
    assert patient(birth_date="1980-11").facts["age"].value == Interval(44, 45)


def test_a_patient_on_a_later_date_has_grown_older_but_keeps_what_was_measured():
    p = patient(birth_date="1980-11-23", alsfrs_r=36, symptom_onset="2024-11-22")
    later = p.at(date(2026, 11, 22))
    assert later.facts["age"].value == Interval(45, 45)
    assert later.facts["months_since_onset"].value.low == pytest.approx(730 / DAYS_PER_MONTH)
    assert later.facts["alsfrs_r_progression_rate"] == p.facts["alsfrs_r_progression_rate"]


def test_a_patient_cannot_be_screened_before_their_own_dates():
    with pytest.raises(ValueError, match="before symptom_onset"):
        patient(symptom_onset="2025-01-01").at(date(2024, 12, 31))


def test_to_json_gives_entered_and_derived_facts_with_ranges():
    p = patient(symptom_onset="2024-05", gene_variants=[], alsfrs_r_items=ITEMS, pregnant=False)
    data = p.to_json()
    assert data["as_of"] == "2025-11-22"
    assert data["entered"]["symptom_onset"] == "2024-05"
    assert data["entered"]["gene_variants"] == []
    assert data["entered"]["alsfrs_r_items"] == ITEMS
    assert data["derived"]["alsfrs_r"] == 41
    assert set(data["derived"]["months_since_onset"]) == {"min", "max"}


def test_to_json_round_trips_through_the_reader():
    p = patient(age=50, symptom_onset="2024-05", gene_variants=["SOD1"], fvc_percent=65.5)
    data = p.to_json()
    again = read_patient({**data["entered"], "as_of": data["as_of"]})
    assert again.facts == p.facts


def test_dates_keep_their_precision():
    assert patient(symptom_onset="2024-02").entered["symptom_onset"] == DateRange(
        date(2024, 2, 1), date(2024, 2, 29)
    )


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("fvc_percent", " 65 ", 65),
        ("fvc_percent", "65.5", 65.5),
        ("age", "50", 50),
        ("pregnant", "Yes", True),
        ("pregnant", "no", False),
        ("el_escorial", "Clinically probable", "probable"),
        ("el_escorial", "definite", "definite"),
        ("gene_variants", "SOD1, fus", ["SOD1", "fus"]),
        ("gene_variants", "none", []),
        ("symptom_onset", "2024-05", "2024-05"),
        ("alsfrs_r_items", "4 4 3 3 3 3 3 3 3 4 4 4", ITEMS),
        ("fvc_percent", "", None),
    ],
)
def test_form_text_becomes_the_value_the_reader_takes(name, text, value):
    assert parse_text_value(measure(name), text) == value


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("fvc_percent", "sixty", "FVC must be a number; got 'sixty'"),
        ("fvc_percent", "nan", "FVC must be a number"),
        ("age", "45.5", "Age must be a whole number; got '45.5'"),
        ("pregnant", "maybe", "Pregnant must be yes or no; got 'maybe'"),
        ("sex", "other", "Sex must be one of female, male; got 'other'"),
    ],
)
def test_form_text_that_cannot_be_read_says_why(name, text, message):
    with pytest.raises(ValueError, match=message):
        parse_text_value(measure(name), text)


def test_a_man_is_known_not_to_be_pregnant_or_breastfeeding():
    from screening.engine import Kind, compile_rule, evaluate_criterion
    from screening.engine.evaluator import CriterionSpec

    patient = read_patient({"sex": "male"}, as_of=date(2026, 1, 1))
    criterion = CriterionSpec(
        1, Kind.EXCLUSION, "Pregnancy", compile_rule("pregnant or breastfeeding")
    )
    assert evaluate_criterion(criterion, patient).outcome == "pass"
    assert patient.to_json()["derived"]["pregnant"] is False
    woman = read_patient({"sex": "female"}, as_of=date(2026, 1, 1))
    assert evaluate_criterion(criterion, woman).outcome == "unknown"
