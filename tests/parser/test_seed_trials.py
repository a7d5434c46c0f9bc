"""The two source trials come out exactly as they were checked by hand."""

import pytest

from screening.engine.criteria_parser import ParsedCriterion, parse_criterion

NCT03828123 = [
    (
        "inclusion",
        "established diagnosis of definite ALS according to El Escorial criteria",
        "el_escorial in {definite}",
    ),
    (
        "inclusion",
        "riluzole naive or stable dose for at least 2 months,",
        "riluzole == never or riluzole_stable_days >= 60",
    ),
    ("inclusion", "life expectancy more than 2 years", None),
    ("inclusion", "patients able to provide written informed consent.", None),
    ("exclusion", "FVC less than 70%", "fvc_percent < 70"),
    (
        "exclusion",
        "in case of primary bulbar paralysis less than 15 points on Norris bulbar scale,",
        "if onset_region == bulbar then norris_bulbar < 15",
    ),
    ("exclusion", "less than 15 points on Norris spinal scale,", "norris_limb < 15"),
    ("exclusion", "pregnancy, breastfeeding", "pregnant or breastfeeding"),
    ("exclusion", "coagulopathy,", None),
    (
        "exclusion",
        "skin infection at the site of bone marrow aspiration or application of the cell product,",
        None,
    ),
    ("exclusion", "gastrostomy,", "gastrostomy"),
    (
        "exclusion",
        "any significant medical condition that would compromise the safety of the "
        "patient (e.g. recent myocardial infarction, congestive heart failure, renal failure, "
        "liver failure, cancer, systemic infection, recurrent thromboembolic disease .....),",
        None,
    ),
    ("exclusion", "alcohol or drug abuse", None),
    ("exclusion", "cancer.", None),
    (
        "exclusion",
        "women of childbearing potential not using effective contraception (established "
        "oral contraception, intrauterine device, ligation of the uterine tube) including proven "
        "contraceptive measures taken by their sexual partners",
        None,
    ),
    (
        "exclusion",
        "fertile men not using proven contraceptive measures including effective "
        "contraception of their partner (established oral contraception, intrauterine device, "
        "ligation of the uterine tube)",
        None,
    ),
]
NCT02492516 = [
    ("inclusion", "Both gender", "sex in {female, male}"),
    ("inclusion", "Age: 18-55", "age between 18 and 55"),
    ("inclusion", "Sporadic form of disease", "not familial"),
    ("inclusion", "ALS-FRS\\> = 24", None),  # as escaped in the registry JSON
    ("inclusion", "ALS-FRS> = 24", None),  # as the splitter hands it over
    ("inclusion", "FVC \\>= 40%", "fvc_percent >= 40"),
    ("inclusion", "FVC >= 40%", "fvc_percent >= 40"),
    ("exclusion", "Familial form of ALS", "familial"),
    ("exclusion", "Malignancy", None),
    ("exclusion", "Autoimmune disease", None),
    ("exclusion", "Diagnosis of other motor neuron diseases", None),
]


@pytest.mark.parametrize(("kind", "text", "rule"), NCT03828123 + NCT02492516)
def test_a_seed_criterion_gets_its_hand_checked_rule(
    kind: str, text: str, rule: str | None
) -> None:
    parsed = parse_criterion(text, kind)

    assert parsed.rule == rule
    assert parsed.note or rule is not None  # an item left for review always says why


def test_months_read_as_days_are_noted() -> None:
    assert parse_criterion("riluzole naive or stable dose for at least 2 months,", "inclusion") == (
        ParsedCriterion(
            "riluzole == never or riluzole_stable_days >= 60", "2 months read as 60 days."
        )
    )


def test_a_fully_structured_seed_criterion_has_no_note() -> None:
    assert parse_criterion("FVC less than 70%", "exclusion").note == ""
    assert parse_criterion("pregnancy, breastfeeding", "exclusion").note == ""


def test_the_unclear_als_frs_scale_is_said_in_the_note() -> None:
    note = parse_criterion("ALS-FRS> = 24", "inclusion").note

    assert "ALSFRS" in note
    assert "curator" in note
