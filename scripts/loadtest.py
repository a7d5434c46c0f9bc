#!/usr/bin/env python3
"""Load test: Prescreen in production mode under gunicorn on PostgreSQL, driven from 127.0.0.1.

    .venv/bin/python scripts/loadtest.py                  # 50 clients for 60 s, 3 workers
    .venv/bin/python scripts/loadtest.py --think 0        # no pauses: the server's capacity

It creates a PostgreSQL database (dropped afterwards unless --keep), migrates, loads the demo,
collects the static files, starts gunicorn in production mode on 127.0.0.1, drives it, stops it,
and prints requests per second, latency percentiles and errors; it exits 1 on any error.
Each client is a person at the screening page: it loads the page (and its stylesheet), types
values (each change is an htmx POST of the whole form), now and then asks the JSON API, and
browses the trial list and trial pages. The first --clinicians clients log in as a site's
clinicians and also save screenings to the site's log, reopen them and list the log.

Only the standard library and psycopg (already a dependency); the run is bounded by --duration
and --max-requests, every request by --timeout, and nothing leaves 127.0.0.1.
"""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PYTHON = BASE_DIR / ".venv" / "bin" / "python"
GUNICORN = BASE_DIR / ".venv" / "bin" / "gunicorn"

# People a clinic would screen; each client starts from one and changes values as it types.
PATIENTS = (
    {
        "age": "54",
        "sex": "male",
        "el_escorial": "probable",
        "onset_region": "limb",
        "symptom_onset": "2024-11",
        "diagnosis_date": "2025-06-02",
        "alsfrs_r": "41",
        "fvc_percent": "86",
        "riluzole": "current",
        "riluzole_since": "2025-06-20",
        "gastrostomy": "no",
        "niv": "no",
        "tracheostomy": "no",
    },
    {
        "age": "66",
        "sex": "female",
        "pregnant": "no",
        "el_escorial": "definite",
        "onset_region": "bulbar",
        "symptom_onset": "2022-03",
        "diagnosis_date": "2022-12-14",
        "alsfrs_r": "29",
        "fvc_percent": "58",
        "niv": "yes",
        "gastrostomy": "yes",
        "edaravone": "current",
        "edaravone_since": "2023-02-01",
    },
    {"age": "47", "sex": "male", "symptom_onset": "2025-02", "alsfrs_r": "44", "familial": "yes"},
    {
        "birth_date": "1961-04-30",
        "sex": "female",
        "el_escorial": "possible",
        "symptom_onset": "2025-05-10",
        "alsfrs_r": "38",
        "fvc_percent": "72",
        "riluzole": "never",
    },
)
NUMBERS = {"age": (18, 85), "alsfrs_r": (20, 48), "fvc_percent": (40, 110)}
JSON_VALUES = {"yes": True, "no": False}

# What a client does next, with weights: mostly typing into the form, as a screening is.
ACTIONS = {
    "POST / (live results)": 10,
    "POST /api/screen": 3,
    "GET / (screening page)": 2,
    "GET /static/ (stylesheet)": 1,
    "GET /trials/ (list)": 2,
    "GET /trials/NCT…/ (trial page)": 3,
}
# A logged-in clinician also saves screenings to the site's log and reopens them.
CLINICIAN_ACTIONS = {
    **ACTIONS,
    "POST /log/save/ (save a screening)": 1,
    "GET /log/screenings/…/ (saved screening)": 1,
    "GET /log/ (the site's log)": 1,
}
LOGIN = "POST /accounts/login/ (log in)"
REPORTED = [LOGIN, *CLINICIAN_ACTIONS]
EXPECTED = {LOGIN: 302, "POST /log/save/ (save a screening)": 302}
CLINICIAN_SETUP = """
from django.contrib.auth.models import Group, User
from screening.models import Site
group, _ = Group.objects.get_or_create(name="Load-test site")
Site.objects.get_or_create(group=group)
for number in range({count}):
    user, _ = User.objects.get_or_create(username=f"loadtest-clinician-{{number}}")
    user.set_password({password!r})
    user.save()
    user.groups.add(group)
"""


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    sent: int = 0


class HttpError(Exception):
    pass


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def admin_url(database_url: str) -> str:
    parts = urllib.parse.urlsplit(database_url)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    if "loadtest" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: its name must contain 'loadtest'")
    with psycopg.connect(admin_url(database_url), autocommit=True) as conn:
        identifier = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(identifier))


def manage(env: dict[str, str], *args: str) -> None:
    shown = " ".join("<script>" if "\n" in arg else arg for arg in args)
    log(f"$ manage.py {shown}")
    command = [str(PYTHON), "manage.py", *args]
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL)


class Client:
    """One person's browser: its cookies, its form, one connection per request (gunicorn's
    sync workers close each connection after the response)."""

    def __init__(self, port: int, timeout: float, rng: random.Random, nct_ids: list[str]):
        self.port, self.timeout, self.rng, self.nct_ids = port, timeout, rng, nct_ids
        self.origin = f"https://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.form = dict(rng.choice(PATIENTS))
        self.stylesheet = ""
        self.location = ""  # of the last redirect
        self.saved = ""  # the last saved screening's page

    async def fetch(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        return await asyncio.wait_for(self._fetch(method, path, body, headers or {}), self.timeout)

    async def _fetch(
        self, method: str, path: str, body: bytes, extra: dict[str, str]
    ) -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(HOST, self.port)
        try:
            headers = {
                "Host": f"{HOST}:{self.port}",
                "User-Agent": "prescreen-loadtest",
                "Accept-Encoding": "gzip",
                # What the TLS proxy in front of gunicorn adds (BEHIND_TLS_PROXY=true).
                "X-Forwarded-Proto": "https",
                "Connection": "close",
                **extra,
            }
            self.location = ""
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if body or method == "POST":
                headers["Content-Length"] = str(len(body))
            head = f"{method} {path} HTTP/1.1\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in headers.items()
            )
            writer.write(head.encode("latin-1") + b"\r\n" + body)
            await writer.drain()
            status_line = await reader.readline()
            parts = status_line.split()
            if len(parts) < 2:
                raise HttpError(f"no response ({status_line!r})")
            status = int(parts[1])
            length = None
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "content-length":
                    length = int(value)
                elif name == "location":
                    self.location = value
                elif name == "set-cookie":
                    cookie = value.split(";", 1)[0]
                    key, _, val = cookie.partition("=")
                    self.cookies[key.strip()] = val.strip()
            content = await (reader.readexactly(length) if length is not None else reader.read())
            return status, content
        finally:
            writer.close()

    def post_headers(self, content_type: str) -> dict[str, str]:
        return {
            "Content-Type": content_type,
            "Origin": self.origin,
            "Referer": f"{self.origin}/",
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
        }

    def type_something(self) -> None:
        """Change one value, as a person correcting or adding a field."""
        # Age is typed only when no birth date gives it: the two must agree, or the API says 400.
        numbers = [n for n in NUMBERS if not (n == "age" and "birth_date" in self.form)]
        name = self.rng.choice([*numbers, "el_escorial", "gastrostomy"])
        if name in NUMBERS:
            low, high = NUMBERS[name]
            self.form[name] = str(self.rng.randint(low, high))
        elif name == "el_escorial":
            self.form[name] = self.rng.choice(["definite", "probable", "possible", ""])
        else:
            self.form[name] = self.rng.choice(["yes", "no", ""])

    def patient_json(self) -> bytes:
        data: dict[str, object] = {}
        for name, value in self.form.items():
            if value == "":
                continue
            if name in NUMBERS:
                data[name] = int(value)
            else:
                data[name] = JSON_VALUES.get(value, value)
        return json.dumps(data).encode()

    async def log_in(self, username: str, password: str) -> tuple[int, bytes]:
        await self.fetch("GET", "/accounts/login/")
        form = {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
        }
        body = urllib.parse.urlencode(form).encode()
        headers = {**self.post_headers("application/x-www-form-urlencoded")}
        headers["Referer"] = f"{self.origin}/accounts/login/"
        return await self.fetch("POST", "/accounts/login/", body, headers)

    async def act(self, action: str) -> tuple[int, bytes]:
        if action == "POST /log/save/ (save a screening)":
            form = {**self.form, "reference": f"ALS-{self.rng.randint(1, 9999):04d}"}
            body = urllib.parse.urlencode(form).encode()
            headers = self.post_headers("application/x-www-form-urlencoded")
            status, content = await self.fetch("POST", "/log/save/", body, headers)
            if status == 302:
                self.saved = urllib.parse.urlsplit(self.location).path
            return status, content
        if action == "GET /log/screenings/…/ (saved screening)":
            return await self.fetch("GET", self.saved or "/log/")
        if action == "GET /log/ (the site's log)":
            return await self.fetch("GET", "/log/")
        if action == "GET / (screening page)":
            status, content = await self.fetch("GET", "/")
            found = re.search(rb'href="(/static/css/[^"]+\.css)"', content)
            if found:
                self.stylesheet = found.group(1).decode()
            return status, content
        if action == "GET /static/ (stylesheet)":
            return await self.fetch("GET", self.stylesheet or "/static/css/prescreen.css")
        if action == "POST / (live results)":
            self.type_something()
            form = {**self.form, "show_closed": "on"} if self.rng.random() < 0.2 else self.form
            body = urllib.parse.urlencode(form).encode()
            headers = {
                **self.post_headers("application/x-www-form-urlencoded"),
                "HX-Request": "true",
                "HX-Current-URL": f"{self.origin}/",
            }
            return await self.fetch("POST", "/", body, headers)
        if action == "POST /api/screen":
            headers = self.post_headers("application/json")
            return await self.fetch("POST", "/api/screen", self.patient_json(), headers)
        if action == "GET /trials/ (list)":
            query = self.rng.choice(["", "?page=2", "?q=riluzole", "?status=RECRUITING", "?q=ALS"])
            return await self.fetch("GET", f"/trials/{query}")
        return await self.fetch("GET", f"/trials/{self.rng.choice(self.nct_ids)}/")


async def drive(
    args: argparse.Namespace, port: int, nct_ids: list[str], password: str
) -> tuple[Results, float]:
    results = Results()
    started = time.perf_counter()
    deadline = started + args.duration

    async def person(number: int) -> None:
        rng = random.Random(args.seed * 1000 + number)
        client = Client(port, args.timeout, rng, nct_ids)
        clinician = number < args.clinicians
        actions = CLINICIAN_ACTIONS if clinician else ACTIONS
        names, weights = list(actions), list(actions.values())
        # People arrive over the ramp-up rather than all in the same millisecond.
        await asyncio.sleep(args.ramp_up * number / args.clients)
        first = True
        while time.perf_counter() < deadline and results.sent < args.max_requests:
            if first:
                action = LOGIN if clinician else "GET / (screening page)"
            else:
                action = rng.choices(names, weights)[0]
                if action == "GET /log/screenings/…/ (saved screening)" and not client.saved:
                    action = "POST /log/save/ (save a screening)"  # nothing to reopen yet
            first = False
            results.sent += 1
            began = time.perf_counter()
            try:
                if action == LOGIN:
                    status, _ = await client.log_in(f"loadtest-clinician-{number}", password)
                else:
                    status, _ = await client.act(action)
            except (TimeoutError, OSError, HttpError, asyncio.IncompleteReadError) as error:
                results.errors[f"{action}: {type(error).__name__} {error}"[:160]] += 1
            else:
                results.latencies[action].append(time.perf_counter() - began)
                results.statuses[status] += 1
                if status != EXPECTED.get(action, 200):
                    results.errors[f"{action}: HTTP {status}"] += 1
            if args.think:
                await asyncio.sleep(rng.uniform(args.think / 2, args.think * 1.5))

    await asyncio.gather(*(person(n) for n in range(args.clients)))
    return results, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def report(
    results: Results,
    seconds: float,
    args: argparse.Namespace,
    server: list[tuple[float, float]],
    server_cpu: float,
    client_cpu: float,
) -> str:
    every = [t for times in results.latencies.values() for t in times]
    done = len(every) + sum(results.errors.values())
    statuses = dict(sorted(results.statuses.items()))
    lines = [
        f"{args.clients} clients ({args.clinicians} of them logged-in clinicians, arriving over "
        f"{args.ramp_up:g} s), {args.workers} gunicorn "
        f"workers, {seconds:.1f} s, think time {args.think:g} s (±50%)",
        f"requests: {done:,} ({done / seconds:,.1f} per second), "
        f"errors: {sum(results.errors.values())}, statuses: {statuses}",
        "",
        "| request | count | per second | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(name, results.latencies[name]) for name in REPORTED if results.latencies[name]]
    for name, times in [*rows, ("all", every)]:
        lines.append(
            f"| {name} | {len(times):,} | {len(times) / seconds:,.1f} | "
            f"{percentile(times, 0.50):,.0f} | {percentile(times, 0.95):,.0f} | "
            f"{percentile(times, 0.99):,.0f} | {max(times) * 1000:,.0f} |"
        )
    lines.append("")
    if server:
        lines.append(
            f"gunicorn workers: RSS at the end {', '.join(f'{rss:.0f}' for rss, _ in server)} MiB; "
            f"CPU {server_cpu:.1f} s during the run, {server_cpu / max(done, 1) * 1000:.1f} ms "
            "per request"
        )
    lines.append(f"load generator: {client_cpu:.1f} CPU s of the {seconds:.0f} s")
    for error, count in results.errors.most_common(10):
        lines.append(f"ERROR ×{count}: {error}")
    return "\n".join(lines)


def workers(master: int) -> list[tuple[float, float]]:
    """(RSS in MiB, CPU seconds used) of each gunicorn worker, read from /proc."""
    found = []
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name is in parentheses and may hold spaces: split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError):
            continue
        if fields[1] != str(master):
            continue
        rss = next(
            int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS")
        )
        found.append((rss, (int(fields[11]) + int(fields[12])) / ticks))
    return sorted(found)


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model or 'unknown model'}), Python {sys.version.split()[0]}"


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    rng = random.Random(0)
    client = Client(port, 5, rng, [])
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see its log")
        try:
            status, _ = asyncio.run(client.fetch("GET", "/trials/"))
            if status == 200:
                return
        except (OSError, TimeoutError, HttpError):
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within a minute")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--clinicians", type=int, default=10, help="How many clients log in and save screenings."
    )
    parser.add_argument("--duration", type=float, default=60, help="Seconds of load (≤ 600).")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2-4 here).")
    parser.add_argument(
        "--think", type=float, default=1.0, help="Mean pause between a client's requests (s)."
    )
    parser.add_argument(
        "--ramp-up", type=float, default=5, help="Seconds over which the clients arrive."
    )
    parser.add_argument("--max-requests", type=int, default=200_000, help="Stop after these.")
    parser.add_argument("--timeout", type=float, default=30, help="Per request (s).")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/prescreen_loadtest",
        help="A PostgreSQL database to create (and drop); its name must contain 'loadtest'.",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--log", type=Path, default=Path("/tmp/prescreen-loadtest-gunicorn.log"))
    args = parser.parse_args()
    if not 0 < args.duration <= 600 or not 0 < args.clients <= 500:
        parser.error("--duration must be 1-600 s and --clients 1-500")
    if not 0 <= args.clinicians <= args.clients:
        parser.error("--clinicians must be between 0 and --clients")

    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": args.database_url,
        "BEHIND_TLS_PROXY": "true",
        "GUNICORN_BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": str(args.workers),
        "DEMO_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "LOG_LEVEL": "WARNING",
    }
    log(f"Creating {args.database_url}")
    recreate_database(args.database_url)
    server = None
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "demo_setup")
        password = secrets.token_urlsafe(16)
        setup = CLINICIAN_SETUP.format(count=args.clinicians, password=password)
        manage(env, "shell", "--no-imports", "-c", setup)
        manage(env, "collectstatic", "--no-input", "--clear")
        nct_ids = sorted(p.stem for p in (BASE_DIR / "fixtures" / "registry").glob("NCT*.json"))
        log(f"Starting gunicorn on {HOST}:{port} with {args.workers} workers (log: {args.log})")
        with args.log.open("w") as gunicorn_log:
            server = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py"],
                cwd=BASE_DIR,
                env=env,
                stdout=gunicorn_log,
                stderr=subprocess.STDOUT,
            )
        wait_until_up(port, server)
        log(f"Driving it: {args.clients} clients for {args.duration:g} s")
        cpu, server_before = time.process_time(), workers(server.pid)
        results, seconds = asyncio.run(drive(args, port, nct_ids, password))
        client_cpu = time.process_time() - cpu
        server_use = workers(server.pid)
        server_cpu = sum(used for _, used in server_use) - sum(used for _, used in server_before)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep:
            recreate_database(args.database_url, drop_only=True)
    print(report(results, seconds, args, server_use, server_cpu, client_cpu))
    print(f"\nMachine: {machine()}; load generator on the same machine.")
    errors = sum(results.errors.values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
