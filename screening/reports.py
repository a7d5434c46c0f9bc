"""One screening, as JSON (the API and `manage.py screen --format json`) or as text."""

import json

from screening.engine import (
    Outcome,
    Patient,
    TrialResult,
    result_summary_json,
    result_to_json,
    results_json_text,
)

OUTCOME_MARKS = {
    Outcome.PASS: "ok",
    Outcome.FAIL: "FAIL",
    Outcome.UNKNOWN: "?",
    Outcome.NEEDS_REVIEW: "review",
    Outcome.NOT_APPLICABLE: "n/a",
}


def screening_json(patient: Patient, results: list[TrialResult]) -> dict:
    return {
        "as_of": patient.as_of.isoformat(),
        "patient": patient.to_json(),
        "results": [result_to_json(result) for result in results],
    }


def screening_json_text(patient: Patient, results: list[TrialResult]) -> str:
    """`json.dumps(screening_json(patient, results))`, to the character, built faster."""
    head = json.dumps({"as_of": patient.as_of.isoformat(), "patient": patient.to_json()})
    return f'{head[:-1]}, "results": {results_json_text(results)}}}'


def screening_summary_json(patient: Patient, results: list[TrialResult]) -> dict:
    return {
        "as_of": patient.as_of.isoformat(),
        "patient": patient.to_json(),
        "detail": "summary",
        "results": [result_summary_json(result) for result in results],
    }


def screening_text(patient: Patient, results: list[TrialResult]) -> str:
    lines = [f"Screening on {patient.as_of.isoformat()}, {len(results)} trial(s)"]
    for result in results:
        verdict = result.verdict.value.replace("_", " ").upper()
        lines.append("")
        lines.append(f"{result.trial.nct_id}  {verdict}  {result.trial.title}")
        if result.eligible_from:
            lines.append(f"  eligible from {result.eligible_from.isoformat()}")
        if result.window_closes:
            lines.append(f"  window closes {result.window_closes.isoformat()}")
        for criterion in result.criteria:
            mark = OUTCOME_MARKS[criterion.outcome]
            lines.append(f"  [{mark:>6}] {criterion.criterion.kind.value}: {criterion.explanation}")
    return "\n".join(lines)
