"""gunicorn's settings for CoopMap (read from the working directory, or with ``--config``).

Threaded workers: the open-data exports stream for about a minute at a million organizations.
A sync worker is killed once one request takes longer than ``timeout`` (its default 30 s cut
the exports short); a threaded worker's ``timeout`` only watches the worker process itself,
which keeps answering its heartbeat while threads stream. So ``timeout`` stays short and a hung
worker is still replaced soon. Each thread holds its own database connection: ``workers`` ×
``threads`` connections at most.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Let running downloads finish on a restart or scale-down, up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "120"))
keepalive = 5
