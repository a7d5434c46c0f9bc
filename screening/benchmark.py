"""Timing the registry at scale (`manage.py bench`): synthetic trials cloned from the real ones.

Every size starts from an empty registry. Import goes through the real importer
(`read_study` + `import_records` in batches of `BATCH_SIZE`, as `import_trials` does, splitting
and parsing the text) with the 74 fixture records renumbered; screening runs against N trials
whose criteria and rules are copied with `bulk_create` from the imported and curated fixtures,
so the rules are the real ones.

With `rules_per_trial` (`--rules-per-trial 15`), each clone instead holds that many ruled
criteria, as a real registry's trials do: the real rules with their thresholds redrawn per trial,
so that trials seldom share a rule text and the engine judges many more distinct rules per
screening (it judges each distinct text once, whichever trials hold it).
"""

import copy
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import re
import resource
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import batched
from pathlib import Path
from random import Random

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import Resolver404, resolve

from screening import catalogue
from screening.engine import (
    Measure,
    MeasureType,
    RuleError,
    compile_rule,
    measure,
    read_patient,
    screen,
    wording,
)
from screening.reports import screening_json_text
from trials.curation import apply_curation, read_curation
from trials.importing import BATCH_SIZE, draft_criteria, import_records, trial_import
from trials.models import Criterion, Trial, registry_changed
from trials.registry import read_study

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SCREENED_ON = date(2026, 1, 15)
# Synthetic trials are NCT9xxxxxxx, a range ClinicalTrials.gov has not reached.
SYNTHETIC_FIRST = 90_000_000

SUMMARY = "/api/screen?detail=summary"

# The synthetic rules of `--rules-per-trial` are drawn from this seed and the trial's number, so a
# registry is the same from run to run and its first 100 trials are the same at every size.
RULE_SEED = 2026

# A measure and its threshold(s) in a compiled rule's canonical text: "fvc_percent >= 70",
# "age between 18 and 80". A quoted gene name ("SOD1") never follows a comparison.
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
_THRESHOLD = re.compile(
    rf"\b([a-z_][a-z0-9_]*) (?:between ({_NUMBER}) and ({_NUMBER})|([<>]=?|[!=]=) ({_NUMBER}))"
)

# Three people a clinic would screen: early and well, later with support, and half-known.
PATIENTS = (
    {
        "age": 54,
        "sex": "male",
        "el_escorial": "probable",
        "onset_region": "limb",
        "symptom_onset": "2024-11",
        "diagnosis_date": "2025-06-02",
        "alsfrs_r": 41,
        "fvc_percent": 86,
        "riluzole": "current",
        "riluzole_since": "2025-06-20",
        "edaravone": "never",
        "gastrostomy": False,
        "niv": False,
        "tracheostomy": False,
        "familial": False,
    },
    {
        "age": 66,
        "sex": "female",
        "pregnant": False,
        "childbearing_potential": False,
        "el_escorial": "definite",
        "onset_region": "bulbar",
        "symptom_onset": "2022-03",
        "diagnosis_date": "2022-12-14",
        "alsfrs_r": 29,
        "fvc_percent": 58,
        "niv": True,
        "niv_hours_per_day": 9,
        "gastrostomy": True,
        "riluzole": "past",
        "edaravone": "current",
        "edaravone_since": "2023-02-01",
    },
    {
        "age": 47,
        "sex": "male",
        "symptom_onset": "2025-02",
        "alsfrs_r": 44,
        "gene_variants": ["SOD1"],
        "familial": True,
    },
)

# The rows of the table, in order: (key, label).
ROWS = (
    ("trials", "trials in the registry"),
    ("criteria", "criteria (rows)"),
    ("ruled", "criteria with a rule"),
    ("distinct_rules", "distinct rule texts"),
    ("import_rate", "import + parse, real importer, trials/s (per CPU s)"),
    ("import_seconds", "import + parse, real importer, s (CPU s)"),
    ("parse_rate", "parse only, `draft_criteria`, trials/s (per CPU s)"),
    ("import_rss", "import: RSS growth during the import (MiB)"),
    ("clone_seconds", "bulk clone of the screening registry (s)"),
    ("db_read", "catalogue: read trials + criteria from the DB, ms (CPU ms)"),
    ("load", "catalogue: read + compile, cold, ms (CPU ms)"),
    ("catalogue_mib", "catalogue: memory held per process (MiB)"),
    ("evaluate", "one screening, engine only, ms (CPU ms)"),
    ("serialise", "one screening, encoding the API's JSON, ms (CPU ms)"),
    ("load_ratio", "read + compile ÷ engine-only screening"),
    ("api", "POST /api/screen through Django, warm, ms (CPU ms)"),
    ("api_cold", "POST /api/screen, first after a change, ms (CPU ms)"),
    ("api_queries", "POST /api/screen: queries, warm / cold"),
    ("api_kib", "POST /api/screen: response size (KiB)"),
    ("api_peak", "POST /api/screen: peak Python memory (MiB)"),
    ("summary", "POST /api/screen?detail=summary, warm, ms (CPU ms)"),
    ("summary_kib", "POST /api/screen?detail=summary: response size (KiB)"),
    ("page", "GET / screening page, blank form, ms (CPU ms)"),
    ("live", "POST / with HX-Request, live results, ms (CPU ms)"),
    ("live_queries", "POST / live results: queries, warm"),
    ("live_kib", "POST / live results: response size (KiB)"),
    ("live_all", "POST / live results with closed trials too, ms (CPU ms)"),
    ("live_all_kib", "POST / live results with closed trials too: size (KiB)"),
    ("baseline", "GET /trials/NCT…/ baseline page, ms (CPU ms)"),
    ("ratio", "POST /api/screen ÷ baseline"),
    ("live_ratio", "POST / live results ÷ baseline"),
    ("target", "target (1,000: 3 × baseline + 100 ms; 10,000: 1 s)"),
)


@dataclass
class Template:
    """One imported and curated trial, as the values a clone is made from."""

    trial: dict
    criteria: list[dict] = field(default_factory=list)  # parent is an index into this list


def _rss_mib() -> float:
    """The resident set size now (Linux), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tables() -> list[str]:
    models = [Criterion.history.model, Criterion, Trial.history.model, Trial]
    return [connection.ops.quote_name(model._meta.db_table) for model in models]


def clear_registry() -> None:
    """Empty the registry and its history, without per-row signals (fast at 100,000 rows)."""
    with transaction.atomic(), connection.cursor() as cursor:
        registry_changed(connection.alias)  # plain SQL deletes move no version on by themselves
        for table in _tables():
            cursor.execute(f"DELETE FROM {table}")
    catalogue._catalogues.clear()


def fixture_records() -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((FIXTURES / "registry").glob("*.json"))
    ]


def synthetic_records(records: list[dict], count: int, first: int) -> Iterator[dict]:
    """`count` v2 records cycling through the real ones, each under a new NCT ID."""
    for number in range(count):
        record = copy.copy(records[number % len(records)])
        protocol = record["protocolSection"] = dict(record["protocolSection"])
        ident = protocol["identificationModule"] = dict(protocol["identificationModule"])
        ident["nctId"] = f"NCT{first + number:08d}"
        yield record


def load_templates(records: list[dict]) -> list[Template]:
    """Import the real records once, apply the hand-checked rules, keep the rows in memory."""
    for record in records:
        trial_import(record=read_study(record))
    apply_curation(read_curation(FIXTURES / "curation.json"))
    skip = {"id", "nct_id", "updated_at"}
    templates = {}
    for trial in Trial.objects.order_by("nct_id"):
        values = {f.attname: getattr(trial, f.attname) for f in Trial._meta.concrete_fields}
        templates[trial.pk] = Template({k: v for k, v in values.items() if k not in skip})
    positions: dict[int, int] = {}
    for criterion in Criterion.objects.order_by("trial_id", "position"):
        template = templates[criterion.trial_id]
        positions[criterion.pk] = len(template.criteria)
        template.criteria.append(
            {
                "kind": criterion.kind,
                "position": criterion.position,
                "section": criterion.section,
                "text": criterion.text,
                "rule": criterion.rule,
                "rule_note": criterion.rule_note,
                "review_status": criterion.review_status,
                "parent": criterion.parent_id,
            }
        )
    for template in templates.values():
        for values in template.criteria:
            if values["parent"] is not None:
                values["parent"] = positions[values["parent"]]
    return list(templates.values())


def rule_pool(templates: list[Template]) -> list[dict]:
    """Each distinct real rule once per kind, with the values of the first criterion holding it."""
    pool: dict[tuple[str, str], dict] = {}
    for template in templates:
        for values in template.criteria:
            if values.get("rule"):
                rule = compile_rule(values["rule"]).source
                pool.setdefault((values["kind"], rule), {**values, "rule": rule})
    return list(pool.values())


def varied_threshold(m: Measure, value: float, random: Random) -> float:
    # Half to one and a half times the real threshold keeps a rule plausible (FVC >= 35 to 105),
    # so the mix of verdicts stays a real one; two decimals where the measure allows them spread
    # the trials over many more texts than real round thresholds would.
    varied = value * random.uniform(0.5, 1.5)
    varied = round(varied) if m.type is MeasureType.INTEGER else round(varied, 2)
    if m.minimum is not None:
        varied = max(varied, m.minimum)
    if m.maximum is not None:
        varied = min(varied, m.maximum)
    return varied


def varied_rule(rule: str, random: Random, attempts: int = 5) -> str:
    """`rule` with every numeric threshold redrawn; the rule itself if no redrawn one compiles.

    `rule` is in canonical form (`CompiledRule.source`), as stored rules are.
    """

    def redraw(match: re.Match[str]) -> str:
        name, low, high, op, value = match.groups()
        m = measure(name)
        if op is None:
            low, high = sorted(varied_threshold(m, float(t), random) for t in (low, high))
            return f"{name} between {wording.number(low)} and {wording.number(high)}"
        return f"{name} {op} {wording.number(varied_threshold(m, float(value), random))}"

    for _ in range(attempts):
        try:
            return compile_rule(_THRESHOLD.sub(redraw, rule)).source
        except RuleError:
            continue  # never written: another draw, or in the end the real rule
    return rule


def ruled_criteria(template: Template, pool: list[dict], count: int, random: Random) -> list[dict]:
    """The template's criteria with `count` ruled ones, each a real rule with thresholds redrawn.

    Criteria without a rule (needs review) stay as they are; ruled ones keep their place, text
    and status with a redrawn rule; the rest are other real criteria from the pool (at most one
    of each), added at the end.
    """
    criteria = [
        {**values, "rule": varied_rule(values["rule"], random)} if values["rule"] else values
        for values in template.criteria
    ]
    missing = count - sum(1 for values in criteria if values["rule"])
    end = max((values["position"] for values in criteria), default=0)
    drawn = random.sample(pool, min(max(missing, 0), len(pool)))
    for offset, values in enumerate(drawn, start=1):
        criteria.append(
            {
                **values,
                "position": end + offset,
                "rule": varied_rule(values["rule"], random),
                "rule_note": "",
                "review_status": Criterion.ReviewStatus.AUTO,
                "parent": None,
            }
        )
    return criteria


def clone_registry(
    templates: list[Template],
    count: int,
    chunk: int = 500,
    rules_per_trial: int | None = None,
    seed: int = RULE_SEED,
) -> None:
    """`count` trials cycling through the templates, written with bulk_create in chunks.

    With `rules_per_trial`, each trial's rules are drawn by `ruled_criteria` (compiling each).
    """
    pool = rule_pool(templates) if rules_per_trial else []
    for start in range(0, count, chunk):
        with transaction.atomic():
            numbers = range(start, min(start + chunk, count))
            trials = Trial.objects.bulk_create(
                Trial(nct_id=f"NCT{SYNTHETIC_FIRST + n:08d}", **templates[n % len(templates)].trial)
                for n in numbers
            )
            rows, parents = [], []
            for number, trial in zip(numbers, trials, strict=True):
                template = templates[number % len(templates)]
                criteria = template.criteria
                if rules_per_trial:
                    random = Random(f"{seed}:{number}")
                    criteria = ruled_criteria(template, pool, rules_per_trial, random)
                made = [
                    Criterion(trial_id=trial.pk, **{**values, "parent": None})
                    for values in criteria
                ]
                rows.extend(made)
                parents.extend(
                    (criterion, made[values["parent"]])
                    for criterion, values in zip(made, criteria, strict=True)
                    if values["parent"] is not None
                )
            Criterion.objects.bulk_create(rows)
            for criterion, parent in parents:
                criterion.parent_id = parent.pk
            Criterion.objects.bulk_update([c for c, _ in parents], ["parent"])


def measure_import(records: list[dict], count: int) -> dict[str, float]:
    start_rss = peak_rss = _rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batched(synthetic_records(records, count, SYNTHETIC_FIRST), BATCH_SIZE):
        import_records([read_study(record) for record in batch])
        peak_rss = max(peak_rss, _rss_mib())
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    peak_rss = max(peak_rss, _rss_mib())
    texts = [
        record["protocolSection"].get("eligibilityModule", {}).get("eligibilityCriteria", "")
        for record in records
    ]
    parse = Timer().repeat(lambda: [draft_criteria(text) for text in texts], 1)
    return {
        "import_seconds": seconds,
        "import_seconds_cpu": cpu_seconds,
        "import_rate": count / seconds,
        "import_rate_cpu": count / cpu_seconds,
        "parse_rate": len(texts) / (parse.ms() / 1000),
        "parse_rate_cpu": len(texts) / (parse.cpu_ms() / 1000),
        "import_rss": peak_rss - start_rss,
    }


def screening_page_exists() -> bool:
    try:
        resolve("/")
    except Resolver404:
        return False
    return True


class Timer:
    """Wall-clock time, with the CPU time of this process in the same runs.

    Each case (a patient) is timed several times and its best run kept, the one least disturbed
    by other work on the machine; the figure is the mean of the cases' best runs. The CPU time
    (which includes SQLite, not a PostgreSQL server) shows how much of a run was waiting.
    """

    def __init__(self) -> None:
        self.runs: dict[object, list[tuple[float, float]]] = {}

    def time(self, function: Callable[[], object], case: object = None) -> object:
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        run = (time.perf_counter() - wall, time.process_time() - cpu)
        self.runs.setdefault(case, []).append(run)
        return result

    def repeat(self, function: Callable[[], object], times: int) -> "Timer":
        for _ in range(times):
            self.time(function)
        return self

    def _best(self, index: int) -> float:
        bests = [min(runs)[index] for runs in self.runs.values()]
        return sum(bests) / len(bests) * 1000

    def ms(self) -> float:
        return self._best(0)

    def cpu_ms(self) -> float:
        return self._best(1)


def _record(figures: dict[str, object], key: str, timer: Timer) -> None:
    figures[key] = timer.ms()
    figures[f"{key}_cpu"] = timer.cpu_ms()


def measure_screening(repeat: int) -> dict[str, object]:
    """Catalogue load, engine, JSON, and the request through Django, for the current registry."""
    patients = [read_patient(data, as_of=SCREENED_ON) for data in PATIENTS]
    bodies = [json.dumps({**data, "as_of": SCREENED_ON.isoformat()}) for data in PATIENTS]
    figures: dict[str, object] = {
        "trials": Trial.objects.count(),
        "criteria": Criterion.objects.count(),
        "ruled": Criterion.objects.exclude(rule="").count(),
        # The engine judges each distinct text once per screening, whichever trials hold it.
        "distinct_rules": Criterion.objects.exclude(rule="").values("rule").distinct().count(),
    }
    load_repeat = max(2, repeat // 2)

    def read_rows() -> None:
        catalogue.read_criteria()
        list(Trial.objects.only(*catalogue.TRIAL_FIELDS).order_by("nct_id"))

    _record(figures, "db_read", Timer().repeat(read_rows, load_repeat))
    version = catalogue.registry_version()
    load = Timer().repeat(lambda: catalogue.load_catalogue(version), load_repeat)
    _record(figures, "load", load)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loaded = catalogue.load_catalogue(version)
    figures["catalogue_mib"] = (tracemalloc.get_traced_memory()[0] - before) / 2**20
    tracemalloc.stop()
    trials = loaded.trials
    del loaded

    evaluate, serialise = Timer(), Timer()
    for _ in range(repeat):
        for case, patient in enumerate(patients):
            results = evaluate.time(lambda patient=patient: screen(trials, patient), case)
            serialise.time(
                lambda patient=patient, results=results: screening_json_text(patient, results),
                case,
            )
    _record(figures, "evaluate", evaluate)
    _record(figures, "serialise", serialise)
    figures["load_ratio"] = figures["load"] / figures["evaluate"]

    client = Client()

    def post(body: str, path: str = "/api/screen"):
        response = client.post(path, body, content_type="application/json", secure=True)
        assert response.status_code == 200, response.status_code
        return response

    catalogue._catalogues.clear()
    cold = Timer()
    with CaptureQueriesContext(connection) as cold_queries:
        cold.time(lambda: post(bodies[0]))
    _record(figures, "api_cold", cold)
    with CaptureQueriesContext(connection) as warm_queries:
        response = post(bodies[0])
    figures["api_queries"] = f"{len(warm_queries)} / {len(cold_queries)}"
    figures["api_kib"] = len(response.content) / 1024
    api = Timer()
    for _ in range(repeat):
        for case, body in enumerate(bodies):
            api.time(lambda body=body: post(body), case)
    _record(figures, "api", api)
    summary = Timer()
    for _ in range(repeat):
        for case, body in enumerate(bodies):
            response = summary.time(lambda body=body: post(body, SUMMARY), case)
    _record(figures, "summary", summary)
    figures["summary_kib"] = len(response.content) / 1024
    gc.collect()
    tracemalloc.start()
    post(bodies[0])
    figures["api_peak"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    if screening_page_exists():
        forms = [form_data(data) for data in PATIENTS]

        def page() -> None:
            assert client.get("/", secure=True).status_code == 200

        def live(data: dict[str, str | list[str]]):
            response = client.post("/", data, headers={"HX-Request": "true"}, secure=True)
            assert response.status_code == 200, response.status_code
            return response

        _record(figures, "page", Timer().repeat(page, repeat))
        with CaptureQueriesContext(connection) as live_queries:
            response = live(forms[0])
        figures["live_queries"] = str(len(live_queries))
        figures["live_kib"] = len(response.content) / 1024
        timer = Timer()
        for _ in range(repeat):
            for case, data in enumerate(forms):
                timer.time(lambda data=data: live(data), case)
        _record(figures, "live", timer)
        timer = Timer()
        for _ in range(repeat):
            for case, data in enumerate(forms):
                response = timer.time(lambda data=data: live({**data, "show_closed": "on"}), case)
        _record(figures, "live_all", timer)
        figures["live_all_kib"] = len(response.content) / 1024
    nct_id = Trial.objects.order_by("nct_id").values_list("nct_id", flat=True)[len(trials) // 2]

    def baseline() -> None:
        assert client.get(f"/trials/{nct_id}/", secure=True).status_code == 200

    baseline()
    _record(figures, "baseline", Timer().repeat(baseline, repeat * len(PATIENTS)))
    figures["ratio"] = figures["api"] / figures["baseline"]
    if "live" in figures:
        figures["live_ratio"] = figures["live"] / figures["baseline"]
    figures["target"] = _target(figures)
    return figures


def form_data(patient: dict[str, object]) -> dict[str, str | list[str]]:
    """A patient as the screening form posts it: every value as typed text."""
    data: dict[str, str | list[str]] = {"as_of": SCREENED_ON.isoformat()}
    for name, value in patient.items():
        if isinstance(value, bool):
            data[name] = "yes" if value else "no"
        elif isinstance(value, list):
            data[name] = ", ".join(value)
        else:
            data[name] = str(value)
    return data


def _target(figures: dict[str, object]) -> str:
    """Both results requests against the issue's targets, for 1,000 and 10,000 trials."""
    trials, baseline = figures["trials"], figures["baseline"]
    if trials == 1000:
        limit = 3 * baseline + 100
    elif trials == 10_000:
        limit = 1000
    else:
        return ""
    verdicts = [
        f"{name} {'met' if figures[key] <= limit else 'MISSED'}"
        for key, name in (
            ("api", "API"),
            ("summary", "API summary"),
            ("live", "page"),
            ("live_all", "page with closed"),
        )
        if key in figures
    ]
    return f"≤ {limit:,.0f} ms: " + ", ".join(verdicts)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value if value is not None else "–")


def table(results: dict[int, dict[str, object]]) -> str:
    sizes = list(results)
    lines = [
        "| measure | " + " | ".join(f"{size:,} trials" for size in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for key, label in ROWS:
        if any(key in figures for figures in results.values()):
            cells = [
                _cell(figures.get(key))
                + (f" ({_cell(figures[f'{key}_cpu'])})" if f"{key}_cpu" in figures else "")
                for figures in (results[size] for size in sizes)
            ]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(
    sizes: list[int],
    *,
    repeat: int,
    with_import: bool,
    progress: Callable[[str], None],
    profile: Callable[[str], None] | None = None,
    rules_per_trial: int | None = None,
) -> dict[int, dict[str, object]]:
    """The whole benchmark; the registry is left empty."""
    # DEBUG would keep every query in memory and slow each one down: measure as production runs.
    with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        records = fixture_records()
        progress(f"Importing and curating the {len(records)} fixture records as templates")
        clear_registry()
        templates = load_templates(records)
        results: dict[int, dict[str, object]] = {}
        for size in sizes:
            figures: dict[str, object] = {}
            if with_import:
                clear_registry()
                progress(f"{size:,} trials: importing synthetic records through the importer")
                figures.update(measure_import(records, size))
            clear_registry()
            progress(f"{size:,} trials: cloning the curated criteria with bulk_create")
            started = time.perf_counter()
            clone_registry(templates, size, rules_per_trial=rules_per_trial)
            figures["clone_seconds"] = time.perf_counter() - started
            progress(f"{size:,} trials: timing the catalogue, the engine and the requests")
            figures.update(measure_screening(repeat))
            results[size] = figures
            if profile is not None:
                profile(profile_requests())
        clear_registry()
    return results


def machine(load_before: tuple[float, ...] = ()) -> str:
    """What the figures were measured on, for the report."""
    if connection.vendor == "postgresql":
        version = connection.pg_version
        database = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        database = f"SQLite {connection.Database.sqlite_version}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = " → ".join(
        "/".join(f"{value:.1f}" for value in loads)
        for loads in (load_before, os.getloadavg())
        if loads
    )
    return (
        f"{platform.python_implementation()} {platform.python_version()}, {database}, "
        f"{os.cpu_count()} CPUs ({platform.machine()}), load average (1/5/15 min) {load}; "
        f"peak RSS of this process {peak:,.0f} MiB"
    )


def profile_requests(top: int = 25) -> str:
    """Where one warm results request spends its time (cProfile), for the current registry."""
    with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        client = Client()
        requests = {
            "POST /api/screen": lambda: client.post(
                "/api/screen",
                json.dumps({**PATIENTS[0], "as_of": SCREENED_ON.isoformat()}),
                content_type="application/json",
                secure=True,
            )
        }
        if screening_page_exists():
            requests["POST / (htmx)"] = lambda: client.post(
                "/", form_data(PATIENTS[0]), headers={"HX-Request": "true"}, secure=True
            )
        reports = []
        for name, request in requests.items():
            request()  # the catalogue compiled, as in a warm worker
            profiler = cProfile.Profile()
            profiler.enable()
            request()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(
                r"prescreen|screening|trials|django/template/base|json", top
            )
            reports.append(f"### {name}, {Trial.objects.count():,} trials\n{out.getvalue()}")
        return "\n".join(reports)
