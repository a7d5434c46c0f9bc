"""Reading ClinicalTrials.gov API v2 study records into typed values.

Plain Python: everything here checks the shape of one study and says exactly what is wrong,
so the importer can report the record and go on with the next one.
"""

import decimal
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from trials.models import OverallStatus, Phase, Sex, StudyType, nct_id_validator

AGE_UNITS_IN_YEARS = {
    "year": Decimal(1),
    "month": Decimal(1) / Decimal(12),
    "week": Decimal(7) / Decimal("365.25"),
    "day": Decimal(1) / Decimal("365.25"),
    "hour": Decimal(1) / Decimal(24 * 365.25),
    "minute": Decimal(1) / Decimal(60 * 24 * 365.25),
}
AGE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+([A-Za-z]+?)s?\s*$")
NO_AGE_LIMIT = {"", "n/a", "na", "none"}
# Registry criteria texts are a few kilobytes; one far longer is not criteria, and splitting it
# would take minutes.
MAX_ELIGIBILITY_CHARACTERS = 100_000


class RecordError(ValueError):
    """A study record that cannot be imported; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class StudyRecord:
    nct_id: str
    fields: dict[str, Any]
    eligibility_text: str
    record_hash: str


def parse_age(text: str | None) -> Decimal | None:
    """'18 Years' -> 18, '6 Months' -> 0.5; absent or 'N/A' means no limit (None)."""
    if text is None or text.strip().lower() in NO_AGE_LIMIT:
        return None
    match = AGE_PATTERN.match(text)
    unit = match and match.group(2).lower()
    if not match or unit not in AGE_UNITS_IN_YEARS:
        raise RecordError(
            f"age {text!r} is not a number followed by Years, Months, Weeks, Days, Hours or Minutes"
        )
    years = Decimal(match.group(1)) * AGE_UNITS_IN_YEARS[unit]
    try:
        return years.quantize(Decimal("0.0001"))
    except decimal.InvalidOperation:
        raise RecordError(f"age {text[:40]!r} is too large to be an age") from None


def parse_registry_date(text: str | None) -> date | None:
    """Registry dates are '2024-03-15' or '2024-03' (month precision: the first of the month)."""
    if not text:
        return None
    try:
        parts = [int(part) for part in text.split("-")]
        return date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    except (ValueError, IndexError):
        raise RecordError(f"date {text!r} is not YYYY-MM-DD or YYYY-MM") from None


# The registry's single phases, in order: a study lists one, or two that Phase names as a pair.
SINGLE_PHASES = ["EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"]


def phase_from_list(phases: list[str]) -> str:
    """The Phase code for a list of phases; "" when Phase cannot name the set.

    Order and repeats do not matter. Phase holds one phase or a registry pair: a set it cannot
    name is shown as "phase not given" rather than refusing the whole record, as the phase
    decides no verdict.
    """
    unknown = [phase for phase in phases if phase not in SINGLE_PHASES]
    if unknown:
        known = ", ".join(SINGLE_PHASES)
        raise RecordError(f"phases {unknown!r} are not registry phases ({known})")
    distinct = sorted(set(phases), key=SINGLE_PHASES.index)
    code = "_".join(distinct)
    return code if code in Phase.values else ""


def record_hash(study: dict[str, Any]) -> str:
    canonical = json.dumps(study, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    try:
        return hashlib.sha256(canonical.encode()).hexdigest()
    except UnicodeEncodeError:
        # JSON can spell an unpaired surrogate ("\ud800"); no database column can store it.
        raise RecordError("the record holds text that is not valid Unicode") from None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _module(section: dict[str, Any], name: str) -> dict[str, Any]:
    module = section.get(name, {})
    if not isinstance(module, dict):
        raise RecordError(f"protocolSection.{name} must be an object")
    return module


def _get(module: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = module.get(key)
    if value is not None and not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
        raise RecordError(f"{where}.{key} must be {names}, not {type(value).__name__}")
    return value


def _string_list(module: dict[str, Any], key: str, where: str) -> list[str]:
    values = _get(module, key, list, where) or []
    if not all(isinstance(value, str) for value in values):
        raise RecordError(f"{where}.{key} must be a list of strings")
    return values


def _choice(value: str | None, choices: type, where: str) -> str:
    if value is None or value == "":
        return ""
    if value not in choices.values:
        raise RecordError(f"{where} {value!r} is not one of {', '.join(choices.values)}")
    return value


def read_study(study: Any) -> StudyRecord:
    """Check one v2 study object and turn it into model field values."""
    if not isinstance(study, dict):
        raise RecordError(f"a study must be a JSON object, not {type(study).__name__}")
    protocol = study.get("protocolSection")
    if not isinstance(protocol, dict):
        raise RecordError("protocolSection is missing")
    ident = _module(protocol, "identificationModule")
    nct_id = _get(ident, "nctId", str, "identificationModule")
    if not nct_id:
        raise RecordError("identificationModule.nctId is missing")
    try:
        nct_id_validator(nct_id)
    except Exception:
        raise RecordError(f"nctId {nct_id!r} is not 'NCT' followed by 8 digits") from None

    status = _module(protocol, "statusModule")
    sponsor = _module(protocol, "sponsorCollaboratorsModule")
    conditions = _module(protocol, "conditionsModule")
    design = _module(protocol, "designModule")
    arms = _module(protocol, "armsInterventionsModule")
    eligibility = _module(protocol, "eligibilityModule")
    design_info = _get(design, "designInfo", dict, "designModule") or {}
    masking_info = _get(design_info, "maskingInfo", dict, "designInfo") or {}
    enrollment_info = _get(design, "enrollmentInfo", dict, "designModule") or {}
    lead_sponsor = _get(sponsor, "leadSponsor", dict, "sponsorCollaboratorsModule") or {}
    last_update = _get(status, "lastUpdatePostDateStruct", dict, "statusModule") or {}
    source = study.get("_source") if isinstance(study.get("_source"), dict) else {}

    enrollment = _get(enrollment_info, "count", int, "enrollmentInfo")
    if isinstance(enrollment, bool) or (enrollment is not None and enrollment < 0):
        raise RecordError("enrollmentInfo.count must be a whole number of participants")
    interventions = _get(arms, "interventions", list, "armsInterventionsModule") or []
    if not all(isinstance(item, dict) for item in interventions):
        raise RecordError("armsInterventionsModule.interventions must be a list of objects")
    condition_list = _string_list(conditions, "conditions", "conditionsModule")
    text = _get(eligibility, "eligibilityCriteria", str, "eligibilityModule") or ""
    if len(text) > MAX_ELIGIBILITY_CHARACTERS:
        raise RecordError(
            f"eligibilityModule.eligibilityCriteria is {len(text):,} characters, "
            f"over the limit of {MAX_ELIGIBILITY_CHARACTERS:,}"
        )
    minimum_age = _get(eligibility, "minimumAge", str, "eligibilityModule")
    maximum_age = _get(eligibility, "maximumAge", str, "eligibilityModule")
    minimum_years, maximum_years = parse_age(minimum_age), parse_age(maximum_age)
    if minimum_years is not None and maximum_years is not None and minimum_years > maximum_years:
        # Screening against it would turn every patient away for their age.
        raise RecordError(
            f"minimumAge {minimum_age!r} is above maximumAge {maximum_age!r}: no one could enrol"
        )

    fields = {
        "brief_title": _get(ident, "briefTitle", str, "identificationModule") or "",
        "official_title": _get(ident, "officialTitle", str, "identificationModule") or "",
        "acronym": _get(ident, "acronym", str, "identificationModule") or "",
        "overall_status": _choice(
            _get(status, "overallStatus", str, "statusModule"), OverallStatus, "overallStatus"
        ),
        "phase": phase_from_list(_string_list(design, "phases", "designModule")),
        "study_type": _choice(
            _get(design, "studyType", str, "designModule"), StudyType, "studyType"
        ),
        "conditions": condition_list,
        "conditions_search": "\n".join(condition_list).lower(),
        "interventions": [
            {"type": item.get("type", ""), "name": item.get("name", "")} for item in interventions
        ],
        "lead_sponsor": _get(lead_sponsor, "name", str, "leadSponsor") or "",
        "enrollment": enrollment,
        "enrollment_type": _get(enrollment_info, "type", str, "enrollmentInfo") or "",
        "allocation": _get(design_info, "allocation", str, "designInfo") or "",
        "intervention_model": _get(design_info, "interventionModel", str, "designInfo") or "",
        "primary_purpose": _get(design_info, "primaryPurpose", str, "designInfo") or "",
        "masking": _get(masking_info, "masking", str, "maskingInfo") or "",
        "minimum_age": minimum_age or "",
        "minimum_age_years": minimum_years,
        "maximum_age": maximum_age or "",
        "maximum_age_years": maximum_years,
        "sex": _choice(_get(eligibility, "sex", str, "eligibilityModule"), Sex, "sex") or Sex.ALL,
        "healthy_volunteers": _get(eligibility, "healthyVolunteers", bool, "eligibilityModule"),
        "last_update_posted": parse_registry_date(
            _get(last_update, "date", str, "lastUpdatePostDateStruct")
        ),
        "criteria_incomplete": source.get("truncated") is True,
        "source_url": source.get("url", "")
        if str(source.get("url", "")).startswith("http")
        else "",
    }
    return StudyRecord(
        nct_id=nct_id, fields=fields, eligibility_text=text, record_hash=record_hash(study)
    )
