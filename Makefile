# Helpline: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
LINT_PATHS := $(wildcard src tests bench conftest.py)
export HELPLINE_DATA_DIR ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000
# make run: the SMTP intake (mail to the demo mailboxes) and the mail catcher (outgoing mail)
SMTP_PORT ?= 2525
CATCHER_PORT ?= 1025

.PHONY: run test test-fast setup demo serve lint format messages bench clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed
	mkdir -p $(HELPLINE_DATA_DIR)

## make run: venv, pinned deps, migrate the embedded SQLite db, load the demo, then serve on
## :8000 with the SMTP intake on :2525 (inside the server, as a loop) and the mail catcher on
## :1025 (outgoing mail as .eml files in $(HELPLINE_DATA_DIR)/mail); Ctrl-C stops all of it
run: setup
	$(PY) -m helpline migrate --no-input -v0
	HELPLINE_MAIL_CATCHER_PORT=$(CATCHER_PORT) $(PY) -m helpline load_demo --if-empty
	$(PY) -m helpline collectstatic --no-input -v0
	$(PY) -m helpline demo_logins --base-url http://$(HOST):$(PORT) --smtp-port $(SMTP_PORT) \
		--mail-dir $(HELPLINE_DATA_DIR)/mail
	@echo "Serving on http://$(HOST):$(PORT)/, SMTP intake on $(HOST):$(SMTP_PORT), mail catcher on $(HOST):$(CATCHER_PORT) (Ctrl-C to stop)"
	@$(PY) -m helpline mail_catcher --host $(HOST) --port $(CATCHER_PORT) --dir $(HELPLINE_DATA_DIR)/mail & \
	catcher=$$!; trap 'kill $$catcher 2>/dev/null; wait $$catcher 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	HELPLINE_EMAIL_BACKEND=$${HELPLINE_EMAIL_BACKEND:-django.core.mail.backends.smtp.EmailBackend} \
	HELPLINE_EMAIL_HOST=$${HELPLINE_EMAIL_HOST:-$(HOST)} HELPLINE_EMAIL_PORT=$${HELPLINE_EMAIL_PORT:-$(CATCHER_PORT)} \
	HELPLINE_SMTP_RECEIVE_HOST=$(HOST) HELPLINE_SMTP_RECEIVE_PORT=$(SMTP_PORT) HELPLINE_MAIL_CATCHER_PORT=$(CATCHER_PORT) \
	HELPLINE_PUBLIC_URL=$${HELPLINE_PUBLIC_URL:-http://$(HOST):$(PORT)} \
	HELPLINE_LOOPS_IN_SERVER=1 $(VENV)/bin/uvicorn helpline.asgi:application --host $(HOST) --port $(PORT) --workers 1 --lifespan on

## make test: everything the suite needs (venv, Chromium for browser tests), then the suite
test: setup
	bash scripts/ensure-chromium
	bash scripts/ensure-dovecot
	$(PY) -m pytest -q $(PYTEST_ARGS); rc=$$?; [ $$rc -ne 5 ] || { echo "pytest ran no test"; exit 1; }; exit $$rc

test-fast: setup
	$(PY) -m pytest -q -m "not browser and not slow" $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

format: setup
	$(VENV)/bin/ruff check --fix $(LINT_PATHS)
	$(VENV)/bin/ruff format $(LINT_PATHS)

## make messages: refresh the .po catalogues (the package's and each app's) from our code
## with GNU gettext, then compile them
messages: setup
	VENV=$(VENV) bash scripts/messages

## make bench: case creation and case list benchmarks (see bench/README.md for options and
## for generating the 1,000,000 cases the list benchmark reads)
bench: setup
	$(PY) -m bench.case_creation
	$(PY) -m bench.case_list

clean:
	rm -rf $(VENV) var
