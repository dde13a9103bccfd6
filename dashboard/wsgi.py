"""WSGI entry point: `gunicorn dashboard.wsgi` (or any WSGI server)."""

import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
application = get_wsgi_application()

if settings.DEBUG:
    # Only production servers load this module (the demo uses runserver): say it
    # where whoever starts the server will see it, in every worker's log.
    sys.stderr.write(
        "\n"
        "WARNING: DEBUG is on in a production server. Error pages show settings, "
        "local variables and client data to anyone.\n"
        "         Set DEBUG=False (the default) in the environment or .env.\n\n"
    )
    sys.stderr.flush()
