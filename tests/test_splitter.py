import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trials.splitter import ItemKind, SplitItem, split_criteria, unescape_markdown

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RECORDS = sorted((FIXTURES / "registry").glob("*.json"))
SEED_PAGES = {"NCT03828123": "000_0877cd50135e9daa.txt", "NCT02492516": "002_56ade0f88363d6b3.txt"}

INC, EXC, UNC = ItemKind.INCLUSION, ItemKind.EXCLUSION, ItemKind.UNCLASSIFIED

CIRCLED = "\u2460-\u2473\u24eb-\u24f4\u2776-\u2793"
# The one token a list marker leaves in the word stream: "12." -> "12", "(b)" -> "b", "iv." -> "iv".
MARKER_TOKEN = re.compile(rf"\d{{1,2}}|[A-Za-z]|[ivx]{{1,6}}|[IVX]{{1,6}}|[{CIRCLED}]")


def criteria(nct_id: str) -> str:
    record = json.loads((FIXTURES / "registry" / f"{nct_id}.json").read_text())
    return record["protocolSection"]["eligibilityModule"].get("eligibilityCriteria") or ""


def words(text: str) -> list[str]:
    # A circled number glued to its item ("①Age") is a marker of its own.
    return re.findall(r"\w+", re.sub(f"[{CIRCLED}]", r" \g<0> ", text))


def unaccounted_words(text: str, items: list[SplitItem]) -> str | None:
    """Why the items do not hold exactly the words of the text, in order; None if they do.

    Each heading's words must appear where its section starts, each item's words in
    order, and the only source words allowed to go missing are single list-marker tokens
    right before an item.
    """
    source = words(unescape_markdown(text))
    expected: list[str] = []
    item_starts: Counter[int] = Counter()  # an item without words starts where the next does
    section = None
    for item in items:
        if item.section != section:
            expected += words(item.section)
            section = item.section
        item_starts[len(expected)] += 1
        expected += words(item.text)
    # Every position in the source that the items read so far can have reached.
    reached = {0}
    for index in range(len(expected) + 1):
        for _ in range(item_starts[index]):
            reached |= {
                i + 1 for i in reached if i < len(source) and MARKER_TOKEN.fullmatch(source[i])
            }
        if index == len(expected):
            break
        reached = {i + 1 for i in reached if i < len(source) and source[i] == expected[index]}
        if not reached:
            return f"word {index} {expected[index]!r} of the items is not next in the source"
    if len(source) not in reached:
        return f"source words left out, e.g. {source[min(reached) :][:8]}"
    return None


def assert_well_formed(items: list[SplitItem]) -> None:
    for index, item in enumerate(items):
        assert item.text, index
        assert item.text == item.text.strip(), index
        if item.parent is None:
            assert item.depth == 0, index
        else:
            assert 0 <= item.parent < index, index
            assert item.depth == items[item.parent].depth + 1, index
            assert items[item.parent].kind == item.kind, index


def shape(items: list[SplitItem]) -> list[tuple[str, str, int, int | None]]:
    return [(item.kind, item.text, item.depth, item.parent) for item in items]


def texts(items: list[SplitItem], kind: ItemKind | None = None) -> list[str]:
    return [item.text for item in items if kind is None or item.kind == kind]


# --- The word invariant over real records ---------------------------------------------------


@pytest.mark.parametrize("record", RECORDS, ids=[record.stem for record in RECORDS])
def test_every_word_of_a_registry_record_ends_up_in_an_item_in_order(record: Path) -> None:
    text = criteria(record.stem)
    items = split_criteria(text)

    assert items
    assert unaccounted_words(text, items) is None
    assert_well_formed(items)


def test_the_fixture_set_has_all_74_records() -> None:
    assert len(RECORDS) == 74


def test_the_word_check_notices_a_dropped_word() -> None:
    text = "Inclusion Criteria:\n- Age 18 or older\n- Signed consent"
    items = split_criteria(text)
    shortened = [items[0], SplitItem(INC, "Signed", 0, None, "Inclusion Criteria")]

    assert unaccounted_words(text, items) is None
    assert unaccounted_words(text, shortened) is not None


def test_the_word_check_notices_reordered_items_and_a_missing_heading() -> None:
    text = "Inclusion Criteria:\n- Age 18 or older\n- Signed consent"
    items = split_criteria(text)
    without_section = [SplitItem(INC, item.text, 0, None, "") for item in items]

    assert unaccounted_words(text, items[::-1]) is not None
    assert unaccounted_words(text, without_section) is not None


def test_the_word_check_only_forgives_marker_tokens_before_an_item() -> None:
    text = "1. Age 18 or older 2. Signed consent"
    cut_mid_item = [
        SplitItem(UNC, "Age or older", 0, None, ""),
        SplitItem(UNC, "Signed consent", 0, None, ""),
    ]

    assert unaccounted_words(text, split_criteria(text)) is None
    assert unaccounted_words(text, cut_mid_item) is not None


TRICKY_TOKENS = [
    "Inclusion Criteria:", "Exclusion criteria", "Key Inclusion Criteria:", "INCLUSION CRITERIA",
    "Inclusion:", "inclusion criteria", "*", "-", "•", "1.", "2.", "3.", "1)", "(1)", "(2)",
    "a.", "b.", "i.", "ii.", "①", "②", "\\*", "\\>", "\\\\", "age", "ALS", "≥", "2.5", "18-80",
    "years", "of", "the", "following:", "Patients", "must:", "C.", "\n", "\n\n", "\n  ", "\n    ",
]  # fmt: skip


tricky_texts = st.one_of(
    st.builds(
        str.join,
        st.sampled_from([" ", "", "\n"]),
        st.lists(st.sampled_from(TRICKY_TOKENS), max_size=40),
    ),
    st.text(alphabet="InclusioExcrta:*-1.2)( \n\\>①", max_size=80),
)


@settings(max_examples=500, deadline=None)
@given(tricky_texts)
def test_any_text_keeps_all_its_words_in_order(text: str) -> None:
    items = split_criteria(text)

    assert unaccounted_words(text, items) is None
    assert_well_formed(items)


# --- The seed trials ------------------------------------------------------------------------


def seed_page_criteria(nct_id: str) -> str:
    page = (FIXTURES / "seeds" / SEED_PAGES[nct_id]).read_text()
    start = page.index("\nInclusion criteria\n")
    return page[start : page.index("\nTrial design\n")]


def seed_page_items(nct_id: str) -> dict[str, list[str]]:
    """The criteria as the web page lists them, one per marked line."""
    listed: dict[str, list[str]] = {"Inclusion criteria": [], "Exclusion criteria": []}
    current = None
    for line in seed_page_criteria(nct_id).splitlines():
        if line.strip() in listed:
            current = line.strip()
        elif line.strip():
            assert current is not None
            listed[current].append(re.sub(r"^\s*(\d+\.|•)\s+", "", line).strip())
    return listed


@pytest.mark.parametrize(
    ("nct_id", "inclusion", "exclusion"), [("NCT03828123", 4, 12), ("NCT02492516", 5, 4)]
)
def test_a_seed_record_splits_into_the_criteria_its_web_page_lists(
    nct_id: str, inclusion: int, exclusion: int
) -> None:
    items = split_criteria(criteria(nct_id))
    listed = seed_page_items(nct_id)

    assert len(texts(items, INC)) == inclusion
    assert len(texts(items, EXC)) == exclusion
    assert texts(items, INC) == listed["Inclusion criteria"]
    assert texts(items, EXC) == listed["Exclusion criteria"]
    assert [item.kind for item in items] == [INC] * inclusion + [EXC] * exclusion
    assert all(item.depth == 0 and item.parent is None for item in items)
    assert {item.section for item in items} == {"Inclusion Criteria", "Exclusion Criteria"}


@pytest.mark.parametrize("nct_id", list(SEED_PAGES))
def test_a_seed_web_page_splits_like_its_registry_record(nct_id: str) -> None:
    page_text = seed_page_criteria(nct_id)
    from_page = split_criteria(page_text)
    from_record = split_criteria(criteria(nct_id))

    assert shape(from_page) == shape(from_record)
    assert {item.section for item in from_page} == {"Inclusion criteria", "Exclusion criteria"}
    assert unaccounted_words(page_text, from_page) is None


def test_the_second_seed_record_has_its_escapes_removed() -> None:
    items = split_criteria(criteria("NCT02492516"))

    assert texts(items)[3:5] == ["ALS-FRS> = 24", "FVC >= 40%"]


# --- Real records asserted exactly ----------------------------------------------------------


def test_it_splits_the_collapsed_numbered_lists_of_nct03127514() -> None:
    items = split_criteria(criteria("NCT03127514"))

    assert texts(items, INC) == [
        "Male or female, aged 18-80 years of age",
        "Sporadic or familial ALS diagnosed as definite as defined by the World Federation of "
        "Neurology revised El Escorial criteria",
        "Less than or equal to 18 months since ALS symptom onset",
        "Capable of providing informed consent and following trial procedures",
        "Slow Vital Capacity (SVC) >60% of predicted value for gender, height, and age at the "
        "Screening Visit",
        "Subjects must either not take riluzole or be on a stable dose of riluzole for at least "
        "30 days prior to the Screening Visit. Riluzole-naïve subjects are permitted in the study.",
        "Women of child bearing potential (e.g. not post-menopausal for at least one year or "
        "surgically sterile) must agree to use adequate birth control for the duration of the "
        "study and 3 months after last dose of study drug. Women must not be planning to become "
        "pregnant for the duration of the study and 3 months after last dose of study drug",
        "Men must agree to practice contraception for the duration of the study and 3 months "
        "after last dose of study drug. Men must not plan to father a child or provide for sperm "
        "donation for the duration of the study and 3 months after last dose of study drug",
    ]
    assert texts(items, EXC) == [
        "Presence of tracheostomy",
        "Exposure to PB, Taurursodiol or UDCA within 3 months prior to the Screening Visit or "
        "planning to use these medications during the course of the study",
        "History of known allergy to PB or bile salts",
        "Abnormal liver function defined as aspartate aminotransferase (AST) and/or alanine "
        "aminotransferase (ALT) > 3 times the upper limit of the normal",
        "Renal insufficiency as defined by a serum creatinine > 1.5 times the upper limit",
    ]
    assert all(item.depth == 0 for item in items)


def test_it_nests_a_collapsed_restarted_numbered_list_under_its_item_in_nct02943850() -> None:
    items = split_criteria(criteria("NCT02943850"))
    exclusion = [(item.text, item.depth, item.parent) for item in items if item.kind == EXC]

    assert len(texts(items, INC)) == 12
    assert texts(items, INC)[4] == "Male/Female; Age: 18 and older"
    assert exclusion == [
        ("Using invasive ventilatory assistance", 0, None),
        (
            "Diagnosis of another active or unstable medical illness that may interfere with "
            "study participation at discretion of PI",
            0,
            None,
        ),
        ("Presence of any of the following conditions:", 0, None),
        ("Current drug or alcohol abuse", 1, 14),
        ("Any known immunodeficiency syndrome", 1, 14),
        ("Unstable medical condition", 1, 14),
        (
            "Unstable psychiatric illness including psychosis and untreated major depression "
            "within 90 days of screening",
            1,
            14,
        ),
        ("P", 0, None),  # the record is cut off after "4. P"
    ]


def test_it_nests_collapsed_star_bullets_under_a_numbered_item_in_nct01605006() -> None:
    items = split_criteria(criteria("NCT01605006"))

    assert shape(items)[3:9] == [
        (INC, "Chronic hypoventilation was documented by at least one of the following:", 0, None),
        (INC, "FVC less than 50% predicted, or", 1, 3),
        (INC, "|MIP| less than 60 cmH2O, or", 1, 3),
        (INC, "PaCO2 greater than or equal to 45 mmHg, or", 1, 3),
        (
            INC,
            "Nocturnal SaO2 less than or equal to 88% for at least five continuous minutes",
            1,
            3,
        ),
        (INC, "Suitable surgical candidate.", 0, None),
    ]
    assert len(texts(items, EXC)) == 6


def test_it_nests_an_unindented_numbered_list_under_a_dash_item_in_nct03981536() -> None:
    items = split_criteria(criteria("NCT03981536"))

    assert [(item.text[:30], item.depth, item.parent) for item in items[:5]] == [
        ("All participants must adhere t", 0, None),
        ("Female patients of non-childbe", 0, None),
        ("Menopause: spontaneous amenorr", 1, 1),
        ("Surgical sterilization", 1, 1),
        ("Have possible, probable, proba", 0, None),
    ]
    assert items[2].text.endswith("selective estrogen receptor modulators, or chemotherapy)")
    assert items[0].section == "Inclusion Criteria"


def test_it_nests_indented_bullets_in_nct00982150() -> None:
    items = split_criteria(criteria("NCT00982150"))

    assert [(item.depth, item.parent) for item in items[4:11]] == [
        (0, None),
        *[(1, 4)] * 5,
        (0, None),
    ]
    assert items[4].text == "Patients using any of the following:"
    assert items[8].text == "Chronic use of more than 600mg/day coenzyme Q10"


def test_it_joins_hard_wrapped_lines_in_nct00214110() -> None:
    items = split_criteria(criteria("NCT00214110"))

    assert texts(items, INC) == [
        "clinically probable-laboratory supported, clinically probable, or clinically definite "
        "amyotrophic lateral sclerosis"
    ]
    assert texts(items, EXC)[3] == (
        "Clinically significant cardiac, pulmonary, gastrointestinal, hematologic, or endocrine "
        "(poorly controlled insulin-dependent diabetes mellitus or hyperthyroidism) disease that "
        "may confound interpretation of the study results."
    )
    assert len(texts(items, EXC)) == 6


def test_it_keeps_a_line_that_lost_its_marker_as_its_own_item_in_nct02682030() -> None:
    items = split_criteria(criteria("NCT02682030"))

    assert texts(items, EXC)[:3] == [
        "Any contraindication for pulmonary ventilation scan including allergy to radioisotopes",
        "Any contraindication for use of a pulmonary clearance device",
        "Susceptibility to pneumothorax",
    ]


def test_it_does_not_split_at_parenthesised_numbers_in_prose_in_nct06889857() -> None:
    items = split_criteria(criteria("NCT06889857"))

    assert texts(items, INC)[:2] == [
        "Patients who meet the following inclusion criteria (1) to (6) at the time of Informed "
        "consent",
        "Patients who have provided written informed consent to participate in the study.",
    ]
    assert len(texts(items, INC)) == 7
    assert len(texts(items, EXC)) == 14


def test_it_keeps_text_before_the_first_heading_unclassified_in_nct00696332() -> None:
    items = split_criteria(criteria("NCT00696332"))

    assert items[0].kind == UNC
    assert items[0].section == ""
    assert items[0].text.startswith("Subjects with sporadic or familial ALS")
    assert [len(texts(items, kind)) for kind in (INC, EXC)] == [6, 5]


def test_it_marks_a_combined_inclusion_and_exclusion_list_unclassified_in_nct00786032() -> None:
    items = split_criteria(criteria("NCT00786032"))

    assert {item.kind for item in items} == {UNC}
    assert {item.section for item in items} == {"Inclusion and Exclusion Criteria"}
    assert len(items) == 13
    assert items[2].text == "Subject will be an adult (age >18)."


def test_it_merges_a_heading_directly_under_another_in_nct02588677() -> None:
    items = split_criteria(criteria("NCT02588677"))

    assert [(item.kind, item.section) for item in items] == [
        (INC, "Inclusion Criteria / Main inclusion criteria"),
    ] * 3 + [(EXC, "Exclusion Criteria")]


def test_it_splits_collapsed_text_with_a_numbered_list_after_a_preamble_in_nct01565395() -> None:
    items = split_criteria(criteria("NCT01565395"))

    assert [item.text[:25] for item in items if item.kind == INC] == [
        "Hypothesis: Xeomin® injec",
        "Patients diagnosed with A",
        "PD, Multiple Systems Atro",
        "Swallowing function: FOIS",
        "If patients have been tre",
        "If they are on other medi",
        "Women of child bearing ag",
    ]
    assert "FOIS scale* 5 or greater" in items[3].text
    assert {item.section for item in items if item.kind == EXC} == {"Exclusion criteria"}
    assert texts(items, EXC)[:2] == ["For both PD and ALS:", "Current use of Coumadin"]


# --- Collapsed one-line text ----------------------------------------------------------------


def test_it_splits_collapsed_bullets_and_numbers_under_inline_headings() -> None:
    items = split_criteria(
        "Inclusion Criteria: * Age 18; * ALS Exclusion Criteria: 1. Pregnancy 2. Dementia"
    )

    assert shape(items) == [
        (INC, "Age 18;", 0, None),
        (INC, "ALS", 0, None),
        (EXC, "Pregnancy", 0, None),
        (EXC, "Dementia", 0, None),
    ]
    assert [item.section for item in items] == ["Inclusion Criteria"] * 2 + [
        "Exclusion Criteria"
    ] * 2


def test_it_splits_collapsed_numbered_items() -> None:
    text = (
        "1. Male or female, aged 18-80 years of age 2. Sporadic or familial ALS for 1.5 years "
        "3. Less than or equal to 18 months since onset 4. FVC ≥ 60%"
    )

    assert texts(split_criteria(text)) == [
        "Male or female, aged 18-80 years of age",
        "Sporadic or familial ALS for 1.5 years",
        "Less than or equal to 18 months since onset",
        "FVC ≥ 60%",
    ]


def test_it_does_not_split_at_a_number_that_breaks_the_sequence() -> None:
    text = "Inclusion Criteria: 1. Disease duration 30 days 5. or less 2. Riluzole 1. taken daily"

    assert texts(split_criteria(text)) == [
        "Disease duration 30 days 5. or less",
        "Riluzole 1. taken daily",
    ]


def test_it_does_not_split_at_the_expected_number_when_it_is_a_quantity() -> None:
    text = "1. ALSFRS-R ≥ 2. Walking item at least 2. Or more 2. Age 18-80 years"

    assert texts(split_criteria(text)) == [
        "ALSFRS-R ≥ 2. Walking item at least 2. Or more",
        "Age 18-80 years",
    ]


def test_it_splits_after_a_sentence_ending_in_a_quantity_word() -> None:
    text = "1. Lives with a caregiver for at least one year. 2. Age 18-80"

    assert texts(split_criteria(text)) == [
        "Lives with a caregiver for at least one year.",
        "Age 18-80",
    ]


def test_it_starts_a_list_mid_sentence_only_when_its_second_item_follows() -> None:
    text = "Inclusion Criteria: Patients meeting criteria (1) to (3) at screening 1. Age 18 2. ALS"

    assert texts(split_criteria(text)) == [
        "Patients meeting criteria (1) to (3) at screening",
        "Age 18",
        "ALS",
    ]


def test_it_does_not_split_at_a_dash_inside_a_line() -> None:
    items = split_criteria(
        "Inclusion Criteria:- Males and females, age 21 years - 75 years\n- Healthy"
    )

    assert texts(items) == ["Males and females, age 21 years - 75 years", "Healthy"]
    assert items[0].section == "Inclusion Criteria"


def test_it_does_not_split_at_a_star_between_numbers() -> None:
    items = split_criteria("Inclusion Criteria: * Platelets ≥ 100 * 10^9/L * Age 18")

    assert texts(items) == ["Platelets ≥ 100 * 10^9/L", "Age 18"]


def test_it_splits_inline_stars_after_a_colon_as_sub_items() -> None:
    text = "Inclusion Criteria: 1. Age 18 2. One of: * FVC < 50% * MIP < 60 3. Consent"

    assert shape(split_criteria(text)) == [
        (INC, "Age 18", 0, None),
        (INC, "One of:", 0, None),
        (INC, "FVC < 50%", 1, 1),
        (INC, "MIP < 60", 1, 1),
        (INC, "Consent", 0, None),
    ]


def test_it_nests_a_restarted_collapsed_list_when_the_outer_list_resumes() -> None:
    text = (
        "Exclusion Criteria: 1. Ventilation 2. Any of these conditions "
        "1. Cancer 2. HIV 3. Stroke 3. Pregnancy"
    )

    assert shape(split_criteria(text)) == [
        (EXC, "Ventilation", 0, None),
        (EXC, "Any of these conditions", 0, None),
        (EXC, "Cancer", 1, 1),
        (EXC, "HIV", 1, 1),
        (EXC, "Stroke", 1, 1),
        (EXC, "Pregnancy", 0, None),
    ]


def test_it_keeps_a_restarted_collapsed_list_flat_after_a_label_sentence() -> None:
    text = (
        "Inclusion Criteria: For ALS: 1. Age 20-80. For PD: 1. PD diagnosis. "
        "Both: 1. Consent 2. FOIS 5"
    )

    assert shape(split_criteria(text)) == [
        (INC, "For ALS:", 0, None),
        (INC, "Age 20-80. For PD:", 1, 0),
        (INC, "PD diagnosis. Both:", 1, 0),
        (INC, "Consent", 1, 0),
        (INC, "FOIS 5", 1, 0),
    ]


# --- Hard wraps and missing markers ---------------------------------------------------------


def test_it_joins_hard_wrapped_lines_into_their_item() -> None:
    text = (
        "Exclusion Criteria:\n\n"
        "- Clinically significant cardiac, pulmonary, gastrointestinal, or endocrine\n"
        "(poorly controlled diabetes) disease\n"
        "that may confound interpretation of the results.\n\n"
        "- Significant hepatic or renal disease (AST > 5 times normal, serum creatinine > 2.0\n"
        "mg/dL for males).\n"
        "- A diagnosis of neurologic disease known to mimic the muscle atrophy or weakness\n"
        "ALS, MS or muscular dystrophy."
    )

    assert texts(split_criteria(text)) == [
        "Clinically significant cardiac, pulmonary, gastrointestinal, or endocrine (poorly "
        "controlled diabetes) disease that may confound interpretation of the results.",
        "Significant hepatic or renal disease (AST > 5 times normal, serum creatinine > 2.0 mg/dL "
        "for males).",
        "A diagnosis of neurologic disease known to mimic the muscle atrophy or weakness ALS, MS "
        "or muscular dystrophy.",
    ]


def test_it_joins_an_indented_paragraph_to_its_item() -> None:
    text = (
        "1. Women of childbearing potential must use contraception.\n\n"
        "   Adequate methods are listed.\n"
        "2. Age 18"
    )

    assert texts(split_criteria(text)) == [
        "Women of childbearing potential must use contraception. Adequate methods are listed.",
        "Age 18",
    ]


def test_it_keeps_a_short_line_followed_by_a_capitalised_line_as_two_items() -> None:
    text = (
        "Exclusion Criteria:\n"
        "- Any contraindication for pulmonary ventilation scan including allergy to radioisotopes\n"
        "Any contraindication for use of a pulmonary clearance device\n"
        "- Susceptibility to pneumothorax, recent barotrauma or unstable head or neck injury or "
        "active hemorrhage"
    )

    assert texts(split_criteria(text)) == [
        "Any contraindication for pulmonary ventilation scan including allergy to radioisotopes",
        "Any contraindication for use of a pulmonary clearance device",
        "Susceptibility to pneumothorax, recent barotrauma or unstable head or neck injury or "
        "active hemorrhage",
    ]


def test_it_does_not_take_a_wrapped_line_starting_with_an_initial_for_a_letter_marker() -> None:
    text = "- History of\nC. difficile infection\n- Age 18"

    assert texts(split_criteria(text)) == ["History of C. difficile infection", "Age 18"]


def test_it_keeps_paragraphs_after_a_blank_line_apart() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "Subjects must fulfil ALL of the following criteria:\n\n"
        "- Written informed consent"
    )

    assert shape(split_criteria(text)) == [
        (INC, "Subjects must fulfil ALL of the following criteria:", 0, None),
        (INC, "Written informed consent", 0, None),
    ]


# --- Nesting --------------------------------------------------------------------------------


def test_it_nests_bullets_by_indentation() -> None:
    text = (
        "* Any of:\n  * Cancer\n  * Infection:\n    * HIV\n    * Hepatitis\n  * Stroke\n* Pregnancy"
    )

    assert shape(split_criteria(text)) == [
        (UNC, "Any of:", 0, None),
        (UNC, "Cancer", 1, 0),
        (UNC, "Infection:", 1, 0),
        (UNC, "HIV", 2, 2),
        (UNC, "Hepatitis", 2, 2),
        (UNC, "Stroke", 1, 0),
        (UNC, "Pregnancy", 0, None),
    ]


def test_it_nests_indented_dash_bullets_inside_a_numbered_list() -> None:
    text = "Exclusion Criteria:\n1. Use of any of:\n   - lithium\n   - minocycline\n2. Pregnancy"

    assert shape(split_criteria(text)) == [
        (EXC, "Use of any of:", 0, None),
        (EXC, "lithium", 1, 0),
        (EXC, "minocycline", 1, 0),
        (EXC, "Pregnancy", 0, None),
    ]


def test_it_nests_unindented_dash_bullets_when_the_numbered_list_resumes() -> None:
    text = "1. Use of drugs\n- lithium\n- minocycline\n2. Pregnancy"

    assert [(item.text, item.depth, item.parent) for item in split_criteria(text)] == [
        ("Use of drugs", 0, None),
        ("lithium", 1, 0),
        ("minocycline", 1, 0),
        ("Pregnancy", 0, None),
    ]


def test_it_keeps_a_list_after_a_list_flat_when_nothing_says_it_is_nested() -> None:
    text = "1. Age 18\n2. ALS\n- Consent\n- FVC 60%"

    assert [(item.depth, item.parent) for item in split_criteria(text)] == [(0, None)] * 4


def test_it_nests_lettered_and_roman_items() -> None:
    text = (
        "1. Either:\n   a. riluzole\n   b. edaravone\n"
        "2. Both:\n   i. FVC\n   ii. SVC\n   iii. MIP\n"
        "3. Age"
    )

    assert [(item.text, item.depth, item.parent) for item in split_criteria(text)] == [
        ("Either:", 0, None),
        ("riluzole", 1, 0),
        ("edaravone", 1, 0),
        ("Both:", 0, None),
        ("FVC", 1, 3),
        ("SVC", 1, 3),
        ("MIP", 1, 3),
        ("Age", 0, None),
    ]


def test_it_makes_a_short_sub_heading_the_parent_of_its_list() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "DISEASE CHARACTERISTICS:\n\n* Diagnosis of ALS\n* Onset < 3 years\n\n"
        "PATIENT CHARACTERISTICS:\n\nAge:\n\n* 18 and over"
    )

    assert shape(split_criteria(text)) == [
        (INC, "DISEASE CHARACTERISTICS:", 0, None),
        (INC, "Diagnosis of ALS", 1, 0),
        (INC, "Onset < 3 years", 1, 0),
        (INC, "PATIENT CHARACTERISTICS:", 0, None),
        (INC, "Age:", 0, None),
        (INC, "18 and over", 1, 4),
    ]


def test_it_keeps_a_long_introduction_as_a_plain_item() -> None:
    text = (
        "Exclusion Criteria:\nConcomitant of other systemic disease or diseases:\n"
        "- diabetes\n- cancer"
    )

    assert [(item.text, item.depth) for item in split_criteria(text)] == [
        ("Concomitant of other systemic disease or diseases:", 0),
        ("diabetes", 0),
        ("cancer", 0),
    ]


# --- Markers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "* Age 18\n* ALS",
        "- Age 18\n- ALS",
        "• Age 18\n• ALS",
        "· Age 18\n· ALS",
        "+ Age 18\n+ ALS",
        "1. Age 18\n2. ALS",
        "1) Age 18\n2) ALS",
        "(1) Age 18\n(2) ALS",
        "a. Age 18\nb. ALS",
        "a) Age 18\nb) ALS",
        "(a) Age 18\n(b) ALS",
        "A. Age 18\nB. ALS",
        "i. Age 18\nii. ALS",
        "I. Age 18\nII. ALS",
        "(i) Age 18\n(ii) ALS",
        "① Age 18\n② ALS",
        "①Age 18②ALS",
        "  1. Age 18\n  2. ALS",
        "\t- Age 18\n\t- ALS",
    ],
)
def test_it_removes_every_kind_of_list_marker(text: str) -> None:
    items = split_criteria(text)

    assert shape(items) == [(UNC, "Age 18", 0, None), (UNC, "ALS", 0, None)]


def test_it_splits_circled_numbers_inline() -> None:
    items = split_criteria("Inclusion Criteria: ①Age 18-75 ②Diagnosed with ALS ③Signed consent")

    assert texts(items, INC) == ["Age 18-75", "Diagnosed with ALS", "Signed consent"]


def test_it_splits_lettered_items_inline_only_in_sequence() -> None:
    items = split_criteria(
        "Exclusion Criteria: (a) Dr. A. Smith's patients (b) Vitamin D. deficiency"
    )

    assert texts(items) == ["Dr. A. Smith's patients", "Vitamin D. deficiency"]


# --- Headings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "kind", "section"),
    [
        ("Inclusion Criteria:", INC, "Inclusion Criteria"),
        ("inclusion criteria:", INC, "inclusion criteria"),
        ("INCLUSION CRITERIA", INC, "INCLUSION CRITERIA"),
        ("Inclusion Criteria", INC, "Inclusion Criteria"),
        ("Exclusion criteria", EXC, "Exclusion criteria"),
        ("Key Inclusion Criteria:", INC, "Key Inclusion Criteria"),
        ("Main Exclusion Criteria", EXC, "Main Exclusion Criteria"),
        ("Major inclusion criteria:", INC, "Major inclusion criteria"),
        ("General Exclusion Criteria:", EXC, "General Exclusion Criteria"),
        ("Disease-specific Inclusion Criteria:", INC, "Disease-specific Inclusion Criteria"),
        ("Inclusion criteria for Part A:", INC, "Inclusion criteria for Part A"),
        ("Exclusion Criteria (Main Study)", EXC, "Exclusion Criteria (Main Study)"),
        ("Part B Exclusion Criteria", EXC, "Part B Exclusion Criteria"),
        (
            "Open-label extension: Inclusion Criteria",
            INC,
            "Open-label extension: Inclusion Criteria",
        ),
        ("Cohort 2 inclusion criteria", INC, "Cohort 2 inclusion criteria"),
        ("Main inclusion criteria include:", INC, "Main inclusion criteria include"),
        ("Inclusion:", INC, "Inclusion"),
        ("EXCLUSION:", EXC, "EXCLUSION"),
        ("Non-inclusion criteria:", EXC, "Non-inclusion criteria"),
        ("Inclusion and Exclusion Criteria:", UNC, "Inclusion and Exclusion Criteria"),
        ("* Exclusion Criteria:", EXC, "Exclusion Criteria"),
    ],
)
def test_it_recognises_headings_in_their_many_forms(
    heading: str, kind: ItemKind, section: str
) -> None:
    items = split_criteria(f"{heading}\n\n- Age 18\n- ALS")

    assert [(item.kind, item.section, item.text) for item in items] == [
        (kind, section, "Age 18"),
        (kind, section, "ALS"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "- Patients must meet all inclusion criteria\n- Age 18",
        "- Patients who do not meet the\ninclusion criteria\n- Age 18",
        "- Inclusion in other clinical trials\n- Age 18",
        "- Patients must meet all Inclusion Criteria: see above\n- Age 18",
        "- Comply with the diagnostic criteria and exclusion criteria for ALS\n- Age 18",
    ],
)
def test_it_does_not_take_a_mention_of_the_criteria_for_a_heading(text: str) -> None:
    items = split_criteria(text)

    assert {(item.kind, item.section) for item in items} == {(UNC, "")}
    assert len(items) == 2


def test_it_finds_headings_with_prefixes_inside_collapsed_text() -> None:
    text = (
        "Key Inclusion Criteria: * Age 18 * ALS Key Exclusion Criteria: * Pregnancy "
        "Exclusion: 1. Ventilation"
    )

    assert [(item.kind, item.section, item.text) for item in split_criteria(text)] == [
        (INC, "Key Inclusion Criteria", "Age 18"),
        (INC, "Key Inclusion Criteria", "ALS"),
        (EXC, "Key Exclusion Criteria", "Pregnancy"),
        (EXC, "Exclusion", "Ventilation"),
    ]


def test_it_finds_a_heading_without_a_colon_after_a_sentence() -> None:
    text = (
        "Inclusion Criteria Patients must be adults. "
        "Exclusion criteria For both groups: 1. Coumadin 2. Illness"
    )

    assert [(item.kind, item.text) for item in split_criteria(text)] == [
        (INC, "Patients must be adults."),
        (EXC, "For both groups:"),
        (EXC, "Coumadin"),
        (EXC, "Illness"),
    ]


def test_it_does_not_take_a_sentence_about_the_criteria_for_a_heading() -> None:
    text = "Inclusion Criteria: Hypothesis: safe. Inclusion criteria are as follows: 1. Age 2. ALS"

    assert texts(split_criteria(text)) == [
        "Hypothesis: safe. Inclusion criteria are as follows:",
        "Age",
        "ALS",
    ]


def test_it_keeps_the_part_of_a_study_in_the_section() -> None:
    text = (
        "Part A Inclusion Criteria:\n- Age 18\nPart A Exclusion Criteria:\n- Pregnancy\n\n"
        "Open-label extension: Inclusion Criteria\n- Completed Part A\n"
        "Cohort 2 exclusion criteria\n- Prior gene therapy"
    )

    assert [(item.kind, item.section, item.text) for item in split_criteria(text)] == [
        (INC, "Part A Inclusion Criteria", "Age 18"),
        (EXC, "Part A Exclusion Criteria", "Pregnancy"),
        (INC, "Open-label extension: Inclusion Criteria", "Completed Part A"),
        (EXC, "Cohort 2 exclusion criteria", "Prior gene therapy"),
    ]


def test_it_keeps_a_heading_with_nothing_under_it_for_review() -> None:
    items = split_criteria(
        "Inclusion Criteria:\n\nExclusion Criteria:\n- Pregnancy\n\nKey Inclusion Criteria:"
    )

    assert [(item.kind, item.section, item.text) for item in items] == [
        (UNC, "", "Inclusion Criteria"),
        (EXC, "Exclusion Criteria", "Pregnancy"),
        (UNC, "", "Key Inclusion Criteria"),
    ]


# --- Text outside headings ------------------------------------------------------------------


def test_it_keeps_items_without_any_heading_as_unclassified() -> None:
    items = split_criteria("- Diagnosis of ALS\n- Age 20 to 65\n- Neurological concomitant disease")

    assert shape(items) == [
        (UNC, "Diagnosis of ALS", 0, None),
        (UNC, "Age 20 to 65", 0, None),
        (UNC, "Neurological concomitant disease", 0, None),
    ]
    assert {item.section for item in items} == {""}


def test_it_splits_unmarked_text_without_headings_into_paragraphs() -> None:
    items = split_criteria("Adults with ALS.\n\nNo other neurological disease.")

    assert shape(items) == [
        (UNC, "Adults with ALS.", 0, None),
        (UNC, "No other neurological disease.", 0, None),
    ]


def test_it_keeps_a_preamble_before_the_first_heading() -> None:
    items = split_criteria(
        "Patients must meet all of the following:\n\nInclusion Criteria:\n- Age 18"
    )

    assert [(item.kind, item.section, item.text) for item in items] == [
        (UNC, "", "Patients must meet all of the following:"),
        (INC, "Inclusion Criteria", "Age 18"),
    ]


def test_it_keeps_unmarked_collapsed_prose_as_one_item_per_section() -> None:
    text = (
        "Inclusion Criteria: Diagnosis of ALS Between the ages of 21-85 "
        "Exclusion Criteria: Pregnancy Dementia"
    )

    assert texts(split_criteria(text)) == [
        "Diagnosis of ALS Between the ages of 21-85",
        "Pregnancy Dementia",
    ]


def test_it_returns_nothing_for_empty_text() -> None:
    assert split_criteria("") == []
    assert split_criteria("  \n\n ") == []


# --- Escapes and whitespace -----------------------------------------------------------------


def test_unescape_markdown_removes_backslash_escapes() -> None:
    assert (
        unescape_markdown(r"ALS-FRS\> = 24, FVC \>= 40%, age \< 80")
        == "ALS-FRS> = 24, FVC >= 40%, age < 80"
    )
    assert (
        unescape_markdown(r"\*\* note\_1 \[33\] a \= b, C:\\dir") == r"** note_1 [33] a = b, C:\dir"
    )
    assert unescape_markdown(r"no \escape here") == r"no \escape here"


def test_it_removes_escapes_from_items_and_ignores_escaped_markers() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "* FVC \\>= 40%\n"
        "* FOIS scale\\* 5 \\* or greater\n"
        "* \\|MIP\\| \\< 60\n"
        "\\* not a bullet"
    )

    assert texts(split_criteria(text)) == [
        "FVC >= 40%",
        "FOIS scale* 5 * or greater",
        "|MIP| < 60 * not a bullet",
    ]


def test_it_does_not_take_an_escaped_number_for_a_marker() -> None:
    assert texts(split_criteria("1\\. Age 18 2\\. ALS")) == ["1. Age 18 2. ALS"]


def test_it_splits_already_unescaped_text_the_same_way() -> None:
    escaped = "Inclusion Criteria:\n\n* ALS-FRS\\> = 24\n* FVC \\>= 40%"

    assert split_criteria(escaped) == split_criteria(unescape_markdown(escaped))


def test_it_collapses_whitespace_and_handles_windows_line_endings() -> None:
    items = split_criteria("Inclusion Criteria:\r\n\r\n-   Age   18\r\n    or older\t \r\n- ALS  ")

    assert texts(items) == ["Age 18 or older", "ALS"]


def test_it_does_not_take_a_line_starting_with_the_criteria_in_prose_for_a_heading() -> None:
    items = split_criteria("Inclusion criteria 1-3 must be met at screening\n- Age 18")

    assert {(item.kind, item.section) for item in items} == {(UNC, "")}
