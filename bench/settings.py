"""Settings for the gunicorn that bench/dashboard.py measures: the development settings with DEBUG off,
the project's URLs plus the bare floor view (bench/urls_floor.py), and the timing middleware
(bench/timing.py) around everything else. Selected with DJANGO_SETTINGS_MODULE=bench.settings; never
used by the app itself.

The database comes from DATABASE_URL and persistent connections from CONN_MAX_AGE, as in production
(docker-compose.yml sets 60 s); bench/dashboard.py sets both.
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import MIDDLEWARE

DEBUG = False
ROOT_URLCONF = "bench.urls_floor"
# Outermost: the whole of Django's work on a request (sessions, auth, the view, the template, every
# middleware). Innermost: the view and its template alone.
MIDDLEWARE = ["bench.timing.ServerTimingMiddleware", *MIDDLEWARE, "bench.timing.ViewTimingMiddleware"]
