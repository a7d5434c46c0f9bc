import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from trials.importing import BATCH_SIZE, ImportOutcome, RecordRefused, import_records
from trials.registry import RecordError, StudyRecord, read_study
from trials.sources import SourceError, Study, batches, studies_at, studies_from_api

# Only a well-formed NCT ID is echoed into a report line, never whatever the record holds.
NCT_ID = re.compile(r"NCT\d{8}")


class Command(BaseCommand):
    help = (
        "Import ClinicalTrials.gov API v2 study records: a study JSON, a page of studies, "
        "a folder of them, the bulk ctg-studies.json.zip, or --from-api."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="Files, folders or zips.")
        parser.add_argument(
            "--from-api",
            action="store_true",
            help="Page through the ClinicalTrials.gov /studies endpoint instead of reading files.",
        )
        parser.add_argument(
            "--condition", help="With --from-api: query.cond, e.g. 'amyotrophic lateral sclerosis'."
        )
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="With --from-api: another search parameter, e.g. filter.overallStatus=RECRUITING.",
        )
        parser.add_argument("--api-url", default=settings.CTGOV_API_URL, help="API base URL.")

    def handle(self, *args, **options) -> None:
        studies = self.studies(options)
        counts: Counter[ImportOutcome] = Counter()
        started = time.perf_counter()
        progress = tqdm(studies, unit=" studies", file=sys.stderr, disable=None)
        try:
            for batch in batches(progress, BATCH_SIZE):
                counts.update(self.import_batch(batch))
        except SourceError as error:
            raise CommandError(str(error)) from None
        finally:
            # Also when the source fails part-way: what was imported before it stays imported.
            progress.close()
            self.summarise(counts, time.perf_counter() - started)
        if counts[ImportOutcome.FAILED]:
            raise CommandError(f"{counts[ImportOutcome.FAILED]} record(s) failed; see above.")

    def summarise(self, counts: Counter[ImportOutcome], elapsed: float) -> None:
        summary = ", ".join(f"{counts[outcome]} {outcome}" for outcome in ImportOutcome)
        self.stdout.write(f"Imported in {elapsed:.1f}s: {summary}.")

    def studies(self, options: dict) -> Iterator[Study]:
        if options["from_api"]:
            if options["paths"]:
                raise CommandError("Give either paths or --from-api, not both.")
            return studies_from_api(options["api_url"], self.api_params(options))
        if not options["paths"]:
            raise CommandError("Give at least one file or folder, or --from-api.")
        missing = [str(path) for path in options["paths"] if not path.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        return (study for path in options["paths"] for study in studies_at(path))

    def api_params(self, options: dict) -> dict[str, str]:
        params = {"query.cond": options["condition"]} if options["condition"] else {}
        for pair in options["param"]:
            name, equals, value = pair.partition("=")
            if not equals or not name:
                raise CommandError(f"--param {pair!r} is not NAME=VALUE")
            params[name] = value
        if not params:
            raise CommandError("--from-api needs --condition or --param to narrow the search.")
        return params

    def import_batch(self, batch: list[Study]) -> list[ImportOutcome]:
        outcomes = []
        readable: list[tuple[Study, StudyRecord]] = []
        for study in batch:
            record = read(study)
            if isinstance(record, str):
                outcomes.append(self.failed(named(study), record))
            else:
                readable.append((study, record))
        results = import_records([record for _, record in readable])
        for (study, _), result in zip(readable, results, strict=True):
            if isinstance(result, ImportOutcome):
                outcomes.append(result)
            else:
                outcomes.append(self.failed(named(study), refusal(result)))
        return outcomes

    def failed(self, where: str, reason: str) -> ImportOutcome:
        self.stderr.write(f"FAILED {where}: {reason}")
        return ImportOutcome.FAILED


def named(study: Study) -> str:
    """Where the study was read, and its NCT ID when it has a valid one the place does not show."""
    try:
        nct_id = study.data["protocolSection"]["identificationModule"]["nctId"]
    except (TypeError, KeyError, IndexError):
        return study.where
    if not isinstance(nct_id, str) or not NCT_ID.fullmatch(nct_id) or nct_id in study.where:
        return study.where
    return f"{study.where} ({nct_id})"


def read(study: Study) -> StudyRecord | str:
    """The study's record, or why it cannot be read."""
    if study.error:
        return study.error
    try:
        return read_study(study.data)
    except RecordError as error:
        return str(error)


def refusal(error: RecordRefused) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    # e.g. PostgreSQL refuses a NUL character; the savepoint of this study is undone.
    return f"the database refused a value: {error}".strip()
