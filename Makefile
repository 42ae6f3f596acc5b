# Tongxin: `make run` starts the demo on this machine, `make test` runs the whole suite (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Stamp: the install is redone only when pyproject.toml changes.
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: venv messages run test check audit loopback-only

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

messages: venv
	$(BIN)/python scripts/i18n.py compile

# The demo runs with DEBUG=1, whose error pages show stack traces and settings: never beyond this machine unless
# explicitly allowed.
loopback-only:
	@case "$(HOST)" in 127.*|localhost|::1|"[::1]") ;; *) test "$(ALLOW_DEBUG_BEYOND_LOOPBACK)" = 1 || { \
	  echo "make run serves DEBUG pages (stack traces, settings): HOST=$(HOST) would show them to other machines."; \
	  echo "Use HOST=127.0.0.1, or ALLOW_DEBUG_BEYOND_LOOPBACK=1 if this network is yours alone."; exit 2; } ;; esac

# supervisord reads no .env file, so a production .env next to the checkout cannot leak into the demo. The demo's
# SECRET_KEY is made once in var/ (owner-only) so sessions survive a restart; settings never write files.
run: export DEBUG := 1
# The demo accounts sign in with their password alone (README: the second factor is required in production).
run: export TONGXIN_2FA_REQUIRED := 0
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: export TONGXIN_BASE_URL ?= http://$(HOST):$(PORT)
run: loopback-only venv messages
	mkdir -p var && chmod 700 var
	test -s var/secret_key || (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key)
	SECRET_KEY="$$(cat var/secret_key)" $(BIN)/python manage.py migrate --noinput
	SECRET_KEY="$$(cat var/secret_key)" $(BIN)/python manage.py seed_demo
	@echo "Tongxin on http://$(HOST):$(PORT)/ — demo accounts in README.md, Ctrl-C stops web, worker and beat."
	SECRET_KEY="$$(cat var/secret_key)" PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/supervisord -c deploy/supervisord-embedded.conf

# Production-like: DEBUG is dropped from the caller's environment; pyproject.toml gives pytest the rest.
test: venv messages
	bash scripts/ensure_services.sh
	env -u DEBUG \
	    DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" \
	    CELERY_BROKER_URL="$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}" \
	    PATH="$(CURDIR)/$(BIN):$$PATH" \
	    $(BIN)/pytest
	$(BIN)/lint-imports --no-cache
	$(MAKE) --no-print-directory audit

# What ships (bench/ and tests/ do not): bandit, each finding fixed or marked `# nosec BXXX  # reason`; pip-audit says
# SKIPPED, never "clean", when the vulnerability service cannot be reached (PIP_AUDIT_REQUIRED=1 makes that an error).
BANDIT_PATHS := config workflows proposals nomination notifications scripts manage.py
audit: venv
	$(BIN)/bandit -c pyproject.toml -r $(BANDIT_PATHS) -q
	$(BIN)/python scripts/pip_audit.py

check: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
