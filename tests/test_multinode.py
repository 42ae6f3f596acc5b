"""The multi-node check (deploy/multinode/run.sh) as part of CI: nginx over two gunicorn instances, two Celery workers
and one beat on PostgreSQL and Redis, one proposal walked to 办结 through nginx, one worker SIGKILLed mid-run.

The script runs the real processes; this test only starts it and reads its figures. It needs Debian's nginx, which
``make test`` installs through scripts/ensure_services.sh.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.multinode

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def figures_of(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert lines, f"the script printed no JSON line:\n{stdout[-2000:]}"
    return json.loads(lines[-1])


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (run: bash scripts/ensure_services.sh nginx)")
def test_a_proposal_walks_to_conclusion_across_two_web_instances_and_survives_a_killed_worker():
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    # The check names its own database on the tests' PostgreSQL server, and its own Redis database number.
    db = f"tongxin_multinode_{os.getpid()}"
    result = subprocess.run(
        ["bash", "deploy/multinode/run.sh", "--db-name", db],
        cwd=ROOT, env={**env, "PYTHON": sys.executable}, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    figures = figures_of(result.stdout)
    print("MULTINODE " + json.dumps(figures, ensure_ascii=False))

    assert figures["ok"] and figures["status"] == "concluded"
    # both web instances answered
    assert len(figures["requests_per_upstream"]) == 2
    assert all(n > 0 for n in figures["requests_per_upstream"].values())
    # the whole walk, from submission to 办结
    assert figures["step_names"][0] == "submit" and figures["step_names"][-1] == "conclude"
    assert figures["steps"] == 11
    # a worker died while the notifications of 交办 waited; nothing was lost or sent twice
    assert figures["pending_at_kill"] > 0
    # the killed worker held a task unacknowledged; a delivery it held was found again by the outbox relay
    assert figures["held_at_kill"]
    if "notifications.tasks.deliver" in figures["held_at_kill"]:
        assert figures["relayed"] >= 1
    assert figures["duplicates"] == 0 and figures["lost"] == 0
    assert figures["deliveries"].get("sent", 0) == figures["emails_written"] > 0
