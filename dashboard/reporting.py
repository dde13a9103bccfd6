"""Django's error reports (the DEBUG page, mails to ADMINS) never show the API key.

Django hides settings by name (API_SECRET_KEY) and the variables a function marks
with @sensitive_variables, but not the locals of the libraries below us: urllib3's
`urlopen` holds the request headers, `Authorization: Bearer <key>` among them, and
an unexpected exception inside it would print them.
"""

from typing import Any

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter


class SecretHidingReporterFilter(SafeExceptionReporterFilter):
    """Replaces any frame variable whose repr contains the API key, in every frame.

    Unlike the filter's other cleansing, this holds with DEBUG on as well: a debug
    page pointed at the real API must not print its key either.
    """

    def get_traceback_frame_variables(self, request, tb_frame) -> list[tuple[str, Any]]:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        secret = settings.API_SECRET_KEY
        if not secret:
            return list(variables)
        return [
            (name, self.cleansed_substitute if reveals(value, secret) else value)
            for name, value in variables
        ]


def reveals(value: Any, secret: str) -> bool:
    try:
        return secret in repr(value)
    except Exception:
        return True  # a value that cannot be looked at cannot be shown safely either
