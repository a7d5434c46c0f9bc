from datetime import date

import pytest

from screening.engine import (
    CriterionSpec,
    Kind,
    Outcome,
    Verdict,
    compile_rule,
    evaluate_criterion,
    registry_criteria,
    result_to_json,
    screen,
    screen_trial,
)
from tests.engine.support import criterion, patient, trial

INCLUSION, EXCLUSION, UNCLASSIFIED = Kind.INCLUSION, Kind.EXCLUSION, Kind.UNCLASSIFIED
BULBAR_RULE = "if onset_region == bulbar then norris_bulbar >= 15"


def outcome(rule: str | None, kind: Kind, **data: object) -> Outcome:
    return evaluate_criterion(criterion(rule, kind), patient(**data)).outcome


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        (INCLUSION, {"gastrostomy": True}, Outcome.PASS),
        (INCLUSION, {"gastrostomy": False}, Outcome.FAIL),
        (INCLUSION, {}, Outcome.UNKNOWN),
        (EXCLUSION, {"gastrostomy": True}, Outcome.FAIL),
        (EXCLUSION, {"gastrostomy": False}, Outcome.PASS),
        (EXCLUSION, {}, Outcome.UNKNOWN),
        (UNCLASSIFIED, {"gastrostomy": True}, Outcome.NEEDS_REVIEW),
        (UNCLASSIFIED, {"gastrostomy": False}, Outcome.NEEDS_REVIEW),
    ],
)
def test_the_outcome_follows_the_kind(kind, data, expected):
    assert outcome("gastrostomy", kind, **data) is expected


@pytest.mark.parametrize("kind", [INCLUSION, EXCLUSION])
def test_a_condition_that_does_not_apply_is_not_applicable_for_either_kind(kind):
    assert outcome(BULBAR_RULE, kind, onset_region="limb") is Outcome.NOT_APPLICABLE


def test_a_criterion_without_a_rule_needs_review():
    spec = CriterionSpec(key=1, kind=INCLUSION, text="Able to swallow pills", rule=None)
    result = evaluate_criterion(spec, patient())
    assert result.outcome is Outcome.NEEDS_REVIEW
    assert result.explanation == "Needs clinician review: Able to swallow pills"


def test_a_rule_that_covers_only_part_of_its_criterion_needs_review_but_shows_its_finding():
    spec = CriterionSpec(
        key=1,
        kind=INCLUSION,
        text="FVC at least 70% by the GLI equation",
        rule=compile_rule("fvc_percent >= 70"),
        note="The equation is not checked.",
    )
    result = evaluate_criterion(spec, patient(fvc_percent=60))
    assert result.outcome is Outcome.NEEDS_REVIEW
    assert result.explanation == (
        "FVC 60% of predicted is below the required 70%. "
        "Needs clinician review: The equation is not checked."
    )


def test_an_exclusion_explains_from_the_patients_point_of_view():
    excluded = evaluate_criterion(criterion("gastrostomy", EXCLUSION), patient(gastrostomy=True))
    kept = evaluate_criterion(criterion("gastrostomy", EXCLUSION), patient(gastrostomy=False))
    assert excluded.explanation == "Has a gastrostomy: excluded"
    assert kept.explanation == "No gastrostomy"
    low = evaluate_criterion(criterion("fvc_percent < 60", EXCLUSION), patient(fvc_percent=55))
    assert low.explanation == "FVC 55% of predicted, below 60%: excluded"


def test_an_unknown_criterion_names_what_would_settle_it():
    result = evaluate_criterion(criterion("alsfrs_r >= 24"), patient())
    assert result.missing == ("alsfrs_r",)
    assert result.explanation == (
        "ALSFRS-R total not given; needed for: ALSFRS-R total at least 24 points"
    )


def verdict(*outcomes: tuple[str | None, Kind], **data: object) -> Verdict:
    return screen_trial(trial(*(criterion(r, k) for r, k in outcomes)), patient(**data)).verdict


def test_one_failed_criterion_makes_a_trial_ineligible():
    rules = [("fvc_percent >= 70", INCLUSION), ("alsfrs_r >= 24", INCLUSION), (None, INCLUSION)]
    assert verdict(*rules, fvc_percent=60) is Verdict.INELIGIBLE


def test_a_trial_is_eligible_when_every_criterion_has_a_rule_that_passes_or_does_not_apply():
    rules = [("fvc_percent >= 70", INCLUSION), (BULBAR_RULE, INCLUSION), ("pregnant", EXCLUSION)]
    data = {"fvc_percent": 80, "onset_region": "limb", "pregnant": False}
    assert verdict(*rules, **data) is Verdict.ELIGIBLE


@pytest.mark.parametrize(
    "extra",
    [("alsfrs_r >= 24", INCLUSION), (None, INCLUSION), ("pregnant", UNCLASSIFIED)],
    ids=["unknown", "no rule", "unclassified"],
)
def test_anything_unsettled_makes_a_trial_only_possibly_eligible(extra):
    rules = [("fvc_percent >= 70", INCLUSION), extra]
    assert verdict(*rules, fvc_percent=80, pregnant=False) is Verdict.POSSIBLY_ELIGIBLE


def test_a_trial_without_criteria_is_only_possibly_eligible():
    assert verdict() is Verdict.POSSIBLY_ELIGIBLE


def test_a_trial_result_counts_its_outcomes():
    result = screen_trial(
        trial(
            criterion("fvc_percent >= 70"),
            criterion("alsfrs_r >= 24"),
            criterion("gastrostomy", EXCLUSION),
            criterion(None, text="Able to swallow pills"),
            criterion(BULBAR_RULE),
        ),
        patient(fvc_percent=60, gastrostomy=False, onset_region="limb"),
    )
    counts = (result.passed, result.failed, result.unknown, result.needs_review)
    assert counts == (1, 1, 1, 1)
    assert result.not_applicable == 1


def test_screening_orders_eligible_then_most_confirmed_then_ineligible():
    trials = [
        trial(criterion("fvc_percent >= 90"), nct_id="NCT00000001"),  # ineligible
        trial(criterion("alsfrs_r >= 24"), nct_id="NCT00000002"),  # possibly, 0 confirmed
        trial(criterion("fvc_percent >= 70"), nct_id="NCT00000003"),  # eligible
        trial(criterion("fvc_percent >= 70"), criterion("alsfrs_r >= 24"), nct_id="NCT00000004"),
    ]
    results = screen(trials, patient(fvc_percent=80))
    assert [r.trial.nct_id for r in results] == [
        "NCT00000003",
        "NCT00000004",
        "NCT00000002",
        "NCT00000001",
    ]


def test_a_criterion_that_changes_with_time_says_when():
    # 731 days after 2024-03-01 is 2026-03-02: the first day past 24 months (730.5 days).
    result = evaluate_criterion(
        criterion("months_since_onset <= 24"), patient(symptom_onset="2024-03-01")
    )
    assert result.outcome is Outcome.PASS
    assert result.changes_on == date(2026, 3, 2)
    assert result.explanation == (
        "20.7 months since symptom onset, within the 24-month limit (fails from 2026-03-02)"
    )


def test_a_strict_limit_flips_a_day_later_than_an_inclusive_one_when_the_threshold_is_a_whole_day():
    # 16 months is exactly 487 days.
    onset = {"symptom_onset": "2025-01-01"}
    at_most = evaluate_criterion(criterion("months_since_onset <= 16"), patient(**onset))
    below = evaluate_criterion(criterion("months_since_onset < 16"), patient(**onset))
    assert at_most.changes_on == date(2026, 5, 4)  # day 488
    assert below.changes_on == date(2026, 5, 3)  # day 487


def test_a_trial_becomes_eligible_when_a_dose_has_been_stable_long_enough():
    result = screen_trial(
        trial(criterion("riluzole != current or riluzole_stable_days >= 60")),
        patient(riluzole="current", riluzole_since="2025-10-23"),
    )
    assert result.verdict is Verdict.INELIGIBLE
    assert result.eligible_from == date(2025, 12, 22)
    assert result.window_closes is None


def test_a_trial_becomes_eligible_when_a_drug_has_been_stopped_long_enough():
    result = screen_trial(
        trial(
            criterion("riluzole == never or riluzole == past and riluzole_days_since_stopped >= 30")
        ),
        patient(riluzole="past", riluzole_stopped="2025-11-12"),
    )
    assert result.verdict is Verdict.INELIGIBLE
    assert result.eligible_from == date(2025, 12, 12)  # 30 days after the last dose


def test_a_recent_stop_closes_an_exclusion_window():
    result = screen_trial(
        trial(
            criterion(
                "edaravone == current or edaravone == past and edaravone_days_since_stopped < 30",
                EXCLUSION,
            )
        ),
        patient(edaravone="past", edaravone_stopped="2025-11-12"),
    )
    assert result.verdict is Verdict.INELIGIBLE
    assert result.eligible_from == date(2025, 12, 12)


def test_an_eligible_from_date_and_a_closing_window_together():
    result = screen_trial(
        trial(
            criterion("riluzole != current or riluzole_stable_days >= 60"),
            criterion("months_since_onset <= 24"),
        ),
        patient(riluzole="current", riluzole_since="2025-10-23", symptom_onset="2024-03-01"),
    )
    assert (result.eligible_from, result.window_closes) == (date(2025, 12, 22), date(2026, 3, 2))


def test_a_window_is_not_reported_when_it_opens_after_another_closes():
    result = screen_trial(
        trial(
            criterion("riluzole != current or riluzole_stable_days >= 60"),
            criterion("months_since_onset <= 12"),
        ),
        patient(riluzole="current", riluzole_since="2025-10-23", symptom_onset="2024-03-01"),
    )
    assert result.verdict is Verdict.INELIGIBLE
    assert result.eligible_from is None


def test_an_uncertain_onset_first_makes_a_criterion_uncertain_then_fails_the_trial():
    result = screen_trial(
        trial(criterion("months_since_onset <= 24")), patient(symptom_onset="2024-03")
    )
    (item,) = result.criteria
    assert item.changes_on == date(2026, 3, 2)  # from 1 March onwards it may be past 24 months
    assert item.explanation.endswith("(becomes uncertain from 2026-03-02)")
    assert result.window_closes == date(2026, 4, 1)  # from 31 March onwards it certainly is


def test_age_from_a_birth_date_counts_birthdays_including_29_february():
    result = screen_trial(trial(criterion("age >= 66")), patient(birth_date="1960-02-29"))
    assert result.eligible_from == date(2026, 3, 1)
    closing = screen_trial(trial(criterion("age <= 65")), patient(birth_date="1960-12-10"))
    assert closing.window_closes == date(2026, 12, 10)


def test_an_entered_age_alone_has_no_window():
    assert evaluate_criterion(criterion("age <= 65"), patient(age=65)).changes_on is None


def test_a_change_beyond_ten_years_is_not_reported():
    result = evaluate_criterion(
        criterion("riluzole_stable_days >= 5000"),
        patient(riluzole="current", riluzole_since="2025-10-23"),
    )
    assert result.changes_on is None


def test_an_exclusion_can_close_a_window():
    result = screen_trial(
        trial(criterion("months_since_diagnosis > 12", EXCLUSION)),
        patient(diagnosis_date="2025-01-01"),
    )
    assert result.verdict is Verdict.ELIGIBLE
    assert result.window_closes == date(2026, 1, 2)  # day 365: 11.99 months; day 366: 12.02


def test_registry_limits_become_inclusion_criteria():
    specs = registry_criteria(minimum_age_years=18, maximum_age_years=80, sex="FEMALE")
    assert [(s.kind, s.text, s.rule.source) for s in specs] == [
        (INCLUSION, "Registry minimum age: 18 years", "age >= 18"),
        (INCLUSION, "Registry maximum age: 80 years", "age <= 80"),
        (INCLUSION, "Registry sex: female", "sex == female"),
    ]


def test_registry_limits_that_do_not_restrict_are_left_out():
    assert registry_criteria(minimum_age_years=None, maximum_age_years=None, sex="ALL") == ()


def test_a_registry_age_within_a_year_is_left_for_review_as_age_is_in_whole_years():
    (spec,) = registry_criteria(minimum_age_years=0.5, maximum_age_years=None, sex="ALL")
    assert spec.text == "Registry minimum age: 6 months"
    assert spec.rule is None
    (spec,) = registry_criteria(minimum_age_years=None, maximum_age_years=150, sex="")
    assert spec.rule is None


def test_an_unknown_registry_sex_is_an_error():
    with pytest.raises(ValueError, match="ALL, FEMALE or MALE"):
        registry_criteria(minimum_age_years=None, maximum_age_years=None, sex="OTHER")


def test_a_result_as_json():
    result = screen_trial(
        trial(
            criterion("riluzole != current or riluzole_stable_days >= 60"),
            criterion("alsfrs_r >= 24"),
            criterion(None, EXCLUSION, text="Active cancer"),
        ),
        patient(riluzole="current", riluzole_since="2025-10-23"),
    )
    data = result_to_json(result)
    assert data == {
        "nct_id": "NCT00000001",
        "title": "Trial NCT00000001",
        "verdict": "ineligible",
        "eligible_from": "2025-12-22",
        "window_closes": None,
        "criteria": [
            {
                "kind": "inclusion",
                "text": "riluzole != current or riluzole_stable_days >= 60",
                "rule": "riluzole != current or riluzole_stable_days >= 60",
                "outcome": "fail",
                "explanation": "Riluzole use is current; 30 days on a stable riluzole dose is "
                "below the required 60 days (passes from 2025-12-22)",
                "missing": [],
                "changes_on": "2025-12-22",
            },
            {
                "kind": "inclusion",
                "text": "alsfrs_r >= 24",
                "rule": "alsfrs_r >= 24",
                "outcome": "unknown",
                "explanation": "ALSFRS-R total not given; needed for: ALSFRS-R total at least "
                "24 points",
                "missing": ["alsfrs_r"],
                "changes_on": None,
            },
            {
                "kind": "exclusion",
                "text": "Active cancer",
                "rule": None,
                "outcome": "needs_review",
                "explanation": "Needs clinician review: Active cancer",
                "missing": [],
                "changes_on": None,
            },
        ],
    }
