"""Wordings trials use, one behaviour each; texts are short forms of real ones."""

import pytest

from screening.engine.criteria_parser import parse_criterion
from screening.engine.language import compile_rule


def rule_of(text: str, kind: str = "inclusion") -> str | None:
    return parse_criterion(text, kind).rule


def same(rule: str | None, expected: str) -> bool:
    return rule is not None and compile_rule(rule).source == compile_rule(expected).source


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("FVC ≥ 70%", "inclusion", "fvc_percent >= 70"),
        ("FVC greater than or equal to 65% of that predicted", "inclusion", "fvc_percent >= 65"),
        ("Forced vital capacity 50+%", "inclusion", "fvc_percent >= 50"),
        ("FVC \\> 60%", "inclusion", "fvc_percent > 60"),
        ("FVC at least 75% of predicted", "inclusion", "fvc_percent >= 75"),
        ("FVC <60%", "exclusion", "fvc_percent < 60"),
        ("FVC less than 60%", "exclusion", "fvc_percent < 60"),
        ("FVC of 60% or less", "exclusion", "fvc_percent <= 60"),
        ("Slow vital capacity ≥ 60% of predicted", "inclusion", "svc_percent >= 60"),
        (
            "Vital capacity ≥ 50% of predicted",
            "inclusion",
            "fvc_percent >= 50 or svc_percent >= 50",
        ),
        ("VC < 50% of predicted", "exclusion", "fvc_percent < 50 and svc_percent < 50"),
    ],
)
def test_vital_capacity_keeps_the_comparison_as_written(
    text: str, kind: str, expected: str
) -> None:
    assert same(rule_of(text, kind), expected)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("18-80 years", "inclusion", "age between 18 and 80"),
        ("aged 18 to 75 inclusive", "inclusion", "age between 18 and 75"),
        ("between 20 and 80 years old (inclusive)", "inclusion", "age between 20 and 80"),
        ("Over 18 years old", "inclusion", "age >= 18"),
        ("Age> 18 years", "inclusion", "age >= 18"),
        ("18 years or older", "inclusion", "age >= 18"),
        ("Under 20 years or over 80 years of age", "exclusion", "age < 20 or age > 80"),
        ("Male or female", "inclusion", "sex in {female, male}"),
    ],
)
def test_ages_keep_their_bounds(text: str, kind: str, expected: str) -> None:
    assert same(rule_of(text, kind), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Definite or probable ALS (El Escorial)",
            "el_escorial in {definite, probable, probable_laboratory_supported?}",
        ),
        (
            "Clinically possible, clinically probable (with or without laboratory support), or "
            "clinically definite ALS according to El Escorial",
            "el_escorial in {definite, probable, probable_laboratory_supported, possible}",
        ),
        (
            "Probable-laboratory supported, probable or definite ALS by revised El Escorial",
            "el_escorial in {definite, probable, probable_laboratory_supported}",
        ),
        (
            "Diagnosis of probable-definite ALS (El-Escorial Criterion)",
            "el_escorial in {definite, probable, probable_laboratory_supported?}",
        ),
        ("Definite ALS according to the revised El Escorial criteria", "el_escorial in {definite}"),
        (
            "Sporadic or familial ALS diagnosed as definite by El Escorial",
            "el_escorial in {definite}",
        ),
    ],
)
def test_el_escorial_leaves_lab_supported_open_unless_named(text: str, expected: str) -> None:
    assert same(rule_of(text), expected)


@pytest.mark.parametrize(
    "text",
    [
        "ALS according to the Gold Coast criteria",
        "Probable or definite ALS by El Escorial criteria revised with Awaji's algorithm",
        "ALS-FRS >= 24",
        "ALSFRS score of at least 30",
        "ALSFRS-R decline of at least 1 point during a 12-week run-in period",
        "Patients with a loss of at least 2 points in 2 items of the ALSFRS-R",
        "life expectancy more than 2 years",
        "ALT > 3 x ULN",
        "Any condition that in the opinion of the investigator makes the patient unsuitable",
        "Forced vital capacity (FVC) <40% of predicted unless the tidal volume is > 600cc",
        "Use of NIV more than 2 hours per day during waking hours",
        "Medullar onset of the disease",
        "Patient diagnosed with probable of definite ALS",
    ],
)
def test_wording_that_leaves_doubt_needs_review(text: str) -> None:
    parsed = parse_criterion(text, "inclusion")

    assert parsed.rule is None
    assert parsed.note


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ALSFRS-R ≤ 44", "alsfrs_r <= 44"),
        ("ALSFRS-R score of at least 30", "alsfrs_r >= 30"),
        ('Score ≥ 2 at the item "swallowing" of the ALSFRS-R', "alsfrs_r_swallowing >= 2"),
        ("A score of at least 2 on each of the 12 ALSFRS-R items", "alsfrs_r_lowest_item >= 2"),
        ("Each of the 12 items at least 2", "alsfrs_r_lowest_item >= 2"),
        (
            "The sum of the 3 respiratory items on the ALSFRS-R must total at least 10 points",
            "alsfrs_r_respiratory >= 10",
        ),
        ("ALSFRS-R bulbar subscale < 10", "alsfrs_r_bulbar < 10"),
        ("ALSFRS-R progression rate > 0.3 points per month", "alsfrs_r_progression_rate > 0.3"),
        (
            "(48 - ALSFRS-R score)/months since first symptom > 0.3",
            "alsfrs_r_progression_rate > 0.3",
        ),
    ],
)
def test_alsfrs_r_totals_items_domains_and_rates(text: str, expected: str) -> None:
    assert same(rule_of(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("First symptoms within 3 years", "months_since_onset <= 36"),
        ("Onset of weakness less than 36 months", "months_since_onset < 36"),
        ("Disease duration ≤ 24 months", "months_since_onset <= 24"),
        ("Disease duration no more than 1.5 years", "months_since_onset <= 18"),
        ("Diagnosis of ALS less than 24 months before screening", "months_since_diagnosis < 24"),
        (
            "ALS disease duration from diagnosis no longer than 24 months",
            "months_since_diagnosis <= 24",
        ),
    ],
)
def test_durations_are_months_since_onset_unless_diagnosis_is_said(
    text: str, expected: str
) -> None:
    assert same(rule_of(text), expected)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "Stable dose of riluzole for at least 30 days if taking",
            "inclusion",
            "riluzole != current or riluzole_stable_days >= 30",
        ),
        (
            "Not currently receiving riluzole or stable for at least 4 weeks",
            "inclusion",
            "riluzole != current or riluzole_stable_days >= 28",
        ),
        ("Treatment with riluzole", "inclusion", "riluzole == current"),
        ("Riluzole naive", "inclusion", "riluzole == never"),
        (
            "Changed the dose of riluzole within 30 days",
            "exclusion",
            "riluzole == current and riluzole_stable_days < 30",
        ),
        (
            "On a stable dose of edaravone for at least four weeks or not taking edaravone",
            "inclusion",
            "edaravone != current or edaravone_stable_days >= 28",
        ),
    ],
)
def test_background_therapy(text: str, kind: str, expected: str) -> None:
    assert same(rule_of(text, kind), expected)


def test_time_on_a_drug_is_not_time_on_a_stable_dose() -> None:
    # A dose change after 30 days on riluzole would wrongly fail `riluzole_stable_days >= 30`:
    # a requirement keeps current use only; an exclusion needs the stable dose to be sure.
    required = parse_criterion("Must be on riluzole for ≥ 30 days prior to screening", "inclusion")
    assert required.rule == "riluzole == current"
    assert "Time on riluzole" in required.note
    assert same(
        rule_of("On riluzole for at least 30 days", "exclusion"),
        "riluzole == current and riluzole_stable_days >= 30",
    )


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "Must not have taken riluzole for at least 30 days prior to screening",
            "inclusion",
            "riluzole == never or riluzole == past and riluzole_days_since_stopped >= 30",
        ),
        (
            "Must have completed at least 2 cycles of edaravone or have not received it for at "
            "least 4 weeks",
            "inclusion",
            "edaravone_cycles >= 2 or edaravone == never or edaravone == past and "
            "edaravone_days_since_stopped >= 28",
        ),
        (
            "If on edaravone, must have completed 2 cycles",
            "inclusion",
            "edaravone != current or edaravone_cycles >= 2",
        ),
        (
            "Participants receiving edaravone must complete at least one cycle of treatment "
            "before the screening visit",
            "inclusion",
            "edaravone != current or edaravone_cycles >= 1",
        ),
        (
            "Patients receiving oral edaravone",
            "exclusion",
            "edaravone == current and edaravone_route == oral",
        ),
        (
            "Use of edaravone within 30 days of screening",
            "exclusion",
            "edaravone == current or edaravone == past and edaravone_days_since_stopped < 30",
        ),
        (
            "Use of RADICAVA (edaravone injection) within 30 days of screening",
            "exclusion",
            "edaravone_route == intravenous and (edaravone == current or edaravone == past and "
            "edaravone_days_since_stopped < 30)",
        ),
    ],
)
def test_stopping_cycles_and_route_of_a_drug(text: str, kind: str, expected: str) -> None:
    assert same(rule_of(text, kind), expected)


def test_months_without_a_drug_are_read_as_days_and_said() -> None:
    parsed = parse_criterion("Must not have taken riluzole for at least 3 months", "inclusion")

    assert same(
        parsed.rule, "riluzole == never or riluzole == past and riluzole_days_since_stopped >= 91"
    )
    assert parsed.note == "3 months read as 91 days."


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Must have completed at least 2 cycles of riluzole", "inclusion"),  # no riluzole cycles
        ("Must have completed 3 cycles of treatment", "inclusion"),  # of which drug?
        ("Have not taken it for at least 30 days", "inclusion"),  # "it" names no drug
        ("Use of riluzole (injection) within 30 days of screening", "exclusion"),
    ],
)
def test_drug_wordings_that_name_no_recorded_fact_need_review(text: str, kind: str) -> None:
    assert rule_of(text, kind) is None


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("NIV use while awake", "exclusion", "niv_while_awake"),
        ("Use of non-invasive or invasive ventilation when awake", "exclusion", "niv_while_awake"),
        (
            "Use of non-invasive or invasive ventilation when awake",
            "inclusion",
            "niv_while_awake or tracheostomy",
        ),
        (
            "Time from symptom onset to diagnosis < 2 years",
            "inclusion",
            "months_onset_to_diagnosis < 24",
        ),
        (
            "Time between first symptoms and diagnosis less than 18 months",
            "inclusion",
            "months_onset_to_diagnosis < 18",
        ),
        ("ALSFRS-R score > 24 higher", "inclusion", "alsfrs_r >= 24"),
        ("ALSFRS-R score > 24 higher", "exclusion", "alsfrs_r > 24"),
        (
            "Tracheostomy placement/Use of invasive mechanical ventilation",
            "exclusion",
            "tracheostomy",
        ),
    ],
)
def test_ventilation_while_awake_diagnostic_delay_and_odd_wordings(
    text: str, kind: str, expected: str
) -> None:
    assert same(rule_of(text, kind), expected)


def test_a_sentence_with_its_own_exception_is_left_out_of_an_inclusion_as_a_whole() -> None:
    parsed = parse_criterion("FVC ≥ 60% unless on NIV. Age 18-80 years.", "inclusion")

    assert parsed.rule == "age between 18 and 80"
    assert "unless on NIV" in parsed.note


def test_a_sentence_with_its_own_exception_is_left_out_of_an_exclusion_as_a_whole() -> None:
    parsed = parse_criterion(
        "Pregnancy. FVC < 40% unless the tidal volume is > 600cc.", "exclusion"
    )

    assert parsed.rule == "pregnant"
    assert "tidal volume" in parsed.note


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # The exception names FVC, which the other sentence checks.
        ("FVC ≥ 60%. Patients with FVC below 60% are included if on NIV.", "inclusion"),
        # "eligible" may reach the other sentences.
        ("Age 18-80 years. Older patients are eligible if the investigator agrees.", "inclusion"),
        # A sentence that goes on from the one before is no criterion of its own.
        ("Must not need life support nor expect to. (e.g. tracheostomy)", "inclusion"),
        ("FVC < 40% unless the tidal volume is > 600cc", "exclusion"),  # one sentence only
        ("FVC ≥ 60%. If the patient is on NIV, this does not apply.", "inclusion"),
        ("FVC ≥ 60%. When on NIV, the requirement is waived.", "inclusion"),
        ("FVC < 50%. Unless on NIV.", "exclusion"),
        ("Pregnancy. Women using contraception are not excluded if breastfeeding.", "exclusion"),
    ],
)
def test_a_sentence_that_may_change_the_others_still_stops_the_parse(text: str, kind: str) -> None:
    assert rule_of(text, kind) is None


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "Age 18-80 years Forced vital capacity ≥ 60% Capable of giving informed consent "
            "Must attend all visits",
            "inclusion",
            "age between 18 and 80 and fvc_percent >= 60",
        ),
        (
            "Use of tracheostomy History of cancer Pregnant women Uncontrolled diabetes",
            "exclusion",
            "tracheostomy or pregnant",
        ),
        (
            # "Unless" goes on with its sentence, which is then left out whole.
            "Use of tracheostomy History of cancer Pregnant women Unless sterile Uncontrolled "
            "diabetes",
            "exclusion",
            "tracheostomy",
        ),
    ],
)
def test_a_run_on_item_is_split_where_its_line_breaks_were_lost(
    text: str, kind: str, expected: str
) -> None:
    assert same(rule_of(text, kind), expected)


def test_names_in_capitals_do_not_split_an_item() -> None:
    text = (
        "Diagnosis of probable or definite ALS according to the World Federation of Neurology "
        "Revised El Escorial criteria"
    )
    assert rule_of(text) == "el_escorial in {definite, probable, probable_laboratory_supported?}"


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Gastrostomy", "exclusion", "gastrostomy"),
        ("ALS patients with gastrostomy", "inclusion", "gastrostomy"),
        ("Presence of tracheostomy", "exclusion", "tracheostomy"),
        ("Invasive ventilation", "exclusion", "tracheostomy"),
        ("Use of non-invasive ventilation", "exclusion", "niv"),
        ("Use of NIV 23 or more hours/day", "exclusion", "niv_hours_per_day >= 23"),
        ("Sporadic ALS", "inclusion", "not familial"),
        ("Familial ALS", "exclusion", "familial"),
        ("Confirmed SOD1 mutation", "inclusion", '"SOD1" in gene_variants'),
        ("Bulbar onset", "exclusion", "onset_region == bulbar"),
        ("Pregnant or breastfeeding women", "exclusion", "pregnant or breastfeeding"),
    ],
)
def test_support_family_and_onset(text: str, kind: str, expected: str) -> None:
    assert same(rule_of(text, kind), expected)


def test_a_feeding_tube_is_a_gastrostomy_only_where_that_cannot_exclude_wrongly() -> None:
    # It may be nasogastric: as an exclusion a gastrostomy certainly excludes; as a requirement
    # a nasogastric tube would be failed.
    assert rule_of("Feeding tube", "exclusion") == "gastrostomy"
    assert rule_of("Patients with a feeding tube", "inclusion") is None


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "without tracheostomy or invasive mechanical ventilation",
            "inclusion",
            "not tracheostomy",
        ),
        ("No gastrostomy", "inclusion", "not gastrostomy"),
        (
            "Not using noninvasive ventilation (NIV) and without tracheostomy",
            "inclusion",
            "not niv and not tracheostomy",
        ),
        ("Absence of treatment with riluzole", "exclusion", "riluzole != current"),
        ("Not pregnant", "inclusion", "not pregnant"),
    ],
)
def test_negations(text: str, kind: str, expected: str) -> None:
    assert same(rule_of(text, kind), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patients must have FVC ≥ 50%", "fvc_percent < 50"),
        ("Subjects must be between 18 and 80 years of age", "age < 18 or age > 80"),
        ("Patients must not have a tracheostomy", "tracheostomy"),
    ],
)
def test_an_exclusion_that_states_a_requirement_excludes_its_opposite(
    text: str, expected: str
) -> None:
    assert same(rule_of(text, "exclusion"), expected)


def test_an_exclusion_condition_scopes_its_threshold() -> None:
    assert (
        rule_of(
            "in case of primary bulbar paralysis less than 15 points on Norris bulbar scale",
            "exclusion",
        )
        == "if onset_region == bulbar then norris_bulbar < 15"
    )


def test_an_inclusion_drops_an_unknown_and_part_and_says_so() -> None:
    parsed = parse_criterion("Age 18-80, able to provide informed consent", "inclusion")

    assert parsed.rule == "age between 18 and 80"
    assert "informed consent" in parsed.note


def test_an_inclusion_cannot_drop_an_unknown_or_part() -> None:
    text = "FVC ≥ 60% or SNIP ≥ 40 cmH2O"

    assert rule_of(text, "inclusion") is None


def test_an_exclusion_drops_an_unknown_or_part_and_says_so() -> None:
    parsed = parse_criterion("Pregnancy or any uncontrolled illness", "exclusion")

    assert parsed.rule == "pregnant"
    assert "uncontrolled illness" in parsed.note


def test_an_exclusion_cannot_drop_an_unknown_and_part() -> None:
    assert rule_of("Gastrostomy and unable to swallow", "exclusion") is None


def test_an_item_that_is_one_of_several_alternatives_needs_review() -> None:
    assert rule_of("FVC less than 50% predicted, or", "inclusion") is None
    assert rule_of("FVC less than 50% predicted, or", "exclusion") == "fvc_percent < 50"


def test_qualifiers_are_kept_in_the_note() -> None:
    supine = parse_criterion(
        "Forced Vital Capacity >60% of predicted normal in supine", "inclusion"
    )
    gli = parse_criterion("Upright FVC ≥ 65.0% of predicted according to GLI", "inclusion")

    assert (supine.rule, gli.rule) == ("fvc_percent > 60", "fvc_percent >= 65")
    assert "supine" in supine.note
    assert "Global Lung Initiative" in gli.note


def test_unclassified_items_are_never_structured() -> None:
    parsed = parse_criterion("FVC ≥ 70%", "unclassified")

    assert parsed.rule is None
    assert parsed.note


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("FVC ≥ 50% (or SVC ≥ 50%)", "inclusion"),  # a bracket that offers another way in
        ("FVC ≥ 60% (or 55% supine)", "inclusion"),
        ("FVC ≥ 60%, or ≥ 50% for patients on NIV", "inclusion"),
        ("Age 18 to 80 years at diagnosis", "inclusion"),  # age then, not now
        ("Age at onset > 40 years", "inclusion"),
        ("Planned gastrostomy", "exclusion"),
        ("Patients who had gastrostomy removed", "exclusion"),
        ("FVC decline of more than 10%", "exclusion"),
        ("ALSFRS-R slope > 1 point per month", "exclusion"),
        ("ALSFRS-R ≥ 30 (ALSFRS ≥ 25)", "inclusion"),
        ("If on riluzole, must be on a stable dose", "inclusion"),  # no duration
        ("Prior use of edaravone", "exclusion"),  # past use is not recorded
        ("Riluzole use within 30 days", "exclusion"),
    ],
)
def test_modifiers_that_change_the_meaning_stop_the_parse(text: str, kind: str) -> None:
    assert rule_of(text, kind) is None


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "SVC ≥ 50% in patients with bulbar onset",
            "inclusion",
            "if onset_region == bulbar then svc_percent >= 50",
        ),
        ("No history of gastrostomy", "inclusion", "not gastrostomy"),
        ("Not pregnant or breastfeeding", "inclusion", "not pregnant and not breastfeeding"),
        (
            "SOD1 or C9orf72 mutation carriers",
            "exclusion",
            '"SOD1" in gene_variants or "C9orf72" in gene_variants',
        ),
        ("ALSFRS-R between 30 and 44", "inclusion", "alsfrs_r between 30 and 44"),
        ("BMI between 18 and 30", "inclusion", "bmi between 18 and 30"),
        ("Invasive ventilation (tracheostomy)", "exclusion", "tracheostomy"),
        ("SVC or FVC ≥ 50%", "inclusion", "fvc_percent >= 50 or svc_percent >= 50"),
        ("FVC or SVC < 50%", "exclusion", "fvc_percent < 50 and svc_percent < 50"),
        ("Time since diagnosis ≤ 24 months", "inclusion", "months_since_diagnosis <= 24"),
        ("Patients older than 80 years", "exclusion", "age > 80"),
        ("Body weight < 40 kg", "exclusion", "weight_kg < 40"),
        (
            "Subjects receiving riluzole must be on a stable dose for at least 30 days prior to "
            "enrollment.",
            "inclusion",
            "riluzole != current or riluzole_stable_days >= 30",
        ),
    ],
)
def test_more_wordings(text: str, kind: str, expected: str) -> None:
    assert same(rule_of(text, kind), expected)
