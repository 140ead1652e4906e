import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdm.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve when the encryption keys changed.
from cdm.crypto import verify_keys_or_exit  # noqa: E402

verify_keys_or_exit()
