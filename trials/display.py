"""A trial as its page shows it: readable design codes and the criteria as nested lists."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from trials.models import Criterion, Trial

# ClinicalTrials.gov v2 design enums, in the words of its data dictionary. A code missing here
# (the registry adds some now and then) is shown tidied by `readable()`.
ALLOCATIONS = {
    "RANDOMIZED": "Allocation: randomized",
    "NON_RANDOMIZED": "Allocation: non-randomized",
    "NA": "Allocation: not applicable",
}
INTERVENTION_MODELS = {
    "SINGLE_GROUP": "Single group",
    "PARALLEL": "Parallel groups",
    "CROSSOVER": "Crossover",
    "FACTORIAL": "Factorial",
    "SEQUENTIAL": "Sequential",
}
MASKINGS = {
    "NONE": "No masking (open label)",
    "SINGLE": "Single masking",
    "DOUBLE": "Double masking",
    "TRIPLE": "Triple masking",
    "QUADRUPLE": "Quadruple masking",
}
PRIMARY_PURPOSES = {
    "ECT": "Purpose: educational/counseling/training",
}


def readable(code: str) -> str:
    return code.replace("_", " ").strip().capitalize()


def design_summary(trial: Trial) -> str:
    """ "Allocation: not applicable · Single group · No masking (open label) · Purpose: ..."."""
    parts = [
        ALLOCATIONS.get(trial.allocation, f"Allocation: {readable(trial.allocation).lower()}"),
        INTERVENTION_MODELS.get(trial.intervention_model, readable(trial.intervention_model)),
        MASKINGS.get(trial.masking, f"Masking: {readable(trial.masking).lower()}"),
        PRIMARY_PURPOSES.get(
            trial.primary_purpose, f"Purpose: {readable(trial.primary_purpose).lower()}"
        ),
    ]
    given = [trial.allocation, trial.intervention_model, trial.masking, trial.primary_purpose]
    return " · ".join(part for part, code in zip(parts, given, strict=True) if code)


def intervention_labels(interventions: list[dict]) -> list[str]:
    # Every v2 intervention type reads well tidied: DIETARY_SUPPLEMENT -> "Dietary supplement".
    return [
        f"{readable(item['type'])}: {item.get('name', '')}" if item.get("type") else item["name"]
        for item in interventions
        if isinstance(item, dict) and (item.get("type") or item.get("name"))
    ]


@dataclass(frozen=True)
class CriterionItem:
    """One criterion in a page's nested list, with the list markup around it."""

    criterion: Criterion
    depth: int
    # Its <li> stays open around the <ol> of its sub-items.
    has_children: bool
    # Iterated by the template: one "</ol></li>" per nested list that ends after this item.
    closes: range


def criteria_items(criteria: Sequence[Criterion]) -> list[CriterionItem]:
    """The criteria in reading order, each under its parent, to render as nested lists.

    A flat list with depths rather than a tree, so the template needs no recursive include and
    no depth limit. An item whose parent is not among `criteria` (under another heading) starts
    a list of its own; items whose parent links loop are still all shown.
    """
    ids = {criterion.id for criterion in criteria}
    children: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in criteria:
        if criterion.parent_id in ids:
            children[criterion.parent_id].append(criterion)
    roots = [criterion for criterion in criteria if criterion.parent_id not in ids]

    ordered: list[tuple[Criterion, int]] = []
    seen: set[int] = set()
    # Members of a loop (an item its own parent, say) have no root above them: they come last,
    # as roots.
    for start in [*roots, *criteria]:
        stack = [(start, 0)]
        while stack:
            criterion, depth = stack.pop()
            if criterion.id in seen:
                continue
            seen.add(criterion.id)
            ordered.append((criterion, depth))
            stack.extend((child, depth + 1) for child in reversed(children[criterion.id]))

    items = []
    for index, (criterion, depth) in enumerate(ordered):
        next_depth = ordered[index + 1][1] if index + 1 < len(ordered) else 0
        has_children = next_depth > depth
        closes = range(0 if has_children else depth - next_depth)
        items.append(CriterionItem(criterion, depth, has_children, closes))
    return items
