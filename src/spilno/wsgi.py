"""WSGI entry point for gunicorn and `spilno serve`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spilno.settings")
application = get_wsgi_application()
