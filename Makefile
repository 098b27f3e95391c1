# The two commands of the README:
#   make run   install everything, migrate, load frameworks and demo data, serve on 127.0.0.1:8000
#   make test  install everything (and Chromium, where it can) and run every test, on every core
# and, by hand:
#   make bench install everything (and wrk, where it can) and run the scale benchmarks;
#              BENCH_ARGS="--database postgres" passes options to python -m bench
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.11 || command -v python3)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench install test-tools bench-tools

run: install
	DEBUG=true $(PY) manage.py migrate
	DEBUG=true $(PY) manage.py load_frameworks
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: install test-tools
	$(PY) -m pytest -n auto

bench: install bench-tools
	$(PY) -m bench $(BENCH_ARGS)

install: $(VENV)/.installed static/nhsuk/.built

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

static/nhsuk/.built: package.json package-lock.json scripts/build-static.mjs
	npm ci --no-audit --no-fund
	npm run build
	touch $@

# Browser tests use Debian's Chromium; workbook tests open exports in LibreOffice and read
# the PDFs it prints with pdftotext (poppler-utils). As root with apt we install them;
# elsewhere those tests skip with a message saying how to install them (and fail in CI).
test-tools:
	@if [ ! -x /usr/bin/chromium ] || ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libreoffice-calc-nogui poppler-utils; \
	  else \
	    echo "Chromium, LibreOffice or pdftotext is missing: their tests will be skipped (sudo apt-get install chromium libreoffice-calc-nogui poppler-utils)."; \
	  fi; \
	fi

# The HTTP throughput bench drives gunicorn with wrk. As root with apt we install it;
# elsewhere python -m bench skips that bench with a message and runs the rest.
bench-tools:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else \
	    echo "wrk is missing: the HTTP throughput bench will be skipped (sudo apt-get install wrk)."; \
	  fi; \
	fi
