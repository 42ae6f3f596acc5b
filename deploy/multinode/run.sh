#!/usr/bin/env bash
# The multi-node check (README, "Deploying"): nginx in front of two gunicorn instances, two Celery workers and one
# beat on PostgreSQL and Redis, all on loopback; one proposal walked to 办结 through nginx, one worker SIGKILLed
# mid-run, then nothing may be lost or duplicated. Prints one JSON line of figures; exits non-zero on any failure.
#
#   deploy/multinode/run.sh [--db-name NAME] [--redis-db N] [--port P] [--keep]
#
# DATABASE_URL and CELERY_BROKER_URL (defaults postgres://postgres@127.0.0.1:5432/postgres, redis://127.0.0.1:6379/0)
# only name the servers: the check creates and drops its own database (tongxin_multinode) and flushes its own Redis
# database number (13). nginx comes from Debian's package, installed by scripts/ensure_services.sh if missing (as
# root); it runs in the foreground with its own config in a temporary folder, never as the system service.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/ensure_services.sh nginx >&2
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" deploy/multinode/check.py "$@"
