"""The WSGI application of ``bench/inbox.py --http``: the project plus viewflow's stock pages for BenchFlow, mounted
as in the in-process measurement, served by gunicorn with the production configuration."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

from bench.inbox import mount_bench_site  # noqa: E402  (needs the settings loaded above)

mount_bench_site()
