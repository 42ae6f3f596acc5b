"""gunicorn for Tongxin behind nginx: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Threads, not processes, carry most of the concurrency: requests mostly wait on PostgreSQL. Override any value with
GUNICORN_* environment variables in the unit (e.g. GUNICORN_BIND for a second instance on one host).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# `make run` (supervisord-embedded.conf) runs the demo with DEBUG=1 on loopback unless ALLOW_DEBUG_BEYOND_LOOPBACK=1.
if (os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on") and not bind.startswith(("127.", "localhost", "[::1]"))
        and os.environ.get("ALLOW_DEBUG_BEYOND_LOOPBACK") != "1"):
    raise SystemExit("DEBUG=1 would show stack traces and settings beyond this machine: unset DEBUG or bind to 127.0.0.1.")
workers = int(os.environ.get("GUNICORN_WORKERS", 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
# A request that takes longer is a bug or a stuck dependency; the worker is replaced, the request answered 502.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow for weeks.
max_requests = 2000
max_requests_jitter = 200
# nginx is the only client: trust its X-Forwarded-* headers from loopback only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request=%({x-request-id}o)s'
errorlog = "-"
