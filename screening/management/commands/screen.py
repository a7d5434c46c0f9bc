import json
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from screening.catalogue import current_catalogue
from screening.engine import PatientError, read_patient, screen
from screening.reports import screening_json, screening_text


def iso_date(text: str) -> date:
    return date.fromisoformat(text)


class Command(BaseCommand):
    help = "Screen one patient (a JSON file of the vocabulary's measures) against loaded trials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("patient", type=Path, help="Patient JSON file, or - for stdin.")
        parser.add_argument("--as-of", type=iso_date, help="Screening date, YYYY-MM-DD.")
        # "extend": `--trial A --trial B` screens both (with "store", the last one wins).
        parser.add_argument(
            "--trial", action="extend", nargs="+", default=[], metavar="NCT", help="Only these."
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options) -> None:
        data = self.read_json(options["patient"])
        try:
            patient = read_patient(data, as_of=options["as_of"])
        except PatientError as error:
            # Each message already starts with its field's name ("age: Age must be ...").
            self.fail_with([message for messages in error.errors.values() for message in messages])
        catalogue = current_catalogue()
        wanted = {nct.upper() for nct in options["trial"]}
        unknown = sorted(wanted - catalogue.info.keys())
        if unknown:
            self.fail_with([f"trial: {nct} is not loaded" for nct in unknown])
        results = screen(catalogue.select(wanted), patient)
        if options["format"] == "json":
            self.stdout.write(json.dumps(screening_json(patient, results), indent=2))
        else:
            self.stdout.write(screening_text(patient, results))

    def read_json(self, path: Path) -> object:
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
            return json.loads(text)
        except (OSError, UnicodeDecodeError) as error:
            self.fail_with([f"patient: cannot read {path}: {error}"])
        except json.JSONDecodeError as error:
            self.fail_with([f"patient: {path} is not JSON: {error.msg} (line {error.lineno})"])
        except RecursionError:
            self.fail_with([f"patient: {path} is nested too deeply"])

    def fail_with(self, lines: list[str]) -> None:
        for line in lines:
            self.stderr.write(line)
        raise SystemExit(2)
