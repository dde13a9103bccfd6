"""Log lines: readable text by default, one JSON object per line with LOG_FORMAT=json.

Every line carries the id of the request it was written for (`RequestIdFilter`,
from the service module's per-thread trace, so the export's page-fetching threads'
lines carry it too). No line names a URL path: references in URLs are personal
data, so requests are named by their route (`clients:detail`), and Django's own
request warnings ("Not Found: /clients/CL-000123/") are rewritten to the route
(`RoutesNotPaths`). The filters sit on the handler, where every record passes,
whichever logger wrote it.

This module is loaded while Django configures logging, before the apps: it imports
nothing but the service module's context.
"""

import json
import logging
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest

from dashboard.api import context

# What the access line (tracing.py) adds to its record; JSON lines carry them as fields.
REQUEST_FIELDS = (
    "user_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "api_calls",
    "api_ms",
)


def route_name(request: HttpRequest) -> str | None:
    """What a log line says instead of the path: the route's name, or None unrouted."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if request.path.startswith(settings.STATIC_URL):
        return "static"  # answered by whitenoise before any URL is resolved
    return None


class RequestIdFilter(logging.Filter):
    """The id of the request being served on every record (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the access line brings its own
            # Django logs a 4xx/5xx once the middleware is done: from the request it names.
            on_request = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = context.request_id() or on_request
        return True


class RoutesNotPaths(logging.Filter):
    """Django's request warnings name the path: "Not Found: /clients/CL-000123/" would
    put a client's reference in the log. The path becomes the route's name instead:
    "Not Found: route clients:detail" (or "route (none)" for a URL nothing serves).

    Records from `django.request` and `django.security` carry the request; the path is
    one of their arguments, unicode-escaped by Django (utils.log.log_response).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest) and isinstance(record.args, tuple):
            paths = _spellings(request)
            route = f"route {route_name(request) or '(none)'}"
            record.args = tuple(
                route if isinstance(arg, str) and arg in paths else arg for arg in record.args
            )
        return True


def _spellings(request: HttpRequest) -> set[str]:
    paths = {request.path, request.path_info, request.get_full_path()}
    return paths | {path.encode("unicode_escape").decode("ascii") for path in paths}


class TextLines(logging.Formatter):
    """The readable default: time, level, logger, [request id], message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_label)s] %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.request_label = getattr(record, "request_id", None) or "-"
        return super().formatMessage(record)


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id; the
    access line's request fields; a traceback as `exception`. Nothing else of the record
    (Django's records carry the whole request object)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if "status" not in line and hasattr(record, "status_code"):  # django.request's
            line["status"] = record.status_code
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
