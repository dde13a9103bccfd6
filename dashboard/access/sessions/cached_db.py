"""SESSION_ENGINE = "dashboard.access.sessions.cached_db": Django's cached database
sessions (the database read only when the cache misses)."""

from django.contrib.sessions.backends import cached_db

from . import PreparedLoad


class SessionStore(PreparedLoad, cached_db.SessionStore):
    pass
