from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from trials.models import Trial
from trials.reparse import ReparseReport, trial_reparse


class Command(BaseCommand):
    help = (
        "Run the criteria parser again over the stored criteria, printing each criterion it "
        "changes. Criteria a curator edited or reviewed (rule and note), and criteria needing "
        "review whose note a curator wrote, are kept unless --force is given; the history "
        "keeps every replaced rule and note."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--trial",
            dest="nct_ids",
            nargs="+",
            action="extend",
            default=[],
            metavar="NCT_ID",
            help="Only these trials (default: every trial).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Also replace what curators wrote (rule, note and status) with the parser's "
            "reading.",
        )

    def handle(self, *args, **options) -> None:
        trials = self.trials(options["nct_ids"])
        reports = []
        for trial in trials:
            report = trial_reparse(trial=trial, force=options["force"])
            self.stdout.write(str(report))
            for change in report.changes:
                self.stdout.write(f"  {change}")
            reports.append(report)
        self.stdout.write(total(reports))

    def trials(self, nct_ids: list[str]) -> QuerySet[Trial]:
        wanted = {nct_id.strip().upper() for nct_id in nct_ids}
        trials = Trial.objects.order_by("nct_id")
        if not wanted:
            return trials
        missing = wanted - set(trials.filter(nct_id__in=wanted).values_list("nct_id", flat=True))
        if missing:
            raise CommandError(f"No such trial: {', '.join(sorted(missing))}")
        return trials.filter(nct_id__in=wanted)


def total(reports: list[ReparseReport]) -> str:
    summed = ReparseReport(
        nct_id="Total",
        changed=sum(r.changed for r in reports),
        kept=sum(r.kept for r in reports),
        overwritten=sum(r.overwritten for r in reports),
    )
    trials = f"{len(reports)} trial{'' if len(reports) == 1 else 's'}"
    return f"{summed} over {trials}."
