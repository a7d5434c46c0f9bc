"""gunicorn settings for production: `gunicorn` in this folder (see README, Deploy).

Screening is CPU work in Python (the engine, then the HTML or JSON), so workers beyond the
cores only queue behind each other, and each one holds its own compiled catalogue of the
registry: one worker per core, plus one to cover a worker waiting on the database.
docs/performance.md has the load test behind these numbers.
"""

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1)))
worker_class = "sync"
# A sync worker serves one request at a time (no keep-alive): the TLS proxy in front buffers
# slow clients and holds the connections to browsers.
timeout = 30
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
# The heartbeat file in memory, so a busy disk cannot make a healthy worker look hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
# Only method, path, status and timing: patient values never appear in URLs or logs.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"


def post_worker_init(worker) -> None:
    """Compile the registry before the first request rather than during it.

    A new worker (at start, and when one is recycled after `max_requests`) would otherwise make
    its first visitor wait for the whole catalogue to be read and compiled.
    """
    from django.db import connections

    from screening.catalogue import current_catalogue

    try:
        trials = len(current_catalogue().trials)
        worker.log.info("Catalogue of %d trials compiled", trials)
    except Exception:  # a database not migrated or not reachable yet: the first request retries
        worker.log.exception("Could not compile the catalogue at start")
    finally:
        connections.close_all()
