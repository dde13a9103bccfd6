"""The session engines: Django's database and cached-database sessions, with the row
read by a query compiled once (dashboard/prepared.py) rather than built per request.

settings.SESSION_ENGINE names `dashboard.access.sessions.db` or `...cached_db`; each
module's `SessionStore` is Django's, only faster to load.
"""

from django.contrib.sessions.models import Session
from django.utils import timezone

from dashboard.prepared import Prepared

_LIVE_SESSION = Prepared(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values_list(
        "session_data", "expire_date"
    ),
    [Session._meta.get_field("session_key"), Session._meta.get_field("expire_date")],
    samples=["", timezone.now()],
)


class PreparedLoad:
    """Mixed into a database-backed SessionStore: `_get_session_from_db` as Django's
    (the unexpired row of this key, or None and the key forgotten), one compiled query."""

    def _get_session_from_db(self):
        rows = _LIVE_SESSION.rows(self.session_key, timezone.now())
        if not rows:
            self._session_key = None
            return None
        data, expires = rows[0]
        return self.model(session_key=self.session_key, session_data=data, expire_date=expires)
