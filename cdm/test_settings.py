"""Settings for the test suite: the development profile, whatever the shell says about DEBUG.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so CI runs the same
suite against PostgreSQL and Redis.
"""

import os

os.environ["DEBUG"] = "1"

from cdm.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Django's test Client.login() calls authenticate() without a request, which axes refuses; the suite
# logs in with force_login() or through the real form. tests/cdm/test_login_throttling.py turns axes
# on for its tests (AXES_ENABLED is read on every call).
AXES_ENABLED = False

# SQLite: a test database in a file, not Django's shared in-memory one. Threads (tests/test_concurrency.py,
# the live server of the browser tests) then take SQLite's real database locks, with the busy timeout and
# transaction mode of the embedded default; the shared cache's table locks fail at once instead.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"cdm-test-{os.getpid()}.sqlite3"),
    }
