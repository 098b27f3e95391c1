"""Requests per second of the quality view under gunicorn, against a minimal page on the same server.

Run from the project folder (it makes its own throwaway SQLite database):

    .venv/bin/python -m bench.http_throughput [--workers 2] [--connections 8] [--duration 10]

or against an empty PostgreSQL database of its own (its name must contain "bench"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lmns_http_bench \
        .venv/bin/python -m bench.http_throughput

It migrates, loads the frameworks and generates --providers providers with --years of history
in one LMNS (``quality.load_data``, as ``manage.py generate_load_data``): what one LMNS officer
sees. It collects the static files and starts gunicorn on 127.0.0.1 as production runs it:
``DEBUG`` off, the product's middleware and settings, a fixed number of sync workers. The
settings are ``bench.http_settings``: the product's, with a URLconf that adds a minimal page
returning two bytes (``bench.http_urls``, so the product never serves it) and static files
collected without compression.

An LMNS officer signs in through the sign-in form (a real POST; no authenticator app, so no
code step), and wrk, with one thread and --connections connections, asks for each page with
that session's cookie for --duration seconds, after a --warmup: the minimal page (the floor:
middleware, session, user and two-factor check, session save), provider Z01's quality view
for the data's last complete month, and the LMNS overview and the incident list as they open.
Best of --rounds, taken in turns so that noise on the machine falls on every page alike, each
run starting once the workers are idle. Beside requests per second, the CPU time of gunicorn's
workers per request (from /proc), which the other work on a shared machine moves less. Every
answer must be 200, counted by wrk and in gunicorn's access log (wrk counts a redirect to the
sign-in page as a success), or the run fails.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench import harness

# Here too, so that collectstatic writes what the server reads.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.http_settings"
FOLDER = harness.setup("http")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from bench.http_urls import MINIMAL_PATH  # noqa: E402
from lmns.models import Membership, Provider, Role  # noqa: E402
from quality import load_data  # noqa: E402

TODAY = date(2026, 11, 30)  # fixed, so that every run makes and measures the same data
MONTH = "2026-10"  # the last complete month of that data
WRK = shutil.which("wrk")
USERNAME = "bench.officer"


@dataclass
class Page:
    name: str
    path: str
    expect: str  # text the page must contain: proof that it is the page, not an error


FLOOR = Page("minimal page", "/" + MINIMAL_PATH, "ok")
PAGES = [
    FLOOR,
    Page(f"quality view Z01, {MONTH}", f"/quality/Z01/?{urlencode({'month': MONTH})}", "Load Test Trust Z01"),
    Page(f"LMNS overview, {MONTH}", f"/quality/?{urlencode({'month': MONTH})}", "Load Test Trust Z06"),
    Page("incident list as it opens", "/incidents/list/", "LOAD-"),
]


@dataclass
class Run:
    requests_per_second: float
    requests: int
    bytes_per_request: float
    latency_ms: dict[str, float]  # "50%", "75%", "90%", "99%"
    cpu_ms: float = 0.0  # gunicorn workers' CPU per request


# --- The data and the server ---------------------------------------------------------------


def prepare(providers: int, years: int) -> str:
    """Migrate, load the data, collect static files; return the officer's password."""
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # A kept PostgreSQL database measures again straight away.
    if not Provider.objects.filter(lmns__code__startswith=load_data.LMNS_CODE_PREFIX).exists():
        load_data.generate(providers=providers, years=years, lmnss=1, seed=1, today=TODAY)
        load_data.analyze()
    lmns = Provider.objects.get(ods_code="Z01").lmns
    officer, _ = get_user_model().objects.get_or_create(username=USERNAME)
    password = secrets.token_urlsafe(24)
    officer.set_password(password)
    officer.save()
    Membership.objects.get_or_create(user=officer, role=Role.LMNS_OFFICER, lmns=lmns)
    call_command("collectstatic", verbosity=0, interactive=False)
    connections.close_all()  # SQLite's file is gunicorn's from here
    return password


def start_gunicorn(port: int, workers: int, conn_max_age: int | None) -> tuple[subprocess.Popen, Path]:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"Port {port} is in use: choose another with --port.")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.http_settings",
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "CELERY_BROKER_URL": "",  # the pages under test queue nothing
    }
    if conn_max_age is not None:
        env["CONN_MAX_AGE"] = str(conn_max_age)
    access_log = FOLDER / "access.log"
    # Status and path of every answer, to check that all were 200.
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "lmns.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--access-logfile", str(access_log), "--access-logformat", "%(s)s %(U)s",
         "--error-logfile", str(FOLDER / "error.log")],
        cwd=settings.BASE_DIR,
        env=env,
    )  # fmt: skip
    for _ in range(60):
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{(FOLDER / 'error.log').read_text()}")
        try:
            if get(port, "/healthz")[0] == 200:
                return server, access_log
        except OSError:
            pass
        time.sleep(0.5)
    stop(server)
    sys.exit("gunicorn did not answer /healthz within 30 s.")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


# --- Requests ------------------------------------------------------------------------------


def get(port: int, path: str, cookie: str = "") -> tuple[int, http.client.HTTPResponse, str]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    client.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = client.getresponse()
    body = response.read().decode()
    client.close()
    return response.status, response, body


def cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port: int, password: str) -> str:
    """Sign in through the sign-in form, as a browser does; return the Cookie header."""
    status, response, body = get(port, "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert status == 200 and token, f"sign-in page: {status}"
    jar = cookies(response)
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    client.request(
        "POST",
        "/accounts/login/",
        body=urlencode({"username": USERNAME, "password": password, "csrfmiddlewaretoken": token[1]}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
        },
    )
    response = client.getresponse()
    response.read()
    client.close()
    jar |= cookies(response)
    # Signed in is a redirect home with a session; a failed password answers 200, a code step
    # redirects elsewhere.
    location = response.getheader("Location")
    assert response.status == 302 and location == "/" and "sessionid" in jar, (response.status, location)
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def check_pages(port: int, cookie: str) -> None:
    for page in PAGES:
        status, _, body = get(port, page.path, cookie)
        if status != 200 or page.expect not in body:
            sys.exit(f"{page.name} ({page.path}) answered {status} without {page.expect!r}.")


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def _bytes(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMG]?B)", text).groups()
    return float(number) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]


def wrk(port: int, page: Page, cookie: str, *, connections: int, seconds: float) -> Run:
    """One wrk run of ``seconds`` against a page; fails on any socket error or non-2xx/3xx answer."""
    output = subprocess.run(
        [WRK, "--threads", "1", "--connections", str(connections), "--duration", f"{seconds:g}s",
         "--timeout", "30s", "--latency", "--header", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{page.path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    failed = [line.strip() for line in output.splitlines() if "Socket errors" in line or "Non-2xx" in line]
    if failed:
        sys.exit(f"{page.name}: {'; '.join(failed)}\n{output}")
    done = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+\w?B) read", output)
    requests = int(done[1])
    return Run(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        requests=requests,
        bytes_per_request=_bytes(done[2]) / max(requests, 1),
        latency_ms={p: _ms(v) for p, v in re.findall(r"^\s+(\d+%)\s+([\d.]+\w+)\s*$", output, re.MULTILINE)},
    )


def check_access_log(access_log: Path, counted: Counter) -> Counter:
    """Every answer to a measured page was 200, and the log has at least every request wrk counted."""
    answers = Counter(tuple(line.split(" ", 1)) for line in access_log.read_text().splitlines())
    paths = {page.path.split("?")[0] for page in PAGES}
    wrong = {answer: n for answer, n in answers.items() if answer[1] in paths and answer[0] != "200"}
    wrong |= {answer: n for answer, n in answers.items() if answer[0].startswith("5")}
    if wrong:
        sys.exit(f"gunicorn's access log has answers other than 200: {wrong}")
    logged = Counter({path: n for (_, path), n in answers.items() if path in paths})
    short = {path: (logged[path], n) for path, n in counted.items() if logged[path] < n}
    if short:
        sys.exit(f"gunicorn's access log has fewer requests than wrk counted: {short}")
    return logged


# --- Measuring -----------------------------------------------------------------------------


def workers_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user and system) of gunicorn's workers, the master's children."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    ticks = 0
    for child in children:
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime, the 14th and 15th fields
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_idle(server: subprocess.Popen) -> None:
    """Wait for the workers to finish requests still queued when wrk stopped, so that they
    take no time from the next run."""
    before = workers_cpu(server)
    for _ in range(120):
        time.sleep(0.5)
        now = workers_cpu(server)
        if now - before < 0.02:
            return
        before = now
    sys.exit("gunicorn's workers did not go idle within a minute.")


def measure(server, port: int, page: Page, cookie: str, *, connections: int, seconds: float) -> Run:
    """One wrk run with the workers' CPU per answer. The CPU includes the few requests still in
    hand when wrk stops, so it is a little high where answers are few."""
    wait_idle(server)
    cpu = workers_cpu(server)
    run = wrk(port, page, cookie, connections=connections, seconds=seconds)
    run.cpu_ms = (workers_cpu(server) - cpu) * 1000 / max(run.requests, 1)
    return run


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=6, help="in one LMNS")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=8, help="wrk's concurrent connections")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each measured run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of each page before the first round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--conn-max-age", type=int, help="CONN_MAX_AGE for gunicorn (default: the product's)")
    args = parser.parse_args(argv)
    if WRK is None:
        sys.exit("wrk is not installed: sudo apt-get install wrk (or `make bench` as root on Debian).")

    started = time.perf_counter()
    settings.STATIC_ROOT = FOLDER / "static"
    password = prepare(args.providers, args.years)
    prepared = time.perf_counter() - started
    server, access_log = start_gunicorn(args.port, args.workers, args.conn_max_age)
    counted = Counter()
    best: dict[str, Run] = {}  # the run with most requests per second
    cpu_ms: dict[str, float] = {}  # the least CPU per request
    try:
        cookie = sign_in(args.port, password)
        check_pages(args.port, cookie)
        for page in PAGES:
            run = measure(server, args.port, page, cookie, connections=args.connections, seconds=args.warmup)
            counted[page.path.split("?")[0]] += run.requests
        for _ in range(args.rounds):
            for page in PAGES:
                run = measure(
                    server, args.port, page, cookie, connections=args.connections, seconds=args.duration
                )
                if run.requests < args.connections:
                    sys.exit(f"{page.name}: {run.requests} answers in {args.duration:g} s: measure longer.")
                counted[page.path.split("?")[0]] += run.requests
                if page.name not in best or run.requests_per_second > best[page.name].requests_per_second:
                    best[page.name] = run
                cpu_ms[page.name] = min(cpu_ms.get(page.name, run.cpu_ms), run.cpu_ms)
        wait_idle(server)
    finally:
        stop(server)
    logged = check_access_log(access_log, counted)
    report(args, best, cpu_ms, logged, prepared)
    print(f"\nTotal: {time.perf_counter() - started:.0f} s")


def report(args, best: dict[str, Run], cpu_ms: dict[str, float], logged: Counter, prepared: float) -> None:
    conn_max_age = args.conn_max_age
    if conn_max_age is None:
        conn_max_age = settings.DATABASES["default"]["CONN_MAX_AGE"]
    print(
        f"Database: {connection.vendor}; {args.providers} providers x {args.years} years"
        f" (prepared in {prepared:.0f} s); gunicorn {args.workers} sync workers, CONN_MAX_AGE {conn_max_age};"
        f" wrk 1 thread, {args.connections} connections, best of {args.rounds} x {args.duration:g} s"
    )
    print(f"Every answer 200: {sum(logged.values()):,} requests in gunicorn's access log\n")
    print(
        f"{'page':<32} {'req/s':>7} {'x fewer':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7}"
        f" {'requests':>8} {'KiB/req':>7} {'CPU ms/req':>10} {'x more':>6}"
    )
    floor = best[FLOOR.name]
    for page in PAGES:
        run = best[page.name]
        ratio = floor.requests_per_second / run.requests_per_second
        cpu_ratio = cpu_ms[page.name] / cpu_ms[FLOOR.name]
        latency = run.latency_ms
        print(
            f"{page.name:<32} {run.requests_per_second:>7.1f} {ratio:>7.2f} {latency['50%']:>7.0f}"
            f" {latency['90%']:>7.0f} {latency['99%']:>7.0f} {run.requests:>8}"
            f" {run.bytes_per_request / 1024:>7.1f} {cpu_ms[page.name]:>10.1f} {cpu_ratio:>6.2f}"
        )
        if page is not FLOOR:
            harness.record(
                "http_throughput",
                page.name,
                ours=run.requests_per_second,
                floor=floor.requests_per_second,
                unit="req/s",
                higher_is_better=True,
                note=(
                    f"p50/p90/p99 {latency['50%']:.0f}/{latency['90%']:.0f}/{latency['99%']:.0f} ms"
                    f" (minimal page {floor.latency_ms['50%']:.0f}/{floor.latency_ms['90%']:.0f}/"
                    f"{floor.latency_ms['99%']:.0f}); workers' CPU {cpu_ms[page.name]:.1f} ms a request,"
                    f" {cpu_ratio:.1f}x the minimal page's;"
                    f" {args.workers} workers, {args.connections} connections"
                ),
            )


if __name__ == "__main__":
    main(sys.argv[1:])
