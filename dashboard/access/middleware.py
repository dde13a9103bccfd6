"""Sign-in enforced for every request, and the session's idle and absolute limits."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from dashboard.regions import vary_on_htmx

SIGNED_IN_AT = "signed_in_at"
RENEWED_AT = "renewed_at"


def login_redirect(request: HttpRequest) -> HttpResponse:
    """To the login page and back here afterwards; for htmx, a full-page redirect
    (a login form swapped into a table cell would help nobody)."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        back = htmx.current_url_abs_path or request.get_full_path()
        return vary_on_htmx(HttpResponseClientRedirect(redirect_to_login(back).url))
    return vary_on_htmx(redirect_to_login(request.get_full_path()))


class LoginRequired(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware (views opt out with @public), htmx-aware."""

    def handle_no_permission(self, request, view_func):
        return login_redirect(request)


class SessionLifetime:
    """Ends a session `SESSION_MAX_AGE_HOURS` after sign-in, however active it was, and
    renews its idle limit.

    The idle limit is Django's: a saved session expires SESSION_COOKIE_AGE after the
    save. Saving on every request (SESSION_SAVE_EVERY_REQUEST) cost a database write per
    page; instead the session is saved when it changes, or when it was last renewed
    SESSION_RENEW_SECONDS ago or more, so an idle session ends within that many seconds
    of the idle limit, never later.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SIGNED_IN_AT)
            if started is None or now - started > settings.SESSION_MAX_AGE_HOURS * 3600:
                logout(request)
                messages.info(request, "Your session has ended. Sign in again to continue.")
                return login_redirect(request)
            if now - request.session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                request.session[RENEWED_AT] = now  # a change: the session is saved
        return self.get_response(request)


@receiver(user_logged_in)
def _remember_sign_in_time(sender, request, user, **kwargs) -> None:
    request.session[SIGNED_IN_AT] = request.session[RENEWED_AT] = time.time()
