"""SESSION_ENGINE = "dashboard.access.sessions.db": Django's database sessions."""

from django.contrib.sessions.backends import db

from . import PreparedLoad


class SessionStore(PreparedLoad, db.SessionStore):
    pass
