#!/usr/bin/env bash
# Load test: 20 users for 60 s against gunicorn on loopback with production settings
# (DEBUG off) and the demo data in a fresh PostgreSQL database `lmns_load`.
# Fails if any request failed or any answer was a 5xx; prints requests per second and
# the 95th percentile, and writes them to $LOAD_RESULTS (default bench/load/results/).
set -euo pipefail
cd "$(dirname "$0")/../.."

port=${LOAD_PORT:-8765}
users=${LOAD_USERS:-20}
duration=${LOAD_DURATION:-60s}
results=${LOAD_RESULTS:-bench/load/results}
mkdir -p "$results"
work=$(mktemp -d)

export DATABASE_URL=postgres://postgres@127.0.0.1:5432/lmns_load
export DEBUG=false HTTPS=false ALLOWED_HOSTS=127.0.0.1 LOG_LEVEL=WARNING
export SECRET_KEY="load-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')"
export FTSU_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')"
export STATIC_ROOT="$work/static" MEDIA_ROOT="$work/media"
# No broker: the pages under test queue nothing; a stray task runs in-process.
export CELERY_BROKER_URL=""

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS lmns_load" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE lmns_load" >/dev/null
.venv/bin/python manage.py migrate --verbosity 0
.venv/bin/python manage.py load_frameworks >/dev/null
.venv/bin/python manage.py seed_demo --force >/dev/null
# The same hashed files and manifest as production, uncompressed: the load test fetches no static
# file, and compressing the API docs' bundle took CI 100 s a run (bench/http_settings.py).
.venv/bin/python manage.py collectstatic --noinput --verbosity 0 --settings bench.http_settings

.venv/bin/gunicorn lmns.wsgi --bind "127.0.0.1:$port" --workers "${LOAD_WORKERS:-3}" \
  --access-logfile "$work/access.log" --error-logfile "$work/error.log" &
gunicorn_pid=$!
trap 'kill "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 30); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done

status=0
.venv/bin/locust -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$port" \
  --users "$users" --spawn-rate 10 --run-time "$duration" --csv "$results/load" --only-summary \
  --loglevel WARNING || status=$?

# The figures come from locust's CSV, written each second, so the last requests in flight at
# the end may be missing from them; the pass or fail does not: locust's exit status and
# gunicorn's access log count every request.
server_errors=$(awk '$9 ~ /^5[0-9][0-9]$/' "$work/access.log" | wc -l)
.venv/bin/python - "$results" "$server_errors" <<'PY' || status=1
import csv, json, sys
from pathlib import Path

results, server_errors = Path(sys.argv[1]), int(sys.argv[2])
with open(results / "load_stats.csv") as stats:
    rows = {row["Name"]: row for row in csv.DictReader(stats)}
total = rows["Aggregated"]
summary = {
    "requests": int(total["Request Count"]),
    "failures": int(total["Failure Count"]),
    "server_errors_5xx": server_errors,
    "requests_per_second": round(float(total["Requests/s"]), 1),
    "p95_ms": int(total["95%"]),
    "by_request": {
        name: {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]), "p95_ms": int(row["95%"])}
        for name, row in rows.items()
        if name != "Aggregated"
    },
}
(results / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
print(
    f"Load test: {summary['requests']} requests, {summary['requests_per_second']} requests/s, "
    f"95th percentile {summary['p95_ms']} ms, {summary['failures']} failed, {server_errors} 5xx"
)
sys.exit(1 if summary["failures"] or server_errors else 0)
PY
[ "$status" -eq 0 ] || { echo "== Load test failed; gunicorn's error log:"; tail -n 40 "$work/error.log"; exit 1; }
