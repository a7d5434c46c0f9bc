"""`manage.py fuzz`: the hypothesis properties of tests/fuzz, with a budget too big for the
default test run. A development tool: it needs the dev dependencies and the tests folder."""

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Fuzz the splitter, the criteria parser, the rule language, the evaluator, the form "
        "reader and the importer's readers with hypothesis (tests/fuzz/properties.py)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--examples", type=int, default=20_000, help="Examples per property (20,000)."
        )
        parser.add_argument(
            "--only", action="append", default=[], metavar="NAME", help="Run only this property."
        )
        parser.add_argument("--seed", type=int, help="Make the run repeatable.")

    def handle(self, *args, **options) -> None:
        try:
            from hypothesis import HealthCheck, given, seed, settings

            from tests.fuzz.properties import PROPERTIES
        except ImportError as error:
            raise CommandError(
                f"fuzz needs the dev dependencies and the tests folder ({error}); "
                "install them with `pip install -e '.[dev]'`"
            ) from None
        names = [prop.name for prop in PROPERTIES]
        unknown = set(options["only"]) - set(names)
        if unknown:
            raise CommandError(f"No such property: {', '.join(sorted(unknown))}; try {names}")
        budget = settings(
            max_examples=options["examples"],
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        failed = []
        self.stdout.write(f"{'property':<16}{'examples':>10}{'seconds':>10}{'slowest':>11}  result")
        for prop in PROPERTIES:
            if options["only"] and prop.name not in options["only"]:
                continue
            tally: Counter[str] = Counter()
            slowest = [0.0]
            test = budget(given(prop.strategy)(counted(prop.check, tally, slowest)))
            if options["seed"] is not None:
                test = seed(options["seed"])(test)
            started = time.perf_counter()
            try:
                test()
                result = "ok"
            except Exception as error:  # a broken property: report it, go on with the next
                failed.append(prop.name)
                result = f"FAILED: {type(error).__name__}: {str(error)[:300]}"
            remarks = ", ".join(f"{n} {what}" for what, n in tally.items() if what != "examples")
            self.stdout.write(
                f"{prop.name:<16}{tally['examples']:>10,}{time.perf_counter() - started:>10.1f}"
                f"{slowest[0] * 1000:>9.0f}ms  {result}" + (f" ({remarks})" if remarks else "")
            )
        if failed:
            raise CommandError(f"{len(failed)} propert{'y' if len(failed) == 1 else 'ies'} failed")


def counted(check: Callable[[Any], str | None], tally: Counter[str], slowest: list[float]):
    """The check, counting examples and remarks and timing the slowest example."""

    def run(drawn: Any) -> None:
        started = time.perf_counter()
        remark = check(drawn)
        slowest[0] = max(slowest[0], time.perf_counter() - started)
        tally["examples"] += 1
        if remark:
            tally[remark] += 1

    return run
