"""The first authentication backend: both sign-in throttles, in front of every authenticate()."""

from axes.backends import AxesStandaloneBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

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
