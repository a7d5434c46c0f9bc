"""Small builders shared by the engine's tests."""

from datetime import date

from screening.engine import (
    CriterionSpec,
    Kind,
    Patient,
    TrialSpec,
    compile_rule,
    read_patient,
)

AS_OF = date(2025, 11, 22)


def patient(as_of: date = AS_OF, **data: object) -> Patient:
    return read_patient(data, as_of=as_of)


def criterion(rule: str | None, kind: Kind = Kind.INCLUSION, text: str = "") -> CriterionSpec:
    return CriterionSpec(
        key=text or rule, kind=kind, text=text or rule or "", rule=rule and compile_rule(rule)
    )


def trial(*criteria: CriterionSpec, nct_id: str = "NCT00000001") -> TrialSpec:
    return TrialSpec(key=nct_id, nct_id=nct_id, title=f"Trial {nct_id}", criteria=criteria)
