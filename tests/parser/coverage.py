"""How much of the registry the parser structures, record by record.

    python -m tests.parser.coverage

An item counts when it mentions a measure of the vocabulary and sits under an inclusion or
exclusion heading; it is structured when the parser returns a rule for it (with or without a
note). Items without a rule are listed with the parser's reason.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from screening.engine.criteria_parser import mentioned_measures, parse_criterion
from trials.splitter import ItemKind, split_criteria

REGISTRY = Path(__file__).resolve().parents[2] / "fixtures" / "registry"


@dataclass
class RecordCoverage:
    nct_id: str
    items: int = 0
    mentioning: int = 0
    structured: int = 0
    fully: int = 0  # structured with an empty note
    missed: list[tuple[str, str]] = field(default_factory=list)  # (text, note)


def records() -> list[tuple[str, str]]:
    found = []
    for path in sorted(REGISTRY.glob("*.json")):
        study = json.loads(path.read_text(encoding="utf-8"))["protocolSection"]
        criteria = study.get("eligibilityModule", {}).get("eligibilityCriteria", "")
        found.append((study["identificationModule"]["nctId"], criteria))
    return found


def coverage() -> list[RecordCoverage]:
    report = []
    for nct_id, criteria in records():
        record = RecordCoverage(nct_id)
        for item in split_criteria(criteria):
            record.items += 1
            if item.kind is ItemKind.UNCLASSIFIED or not mentioned_measures(item.text):
                continue
            record.mentioning += 1
            parsed = parse_criterion(item.text, item.kind.value)
            if parsed.rule is None:
                record.missed.append((item.text, parsed.note))
            else:
                record.structured += 1
                record.fully += not parsed.note
        report.append(record)
    return report


def seconds_per_hundred_trials(repeats: int = 3) -> float:
    items = [(item.text, item.kind.value) for _, text in records() for item in split_criteria(text)]
    # CPU time of this process, so other work on the machine does not count.
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for text, kind in items:
            parse_criterion(text, kind)
        best = min(best, time.process_time() - start)
    return best * 100 / len(records())


def main() -> None:
    report = coverage()
    for record in report:
        share = f"{record.structured / record.mentioning:.0%}" if record.mentioning else "-"
        print(
            f"{record.nct_id}  items {record.items:3}  mentioning {record.mentioning:3}  "
            f"structured {record.structured:3} ({share:>4})  fully {record.fully:3}"
        )
    items = sum(r.items for r in report)
    mentioning = sum(r.mentioning for r in report)
    structured = sum(r.structured for r in report)
    fully = sum(r.fully for r in report)
    print(
        f"\n{len(report)} records, {items} items, {mentioning} mentioning a measure, "
        f"{structured} structured ({structured / mentioning:.1%}), {fully} with no note"
    )
    print(f"parse time: {seconds_per_hundred_trials():.3f} s per 100 trials\n\nNot structured:")
    for record in report:
        for text, note in record.missed:
            print(f"- {record.nct_id}: {text[:100]!r}\n    {note}")


if __name__ == "__main__":
    main()
