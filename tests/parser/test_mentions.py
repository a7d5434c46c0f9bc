"""Which measures an item talks about, for the coverage report."""

import pytest

from screening.engine.criteria_parser import mentioned_measures
from screening.engine.vocabulary import MEASURES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FVC less than 70%", {"fvc_percent"}),
        ("Slow vital capacity (SVC) ≥ 60%", {"svc_percent"}),
        ("Vital capacity (VC) ≥ 60% predicted", {"fvc_percent", "svc_percent"}),
        ("ALSFRS-R ≥ 25 at the screening Visit.", {"alsfrs_r"}),
        ("ALS-FRS> = 24", {"alsfrs_r"}),
        ("Diagnosis of definite ALS according to El Escorial criteria", {"el_escorial"}),
        ("Symptom onset within 5 years", {"months_since_onset"}),
        (
            "ALS disease duration from diagnosis no longer than 24 months",
            {"months_since_onset", "months_since_diagnosis"},
        ),
        ("riluzole naive or stable dose for at least 2 months,", {"riluzole"}),
        ("Use of RADICAVA (edaravone injection) within 30 days", {"edaravone"}),
        ("Patient who underwent tracheostomy and/or gastrostomy", {"tracheostomy", "gastrostomy"}),
        ("Use of non-invasive ventilation (BIPAP)", {"niv"}),
        ("pregnancy, breastfeeding", {"pregnant", "breastfeeding"}),
        ("Ages 18-80", {"age"}),
        ("Both gender", {"sex"}),
        ("Familial form of ALS", {"familial"}),
        ("Proven SOD1- or FUS - mutation", {"gene_variants"}),
        ("Participants with bulbar-onset ALS", {"onset_region"}),
        ("less than 15 points on Norris spinal scale,", {"norris_bulbar", "norris_limb"}),
        ("Patients with a weight > 50 kg and a BMI ≥18", {"weight_kg", "bmi"}),
        ("Use of NIV while awake", {"niv", "niv_while_awake"}),
        (
            "Time between first symptoms and diagnosis less than 18 months",
            {"months_onset_to_diagnosis", "months_since_onset", "months_since_diagnosis"},
        ),
    ],
)
def test_an_item_names_its_measures(text: str, expected: set[str]) -> None:
    assert mentioned_measures(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Familial or sporadic ALS",  # not a restriction
        "Women must not be planning to become pregnant",  # contraception, not pregnancy
        "Women of child bearing age will need to be on birth control",  # not an age limit
        "Hypersensitivity to masitinib excipients or riluzole",  # an allergy, not riluzole use
        "FEV1/FVC ratio < 0.7",  # a ratio, not FVC % predicted
        "Diagnosis of ALS according to the Gold Coast Criteria",  # not El Escorial
        "Signed informed consent",
        "",
    ],
)
def test_an_item_that_only_names_a_word_mentions_no_measure(text: str) -> None:
    assert mentioned_measures(text) == frozenset()


def test_mentions_are_names_from_the_vocabulary() -> None:
    text = (
        "FVC ≥ 65%, ALSFRS-R ≥ 30, riluzole, edaravone, PEG, tracheostomy, BiPAP, pregnant, "
        "nursing, aged 18-80, male or female, familial, SOD1 mutation, bulbar onset, Norris, "
        "weight > 50 kg, BMI ≥ 18, El Escorial definite, onset within 24 months"
    )
    assert mentioned_measures(text) <= set(MEASURES)


def test_mentions_never_raise_on_odd_input() -> None:
    assert mentioned_measures(None) == frozenset()  # type: ignore[arg-type]
    assert mentioned_measures("FVC " * 10_000) == {"fvc_percent"}
