"""The eligibility engine: plain Python (stdlib and lark), no Django.

vocabulary: the measures a patient, a rule and a form can name; patient: reading a patient;
language: the rule language; evaluator: screening a patient against trials.
"""

from screening.engine.evaluator import (
    CriterionResult,
    CriterionSpec,
    Kind,
    Outcome,
    TrialResult,
    TrialSpec,
    Verdict,
    evaluate_criterion,
    registry_criteria,
    result_to_json,
    screen,
    screen_trial,
)
from screening.engine.language import CompiledRule, RuleError, compile_rule
from screening.engine.logic import RuleResult, Truth
from screening.engine.patient import (
    DAYS_PER_MONTH,
    DateRange,
    Fact,
    Interval,
    Patient,
    PatientError,
    parse_text_value,
    read_patient,
    read_patient_lenient,
    read_screening_date,
)
from screening.engine.vocabulary import (
    ALSFRS_R_ITEMS,
    MEASURES,
    AlsfrsDomain,
    AlsfrsItem,
    Choice,
    Measure,
    MeasureType,
    Section,
    UnknownMeasureError,
    entered_inputs,
    measure,
)

__all__ = [
    "ALSFRS_R_ITEMS",
    "DAYS_PER_MONTH",
    "MEASURES",
    "AlsfrsDomain",
    "AlsfrsItem",
    "Choice",
    "CompiledRule",
    "CriterionResult",
    "CriterionSpec",
    "DateRange",
    "Fact",
    "Interval",
    "Kind",
    "Measure",
    "MeasureType",
    "Outcome",
    "Patient",
    "PatientError",
    "RuleError",
    "RuleResult",
    "Section",
    "TrialResult",
    "TrialSpec",
    "Truth",
    "UnknownMeasureError",
    "Verdict",
    "compile_rule",
    "entered_inputs",
    "evaluate_criterion",
    "measure",
    "parse_text_value",
    "read_patient",
    "read_patient_lenient",
    "read_screening_date",
    "registry_criteria",
    "result_to_json",
    "screen",
    "screen_trial",
]
