"""The patient vocabulary: every measure a patient record, a rule or a form can name, defined once.

The reader, the rule language, the evaluator, the screening form and the criteria parser all read
this module; nothing else lists measures. Names are the JSON keys of a patient record.
"""

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType


class MeasureType(StrEnum):
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CATEGORY = "category"
    SET = "set"
    DATE = "date"
    SCORES = "scores"  # the 12 ALSFRS-R item scores, in scale order


class Section(StrEnum):
    """The groups a screening form shows, in this order."""

    PATIENT = "patient"
    DIAGNOSIS = "diagnosis"
    FUNCTION = "function"
    BREATHING = "breathing"
    TREATMENTS = "treatments"
    OTHER = "other"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    type: MeasureType
    section: Section
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    # CATEGORY: the allowed values; SET: suggested members; BOOLEAN: the "yes" and "no" wording.
    choices: tuple[Choice, ...] = ()
    help_text: str = ""
    question: str = ""
    derived_from: tuple[str, ...] = ()

    @property
    def derived(self) -> bool:
        return bool(self.derived_from)

    def choice(self, value: str) -> Choice:
        for choice in self.choices:
            if choice.value == value:
                return choice
        raise ValueError(f"{value!r} is not a {self.label} value")


class AlsfrsDomain(StrEnum):
    BULBAR = "bulbar"
    FINE_MOTOR = "fine_motor"
    GROSS_MOTOR = "gross_motor"
    RESPIRATORY = "respiratory"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class AlsfrsItem:
    number: int  # position in the scale, 1-12 (10-12 are R-1..R-3)
    name: str
    label: str
    domain: AlsfrsDomain
    answers: tuple[str, str, str, str, str]  # wording for scores 4, 3, 2, 1, 0
    # Item 5 has an alternate form (5b) for people with a gastrostomy; one of the two is scored.
    answers_with_gastrostomy: tuple[str, str, str, str, str] | None = None

    @property
    def measure_name(self) -> str:
        return f"alsfrs_r_{self.name}"

    def choices(self, *, gastrostomy: bool = False) -> tuple[Choice, ...]:
        answers = (gastrostomy and self.answers_with_gastrostomy) or self.answers
        return tuple(
            Choice(str(score), f"{score} – {text}")
            for score, text in zip((4, 3, 2, 1, 0), answers, strict=True)
        )


# Anchors from Cedarbaum et al. 1999 (see docs/domain.md §1.1).
ALSFRS_R_ITEMS: tuple[AlsfrsItem, ...] = (
    AlsfrsItem(
        1,
        "speech",
        "Speech",
        AlsfrsDomain.BULBAR,
        (
            "Normal speech processes",
            "Detectable speech disturbance",
            "Intelligible with repeating",
            "Speech combined with nonvocal communication",
            "Loss of useful speech",
        ),
    ),
    AlsfrsItem(
        2,
        "salivation",
        "Salivation",
        AlsfrsDomain.BULBAR,
        (
            "Normal",
            "Slight but definite excess of saliva in mouth; may have nighttime drooling",
            "Moderately excessive saliva; may have minimal drooling",
            "Marked excess of saliva with some drooling",
            "Marked drooling; requires constant tissue or handkerchief",
        ),
    ),
    AlsfrsItem(
        3,
        "swallowing",
        "Swallowing",
        AlsfrsDomain.BULBAR,
        (
            "Normal eating habits",
            "Early eating problems – occasional choking",
            "Dietary consistency changes",
            "Needs supplemental tube feeding",
            "NPO (exclusively parenteral or enteral feeding)",
        ),
    ),
    AlsfrsItem(
        4,
        "handwriting",
        "Handwriting",
        AlsfrsDomain.FINE_MOTOR,
        (
            "Normal",
            "Slow or sloppy; all words legible",
            "Not all words are legible",
            "Able to grip pen but unable to write",
            "Unable to grip pen",
        ),
    ),
    AlsfrsItem(
        5,
        "cutting",
        "Cutting food and handling utensils",
        AlsfrsDomain.FINE_MOTOR,
        (
            "Normal",
            "Somewhat slow and clumsy, but no help needed",
            "Can cut most foods, although clumsy and slow; some help needed",
            "Food must be cut by someone, but can still feed slowly",
            "Needs to be fed",
        ),
        (
            "Normal",
            "Clumsy but able to perform all manipulations independently",
            "Some help needed with closures and fasteners",
            "Provides minimal assistance to caregiver",
            "Unable to perform any aspect of task",
        ),
    ),
    AlsfrsItem(
        6,
        "dressing",
        "Dressing and hygiene",
        AlsfrsDomain.FINE_MOTOR,
        (
            "Normal function",
            "Independent and complete self-care with effort or decreased efficiency",
            "Intermittent assistance or substitute methods",
            "Needs attendant for self-care",
            "Total dependence",
        ),
    ),
    AlsfrsItem(
        7,
        "turning",
        "Turning in bed and adjusting bed clothes",
        AlsfrsDomain.GROSS_MOTOR,
        (
            "Normal",
            "Somewhat slow and clumsy, but no help needed",
            "Can turn alone or adjust sheets, but with great difficulty",
            "Can initiate, but not turn or adjust sheets alone",
            "Helpless",
        ),
    ),
    AlsfrsItem(
        8,
        "walking",
        "Walking",
        AlsfrsDomain.GROSS_MOTOR,
        (
            "Normal",
            "Early ambulation difficulties",
            "Walks with assistance",
            "Nonambulatory functional movement",
            "No purposeful leg movement",
        ),
    ),
    AlsfrsItem(
        9,
        "stairs",
        "Climbing stairs",
        AlsfrsDomain.GROSS_MOTOR,
        ("Normal", "Slow", "Mild unsteadiness or fatigue", "Needs assistance", "Cannot do"),
    ),
    AlsfrsItem(
        10,
        "dyspnea",
        "Dyspnea",
        AlsfrsDomain.RESPIRATORY,
        (
            "None",
            "Occurs when walking",
            "Occurs with one or more of: eating, bathing, dressing",
            "Occurs at rest, difficulty breathing when either sitting or lying",
            "Significant difficulty, considering using mechanical respiratory support",
        ),
    ),
    AlsfrsItem(
        11,
        "orthopnea",
        "Orthopnea",
        AlsfrsDomain.RESPIRATORY,
        (
            "None",
            "Some difficulty sleeping at night due to shortness of breath; "
            "does not routinely use more than two pillows",
            "Needs extra pillows in order to sleep (more than two)",
            "Can only sleep sitting up",
            "Unable to sleep",
        ),
    ),
    AlsfrsItem(
        12,
        "respiratory_insufficiency",
        "Respiratory insufficiency",
        AlsfrsDomain.RESPIRATORY,
        (
            "None",
            "Intermittent use of BiPAP",
            "Continuous use of BiPAP during the night",
            "Continuous use of BiPAP during the night and day",
            "Invasive mechanical ventilation by intubation or tracheostomy",
        ),
    ),
)

ITEM_SCORE_MAX = 4


def _yes_no(yes: str, no: str) -> tuple[Choice, ...]:
    return (Choice("yes", yes), Choice("no", no))


_DATE_HELP = "YYYY-MM-DD, or YYYY-MM when the day is not known."
_DRUG_CHOICES = (
    Choice("never", "None (never taken)"),
    Choice("current", "Current"),
    Choice("past", "Past (stopped)"),
)


def _drug(name: str, label: str) -> tuple[Measure, ...]:
    return (
        Measure(
            name,
            f"{label} use",
            MeasureType.CATEGORY,
            Section.TREATMENTS,
            choices=_DRUG_CHOICES,
            question=f"Does the patient take {label.lower()}?",
        ),
        Measure(
            f"{name}_since",
            f"Start of the stable {label.lower()} dose",
            MeasureType.DATE,
            Section.TREATMENTS,
            help_text=f"{_DATE_HELP} Only while {label.lower()} use is current.",
            question=f"Since when has the patient been on the current {label.lower()} dose?",
        ),
        Measure(
            f"{name}_stable_days",
            f"Days on a stable {label.lower()} dose",
            MeasureType.INTEGER,
            Section.TREATMENTS,
            unit="days",
            minimum=0,
            maximum=36500,
            help_text=f"Days from the start of the current dose to the screening date, "
            f"while {label.lower()} use is current.",
            derived_from=(name, f"{name}_since"),
        ),
        Measure(
            f"{name}_stopped",
            f"{label} stopped",
            MeasureType.DATE,
            Section.TREATMENTS,
            help_text=f"{_DATE_HELP} Only when {label.lower()} use is past.",
            question=f"When did the patient stop taking {label.lower()}?",
        ),
        Measure(
            f"{name}_days_since_stopped",
            f"Days since stopping {label.lower()}",
            MeasureType.INTEGER,
            Section.TREATMENTS,
            unit="days",
            minimum=0,
            maximum=36500,
            help_text=f"Days from the last dose of {label.lower()} to the screening date, "
            f"when {label.lower()} use is past.",
            derived_from=(name, f"{name}_stopped"),
        ),
    )


def _alsfrs_measures() -> tuple[Measure, ...]:
    items = tuple(
        Measure(
            item.measure_name,
            f"ALSFRS-R {item.label.lower()}",
            MeasureType.INTEGER,
            Section.FUNCTION,
            unit="points",
            minimum=0,
            maximum=ITEM_SCORE_MAX,
            help_text=f"Item {item.number} of the ALSFRS-R.",
            derived_from=("alsfrs_r_items",),
        )
        for item in ALSFRS_R_ITEMS
    )
    lowest = Measure(
        "alsfrs_r_lowest_item",
        "Lowest ALSFRS-R item",
        MeasureType.INTEGER,
        Section.FUNCTION,
        unit="points",
        minimum=0,
        maximum=ITEM_SCORE_MAX,
        help_text="The lowest of the 12 item scores, for 'at least 2 on each item'.",
        derived_from=("alsfrs_r_items",),
    )
    subscores = tuple(
        Measure(
            f"alsfrs_r_{domain.value}",
            f"ALSFRS-R {domain.label} subscore",
            MeasureType.INTEGER,
            Section.FUNCTION,
            unit="points",
            minimum=0,
            maximum=ITEM_SCORE_MAX * 3,
            help_text="Items "
            + ", ".join(str(item.number) for item in ALSFRS_R_ITEMS if item.domain is domain)
            + " added up.",
            derived_from=("alsfrs_r_items",),
        )
        for domain in AlsfrsDomain
    )
    return (*items, lowest, *subscores)


# Labels of durations start with their unit ("Months since ...") so a value reads naturally in
# front of them: "18.4 months since symptom onset".
_MEASURES: tuple[Measure, ...] = (
    Measure(
        "age",
        "Age",
        MeasureType.INTEGER,
        Section.PATIENT,
        unit="years",
        minimum=0,
        maximum=120,
        help_text="Completed years. Worked out from the birth date when that is given.",
        question="How old is the patient, in years?",
    ),
    Measure(
        "birth_date",
        "Birth date",
        MeasureType.DATE,
        Section.PATIENT,
        help_text=_DATE_HELP,
        question="What is the patient's date of birth?",
    ),
    Measure(
        "sex",
        "Sex",
        MeasureType.CATEGORY,
        Section.PATIENT,
        choices=(Choice("female", "Female"), Choice("male", "Male")),
        question="What is the patient's sex?",
    ),
    Measure(
        "pregnant",
        "Pregnant",
        MeasureType.BOOLEAN,
        Section.PATIENT,
        choices=_yes_no("Pregnant", "Not pregnant"),
        question="Is the patient pregnant?",
    ),
    Measure(
        "breastfeeding",
        "Breastfeeding",
        MeasureType.BOOLEAN,
        Section.PATIENT,
        choices=_yes_no("Breastfeeding", "Not breastfeeding"),
        question="Is the patient breastfeeding?",
    ),
    Measure(
        "childbearing_potential",
        "Childbearing potential",
        MeasureType.BOOLEAN,
        Section.PATIENT,
        choices=_yes_no("Able to become pregnant", "Not able to become pregnant"),
        question="Could the patient become pregnant?",
    ),
    Measure(
        "contraception",
        "Effective contraception",
        MeasureType.BOOLEAN,
        Section.PATIENT,
        choices=_yes_no("Uses effective contraception", "Does not use effective contraception"),
        question="Does the patient use effective contraception?",
    ),
    Measure(
        "el_escorial",
        "El Escorial category",
        MeasureType.CATEGORY,
        Section.DIAGNOSIS,
        choices=(
            Choice("definite", "Clinically definite"),
            Choice("probable", "Clinically probable"),
            Choice("probable_laboratory_supported", "Clinically probable – laboratory-supported"),
            Choice("possible", "Clinically possible"),
            Choice("suspected", "Clinically suspected"),
        ),
        help_text="Diagnostic certainty by the revised El Escorial (Airlie House) criteria.",
        question="What is the patient's El Escorial diagnostic category?",
    ),
    Measure(
        "familial",
        "Familial ALS",
        MeasureType.BOOLEAN,
        Section.DIAGNOSIS,
        choices=_yes_no("Familial ALS", "No known family history of ALS"),
        question="Does the patient have familial ALS?",
    ),
    Measure(
        "gene_variants",
        "Pathogenic gene variants",
        MeasureType.SET,
        Section.DIAGNOSIS,
        choices=(
            Choice("SOD1", "SOD1"),
            Choice("C9orf72", "C9orf72 (repeat expansion)"),
            Choice("FUS", "FUS"),
            Choice("TARDBP", "TARDBP (TDP-43)"),
        ),
        help_text="Genes with a pathogenic or likely pathogenic variant. An empty list means "
        "tested and none found; leave it out when the patient was not tested.",
        question="In which genes was a pathogenic variant found?",
    ),
    Measure(
        "onset_region",
        "Onset region",
        MeasureType.CATEGORY,
        Section.DIAGNOSIS,
        choices=(
            Choice("bulbar", "Bulbar"),
            Choice("limb", "Limb"),
            Choice("respiratory", "Respiratory"),
            Choice("generalized", "Generalized"),
        ),
        question="Where did the first symptoms appear?",
    ),
    Measure(
        "symptom_onset",
        "Symptom onset",
        MeasureType.DATE,
        Section.DIAGNOSIS,
        help_text=_DATE_HELP,
        question="When did the first symptoms (weakness) start?",
    ),
    Measure(
        "diagnosis_date",
        "Diagnosis date",
        MeasureType.DATE,
        Section.DIAGNOSIS,
        help_text=_DATE_HELP,
        question="When was ALS diagnosed?",
    ),
    Measure(
        "months_since_onset",
        "Months since symptom onset",
        MeasureType.NUMBER,
        Section.DIAGNOSIS,
        unit="months",
        minimum=0,
        maximum=1200,
        help_text="A month is 30.4375 days.",
        derived_from=("symptom_onset",),
    ),
    Measure(
        "months_since_diagnosis",
        "Months since diagnosis",
        MeasureType.NUMBER,
        Section.DIAGNOSIS,
        unit="months",
        minimum=0,
        maximum=1200,
        help_text="A month is 30.4375 days.",
        derived_from=("diagnosis_date",),
    ),
    Measure(
        "months_onset_to_diagnosis",
        "Months from symptom onset to diagnosis",
        MeasureType.NUMBER,
        Section.DIAGNOSIS,
        unit="months",
        minimum=0,
        maximum=1200,
        help_text="The diagnostic delay. A month is 30.4375 days.",
        derived_from=("symptom_onset", "diagnosis_date"),
    ),
    Measure(
        "alsfrs_r",
        "ALSFRS-R total",
        MeasureType.INTEGER,
        Section.FUNCTION,
        unit="points",
        minimum=0,
        maximum=ITEM_SCORE_MAX * len(ALSFRS_R_ITEMS),
        help_text="0-48, higher is better. Added up from the item scores when those are given.",
        question="What is the patient's ALSFRS-R total score?",
    ),
    Measure(
        "alsfrs_r_items",
        "ALSFRS-R item scores",
        MeasureType.SCORES,
        Section.FUNCTION,
        minimum=0,
        maximum=ITEM_SCORE_MAX,
        help_text="The 12 item scores (0-4) in scale order; item 5 is 5a or 5b.",
        question="What did the patient score on each ALSFRS-R item?",
    ),
    *_alsfrs_measures(),
    Measure(
        "alsfrs_r_progression_rate",
        "ALSFRS-R progression rate",
        MeasureType.NUMBER,
        Section.FUNCTION,
        unit="points/month",
        minimum=0,
        help_text="(48 − ALSFRS-R total) / months since symptom onset (ΔFS, Kimura 2006).",
        derived_from=("alsfrs_r", "symptom_onset"),
    ),
    Measure(
        "norris_bulbar",
        "Bulbar Norris score",
        MeasureType.INTEGER,
        Section.FUNCTION,
        unit="points",
        minimum=0,
        maximum=39,
        question="What is the patient's bulbar Norris score?",
    ),
    Measure(
        "norris_limb",
        "Limb Norris score",
        MeasureType.INTEGER,
        Section.FUNCTION,
        unit="points",
        minimum=0,
        maximum=63,
        question="What is the patient's limb Norris score?",
    ),
    Measure(
        "fvc_percent",
        "FVC",
        MeasureType.NUMBER,
        Section.BREATHING,
        unit="% of predicted",
        minimum=0,
        maximum=200,
        help_text="Forced vital capacity, as the % of predicted reported by the lung function lab.",
        question="What is the patient's FVC, % of predicted?",
    ),
    Measure(
        "svc_percent",
        "SVC",
        MeasureType.NUMBER,
        Section.BREATHING,
        unit="% of predicted",
        minimum=0,
        maximum=200,
        help_text="Slow vital capacity, as the % of predicted reported by the lung function lab.",
        question="What is the patient's SVC, % of predicted?",
    ),
    Measure(
        "niv",
        "Non-invasive ventilation",
        MeasureType.BOOLEAN,
        Section.BREATHING,
        choices=_yes_no("Uses non-invasive ventilation", "No non-invasive ventilation"),
        help_text="BiPAP or other non-invasive ventilation.",
        question="Does the patient use non-invasive ventilation (BiPAP)?",
    ),
    Measure(
        "niv_hours_per_day",
        "NIV use",
        MeasureType.NUMBER,
        Section.BREATHING,
        unit="hours/day",
        minimum=0,
        maximum=24,
        question="How many hours a day does the patient use non-invasive ventilation?",
    ),
    Measure(
        "niv_while_awake",
        "NIV while awake",
        MeasureType.BOOLEAN,
        Section.BREATHING,
        choices=_yes_no("Uses non-invasive ventilation while awake", "No NIV while awake"),
        help_text="Any use during waking hours, not only at night or while asleep.",
        question="Does the patient use non-invasive ventilation while awake?",
    ),
    Measure(
        "tracheostomy",
        "Tracheostomy or invasive ventilation",
        MeasureType.BOOLEAN,
        Section.BREATHING,
        choices=_yes_no(
            "Has a tracheostomy or invasive ventilation", "No tracheostomy or invasive ventilation"
        ),
        question="Does the patient have a tracheostomy or invasive ventilation?",
    ),
    *_drug("riluzole", "Riluzole"),
    *_drug("edaravone", "Edaravone"),
    Measure(
        "edaravone_cycles",
        "Cycles of edaravone completed",
        MeasureType.INTEGER,
        Section.TREATMENTS,
        unit="cycles",
        minimum=0,
        maximum=100,
        help_text="Whole 28-day treatment cycles (dosing days, then the drug-free days) "
        "completed by the screening date; 0 when never taken.",
        question="How many edaravone treatment cycles has the patient completed?",
    ),
    Measure(
        "edaravone_route",
        "Edaravone route",
        MeasureType.CATEGORY,
        Section.TREATMENTS,
        choices=(
            Choice("intravenous", "Intravenous (infusion)"),
            Choice("oral", "Oral (suspension)"),
        ),
        help_text="How edaravone is taken, or was last taken; only when edaravone use is "
        "current or past.",
        question="How does the patient take edaravone (or how did they last take it)?",
    ),
    Measure(
        "gastrostomy",
        "Gastrostomy",
        MeasureType.BOOLEAN,
        Section.OTHER,
        choices=_yes_no("Has a gastrostomy", "No gastrostomy"),
        help_text="A feeding tube through the abdominal wall (PEG, RIG or PIG).",
        question="Does the patient have a gastrostomy (feeding tube)?",
    ),
    Measure(
        "weight_kg",
        "Weight",
        MeasureType.NUMBER,
        Section.OTHER,
        unit="kg",
        minimum=20,
        maximum=300,
        question="What does the patient weigh, in kg?",
    ),
    Measure(
        "bmi",
        "BMI",
        MeasureType.NUMBER,
        Section.OTHER,
        unit="kg/m²",
        minimum=10,
        maximum=70,
        help_text="Body-mass index.",
        question="What is the patient's body-mass index?",
    ),
)

MEASURES: Mapping[str, Measure] = MappingProxyType({m.name: m for m in _MEASURES})

BOOLEAN_WORDS: Mapping[str, bool] = MappingProxyType(
    {"yes": True, "no": False, "true": True, "false": False}
)

_SET_MEMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,19}")


class UnknownMeasureError(LookupError):
    def __init__(self, name: str) -> None:
        hint = suggestion(name)
        super().__init__(f"unknown measure {name!r}" + (f" (did you mean {hint}?)" if hint else ""))
        self.name = name


def suggestion(name: str) -> str | None:
    """The closest measure name to a misspelt one, if any is close."""
    close = difflib.get_close_matches(name.lower(), MEASURES, n=1, cutoff=0.6)
    return close[0] if close else None


def measure(name: str) -> Measure:
    try:
        return MEASURES[name]
    except KeyError:
        raise UnknownMeasureError(name) from None


def set_member(measure: Measure, text: str) -> str:
    """The canonical spelling of a member of a SET measure (a gene name).

    Suggested members keep their own spelling ("c9orf72" -> "C9orf72"); others are uppercased,
    as gene symbols are.
    """
    text = text.strip()
    for choice in measure.choices:
        if choice.value.lower() == text.lower():
            return choice.value
    if not _SET_MEMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a gene name")
    return text.upper()


@cache
def entered_inputs(name: str) -> frozenset[str]:
    """The measures a person enters to give this one a value (itself, when it is entered)."""
    found = measure(name)
    if not found.derived:
        return frozenset({name})
    return frozenset().union(*(entered_inputs(source) for source in found.derived_from))
