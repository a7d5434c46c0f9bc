from collections import Counter

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.engine.criteria_parser import mentioned_measures
from trials.models import Criterion, Trial


class Command(BaseCommand):
    help = (
        "Report per trial and in total: criteria, structured, needs review, and the criteria "
        "that mention a known measure but have no rule (the parser's coverage gaps)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trial", nargs="+", default=[], metavar="NCT")
        parser.add_argument("--gaps", action="store_true", help="List every coverage gap.")

    def handle(self, *args, **options) -> None:
        trials = Trial.objects.order_by("nct_id").prefetch_related("criteria")
        if options["trial"]:
            trials = trials.filter(nct_id__in=[nct.upper() for nct in options["trial"]])
            if not trials:
                raise CommandError("None of those trials is loaded.")
        totals: Counter[str] = Counter()
        gaps: list[tuple[str, Criterion, frozenset[str]]] = []
        self.stdout.write(
            f"{'trial':<12} {'items':>5} {'rules':>5} {'review':>6} {'mention':>7} {'gaps':>4}"
        )
        for trial in trials:
            counts: Counter[str] = Counter()
            for criterion in trial.criteria.all():
                counts["items"] += 1
                counts["rules"] += bool(criterion.rule)
                counts["review"] += criterion.review_status == Criterion.ReviewStatus.NEEDS_REVIEW
                measures = mentioned_measures(criterion.text)
                if measures:
                    counts["mention"] += 1
                    # Under no heading, a criterion cannot be structured until a curator says
                    # whether it includes or excludes; counted apart.
                    if criterion.kind == Criterion.Kind.UNCLASSIFIED:
                        counts["unclassified"] += 1
                    if not criterion.rule:
                        counts["gaps"] += 1
                        gaps.append((trial.nct_id, criterion, measures))
            totals.update(counts)
            self.stdout.write(self.row(trial.nct_id, counts))
        self.stdout.write(self.row("total", totals))
        mentioned, structured = totals["mention"], totals["mention"] - totals["gaps"]
        if mentioned:
            self.stdout.write(
                f"Criteria that mention a known measure and are structured: "
                f"{structured}/{mentioned} ({100 * structured / mentioned:.1f}%)"
            )
        if classified := mentioned - totals["unclassified"]:
            self.stdout.write(
                f"The same under an inclusion or exclusion heading: "
                f"{structured}/{classified} ({100 * structured / classified:.1f}%)"
            )
        if options["gaps"]:
            for nct_id, criterion, measures in gaps:
                self.stdout.write(
                    f"\n{nct_id} [{', '.join(sorted(measures))}] {criterion.text}\n"
                    f"    {criterion.rule_note or 'no note'}"
                )

    def row(self, label: str, counts: Counter[str]) -> str:
        return (
            f"{label:<12} {counts['items']:>5} {counts['rules']:>5} {counts['review']:>6} "
            f"{counts['mention']:>7} {counts['gaps']:>4}"
        )
