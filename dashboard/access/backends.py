"""The authentication backends: both sign-in throttles in front of every authenticate(),
then the password check and, on every request, the user with their role in one query."""

from functools import cache

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from dashboard.prepared import Prepared

from .roles import MEMBERSHIP_FIELDS, standing_from
from .throttle import address_locked


class ThrottledSignIn(AxesStandaloneBackend):
    """Refuses a sign-in while django-axes' lock (this username from this address) or ours
    (this address, access/throttle.py) holds, whoever calls authenticate(): our sign-in
    page (the admin's login leads there too) or any caller added later.

    It authenticates nobody: the next backend checks the password. A refusal raises
    PermissionDenied, which makes authenticate() stop before any password is checked
    and send `user_login_failed`, after marking the request:
    - `sign_in_refused`: neither throttle counts the attempt, and the audit trail does
      not record it as a failed sign-in (its lock's one entry stands for it);
    - `axes_locked_out` (axes sets it for its own lock): axes then neither counts the
      attempt nor extends its lock (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is
      off), and its middleware answers with `views.locked_out` (429).
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        try:
            # Raises without a request, so no caller can skip the throttles by omitting it.
            super().authenticate(request, username=username, password=password, **kwargs)
        except PermissionDenied:
            request.sign_in_refused = True
            raise
        if request is not None and address_locked(request):
            request.sign_in_refused = True
            request.axes_locked_out = True
            raise PermissionDenied("Too many failed sign-ins from this address")
        return None


class StaffBackend(ModelBackend):
    """Django's ModelBackend, but the user of each request comes with their role.

    ModelBackend loads the user, then the guards, the template context and the
    navigation asked for groups and permissions: three or four more queries per page.
    Here the user row is read joined with its groups and their permissions (one row
    per group and permission, a handful), so a page costs the session and this one
    query. Read afresh on every request, so an administrator's change of someone's
    groups or flags holds from their next request, on every instance.
    """

    def get_user(self, user_id):
        User = get_user_model()
        fields, query = user_with_memberships()
        rows = query.rows(user_id)
        if not rows:
            return None
        user = User.from_db(query.using, fields, rows[0][: len(fields)])
        user._standing = standing_from(user, (row[len(fields) :] for row in rows))
        return user if self.user_can_authenticate(user) else None


@cache
def user_with_memberships() -> tuple[list[str], Prepared]:
    """The user's columns, and the query for a user by id joined with the memberships:
    resolving some thirty names and their joins cost more than running the query, so it
    is compiled once (dashboard/prepared.py)."""
    User = get_user_model()
    fields = [field.attname for field in User._meta.concrete_fields]
    columns = User._default_manager.values_list(*fields, *MEMBERSHIP_FIELDS)
    return fields, Prepared(
        lambda user_id: columns.filter(pk=user_id), [User._meta.pk], samples=[0]
    )
