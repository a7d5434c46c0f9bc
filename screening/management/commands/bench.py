import os
import time
from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from screening import benchmark
from trials.models import Trial


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"a whole number, not {text!r}") from None
    if value < 1:
        raise ArgumentTypeError("1 or more")
    return value


def sizes(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ArgumentTypeError(f"whole numbers separated by commas, not {text!r}") from None
    if not values or min(values) < 1:
        raise ArgumentTypeError("at least one size of 1 or more")
    return values


class Command(BaseCommand):
    help = (
        "Time import, catalogue loading, screening and the results request for N synthetic "
        "trials. Run it against a throwaway database: it empties the registry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", type=sizes, default=[100, 1000, 10_000])
        parser.add_argument(
            "--repeat", type=int, default=5, help="Runs per patient and measure (the best is kept)."
        )
        parser.add_argument(
            "--skip-import", action="store_true", help="Leave out the importer's throughput."
        )
        parser.add_argument(
            "--profile",
            action="store_true",
            help="Also print where one warm results request spends its time (cProfile).",
        )
        parser.add_argument(
            "--rules-per-trial",
            type=positive,
            metavar="N",
            help=(
                "Give each synthetic trial about N ruled criteria (15 is a real registry's), "
                "drawn from the real rules with their thresholds varied per trial (seeded), "
                "instead of the real trials' own few rules."
            ),
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Run even though the database holds trials (they are deleted).",
        )

    def handle(self, *args, **options) -> None:
        database = connection.settings_dict["NAME"]
        if Trial.objects.exists():
            if not options["clear"]:
                raise CommandError(
                    f"The database {database} holds trials and the benchmark deletes them. "
                    "Point DATABASE_URL at a throwaway database, or pass --clear."
                )
            # Through the ORM once, so whatever else refers to the trials goes with them.
            Trial.objects.all().delete()
        started, load = time.perf_counter(), os.getloadavg()
        results = benchmark.run(
            options["sizes"],
            repeat=max(1, options["repeat"]),
            with_import=not options["skip_import"],
            progress=lambda text: self.stderr.write(text),
            profile=self.stdout.write if options["profile"] else None,
            rules_per_trial=options["rules_per_trial"],
        )
        self.stdout.write(benchmark.table(results))
        self.stdout.write("")
        self.stdout.write(
            f"{benchmark.machine(load)}; {time.perf_counter() - started:,.0f} s in all; "
            f"times: the best of {options['repeat']} runs for each of the "
            f"{len(benchmark.PATIENTS)} patients, averaged over the patients, with the CPU "
            "time of this process in parentheses."
        )
        if options["rules_per_trial"]:
            self.stdout.write(
                f"Screening registry: about {options['rules_per_trial']} ruled criteria per "
                "trial, real rules with their thresholds redrawn per trial (seed "
                f"{benchmark.RULE_SEED}); the bulk clone's time includes drawing and compiling "
                "them."
            )
