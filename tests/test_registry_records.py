from decimal import Decimal

import pytest

from tests.factories import study_json
from trials.registry import RecordError, parse_age, read_study


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("18 Years", Decimal("18")),
        ("20 Years", Decimal("20")),
        ("1 Year", Decimal("1")),
        ("6 Months", Decimal("0.5")),
        ("18 months", Decimal("1.5")),
        ("52 Weeks", Decimal("0.9966")),
        ("365 Days", Decimal("0.9993")),
    ],
)
def test_registry_ages_become_years(text, years):
    assert parse_age(text) == years


@pytest.mark.parametrize("text", [None, "", "N/A", "n/a"])
def test_an_absent_or_na_age_is_no_limit(text):
    assert parse_age(text) is None


@pytest.mark.parametrize("text", ["abc Years", "18", "18 Decades", "-3 Years", "Years"])
def test_a_malformed_age_is_a_record_error(text):
    with pytest.raises(RecordError, match="age"):
        parse_age(text)


def test_a_study_becomes_trial_fields():
    record = read_study(study_json())
    assert record.nct_id == "NCT01234567"
    assert record.fields["phase"] == "PHASE2_PHASE3"
    assert record.fields["minimum_age_years"] == Decimal(18)
    assert record.fields["maximum_age"] == "80 Years"
    assert record.fields["enrollment"] == 120
    assert record.fields["overall_status"] == "RECRUITING"
    assert record.fields["healthy_volunteers"] is False
    assert record.fields["interventions"] == [{"type": "DRUG", "name": "Drug X"}]
    assert record.eligibility_text.startswith("Inclusion Criteria:")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s["protocolSection"]["identificationModule"].pop("nctId"), "nctId is missing"),
        (
            lambda s: s["protocolSection"]["identificationModule"].update(nctId="NCT123"),
            "'NCT' followed by 8 digits",
        ),
        (
            lambda s: s["protocolSection"]["eligibilityModule"].update(minimumAge="abc Years"),
            "age 'abc Years'",
        ),
        (
            lambda s: s["protocolSection"]["designModule"].update(phases="PHASE2"),
            "phases must be list",
        ),
        (
            lambda s: s["protocolSection"]["designModule"]["enrollmentInfo"].update(count="many"),
            "count must be int",
        ),
        (
            lambda s: s["protocolSection"]["statusModule"].update(overallStatus="OPEN"),
            "overallStatus 'OPEN'",
        ),
        (
            lambda s: s["protocolSection"]["eligibilityModule"].update(eligibilityCriteria=5),
            "eligibilityCriteria must be str",
        ),
        (lambda s: s.pop("protocolSection"), "protocolSection is missing"),
    ],
)
def test_each_kind_of_bad_record_names_the_field(mutate, message):
    study = study_json()
    mutate(study)
    with pytest.raises(RecordError, match=message):
        read_study(study)


def test_a_study_that_is_not_an_object_is_a_record_error():
    with pytest.raises(RecordError, match="JSON object"):
        read_study(["NCT01234567"])


def test_a_truncated_development_record_is_marked_incomplete():
    study = study_json()
    study["_source"] = {"truncated": True, "url": "https://example.org/x"}
    assert read_study(study).fields["criteria_incomplete"] is True


def test_a_minimum_age_above_the_maximum_is_a_record_error():
    with pytest.raises(RecordError, match="minimumAge '65 Years' is above maximumAge '18 Years'"):
        read_study(study_json(minimumAge="65 Years", maximumAge="18 Years"))


def test_a_minimum_age_in_other_units_is_compared_in_years():
    with pytest.raises(RecordError, match="is above maximumAge"):
        read_study(study_json(minimumAge="30 Months", maximumAge="2 Years"))
    record = read_study(study_json(minimumAge="24 Months", maximumAge="2 Years"))
    assert record.fields["minimum_age_years"] == record.fields["maximum_age_years"] == 2


@pytest.mark.parametrize(
    ("phases", "phase"),
    [
        (["PHASE3", "PHASE2"], "PHASE2_PHASE3"),
        (["PHASE2", "PHASE1"], "PHASE1_PHASE2"),
        (["PHASE2", "PHASE2"], "PHASE2"),
        (["EARLY_PHASE1"], "EARLY_PHASE1"),
        (["NA"], "NA"),
        ([], ""),
        # Valid phases Phase cannot name as one value: the record imports, the phase unnamed.
        (["PHASE1", "PHASE3"], ""),
        (["PHASE1", "PHASE2", "PHASE3"], ""),
    ],
)
def test_any_list_of_registry_phases_is_accepted(phases, phase):
    study = study_json()
    study["protocolSection"]["designModule"]["phases"] = phases
    assert read_study(study).fields["phase"] == phase


def test_a_phase_the_registry_does_not_have_is_a_record_error():
    study = study_json()
    study["protocolSection"]["designModule"]["phases"] = ["PHASE2", "PHASE9"]
    with pytest.raises(RecordError, match=r"phases \['PHASE9'\] are not registry phases"):
        read_study(study)
