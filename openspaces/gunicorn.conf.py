"""gunicorn settings for production: `gunicorn -c openspaces/gunicorn.conf.py openspaces.wsgi`.

Every value can be overridden from the environment (names below) or the command line.
Run it behind a reverse proxy that terminates TLS and buffers slow clients (README: Deploy).
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from openspaces.logfilters import redact

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Django is CPU-bound here (the board is cached, the database is near): one process
# per core plus one, each with a few threads to overlap the waits on PostgreSQL and
# Redis. WEB_CONCURRENCY is the conventional override (Heroku, Render, Dokku).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Load Django once in the master, fork the workers: faster (re)starts, shared memory.
# openspaces/wsgi.py warms it up first (the views, the URL lookups, the templates), so a
# worker replaced after max_requests answers at once; it opens no database or Redis
# connection, so nothing is shared by fork.
preload_app = True

# A request that takes 30 s is stuck (the slowest page takes milliseconds); kill and
# replace its worker. Give in-flight requests as long to finish on a graceful restart.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak can never take the server down.
max_requests = 20000
max_requests_jitter = 2000

# Logs to stdout/stderr, where systemd, Docker or the process manager collects them.
# GUNICORN_ACCESS_LOG= (empty) turns the access log off, e.g. for benchmarks.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


class RedactingLogger(Logger):
    """gunicorn's logger with the manage tokens taken out of every atom that holds a URL."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "f", "{raw_uri}e"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms


logger_class = RedactingLogger
# The proxy in front sets X-Forwarded-For/-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
