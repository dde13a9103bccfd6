#!/usr/bin/env python
"""Django's command-line utility for the lender dashboard."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as problem:
        # A missing production setting is one sentence, not a traceback.
        sys.exit(f"Configuration error: {problem}")


if __name__ == "__main__":
    main()
