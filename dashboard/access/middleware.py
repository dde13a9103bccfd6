"""Sign-in enforced for every request, and the session's idle and absolute limits."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_htmx.http import HttpResponseClientRedirect

from dashboard.regions import HtmxHttpRequest, vary_on_htmx

from . import drafts

SIGNED_IN_AT = "signed_in_at"
RENEWED_AT = "renewed_at"
# On every signed-in response: the seconds the session has left (see session_left), so the
# page's script (static/js/session.js) can warn before it ends.
REMAINING_HEADER = "Dashboard-Session-Remaining"


@dataclass(frozen=True)
class SessionLeft:
    """Seconds until the session ends (`seconds`), and until its absolute limit, which no
    activity extends (`absolute`): when the two are equal, renewing cannot help."""

    seconds: int
    absolute: int


def session_left(request: HttpRequest) -> SessionLeft | None:
    """For a signed-in request: how long its session lasts without further activity."""
    if not request.user.is_authenticated:
        return None
    now = time.time()
    idle_ends = request.session.get(RENEWED_AT, now) + settings.SESSION_COOKIE_AGE
    absolute_ends = request.session.get(SIGNED_IN_AT, now) + settings.SESSION_MAX_AGE_HOURS * 3600
    return SessionLeft(
        seconds=max(0, int(min(idle_ends, absolute_ends) - now)),
        absolute=max(0, int(absolute_ends - now)),
    )


def renew(request: HttpRequest) -> None:
    """Restart the idle limit now (the session is saved at the end of the request)."""
    request.session[RENEWED_AT] = time.time()


def login_redirect(
    request: HtmxHttpRequest, *, back: str | None = None, ended: str | None = None
) -> HttpResponse:
    """To the login page and back `back` (this page) afterwards; for htmx, a full-page
    redirect (a login form swapped into a table cell would help nobody). `ended` says
    why the sign-in page is shown (SESSION_ENDED), `back` may bring a kept draft."""
    htmx = request.htmx  # django-htmx's middleware runs before this one
    if back is None:
        back = (htmx.current_url_abs_path if htmx else None) or request.get_full_path()
    url = redirect_to_login(back).url
    if ended is not None:
        url += f"&{ENDED_PARAMETER}={ended}"
    if htmx:
        return vary_on_htmx(HttpResponseClientRedirect(url))
    return vary_on_htmx(HttpResponseRedirect(url))


# Why the sign-in page is shown, from its query string (so concurrent requests of an
# ended session cannot race on a message): the reason, and whether a Save was kept.
ENDED_PARAMETER = "ended"
SESSION_ENDED = ("idle", "limit", "signed-out", "idle-kept", "limit-kept", "signed-out-kept")


def session_ended_notice(ended: str | None) -> str | None:
    """The sign-in page's sentence for `ended` (None for anything else)."""
    if ended not in SESSION_ENDED:
        return None
    reason = ended.removesuffix("-kept")
    minutes = settings.SESSION_COOKIE_AGE // 60
    hours = f"{settings.SESSION_MAX_AGE_HOURS:g}"
    opening = {
        "idle": f"Your session ended after {minutes} minutes without activity",
        "limit": f"Your session reached its {hours}-hour limit",
        "signed-out": "Your session has ended",
    }[reason]
    if ended.endswith("-kept"):
        return f"{opening}; sign in to continue — your changes are kept."
    return f"{opening}; sign in to continue."


def ended_session(request: HttpRequest, view, *, reason: str | None = None) -> HttpResponse:
    """The answer to a request whose session is over: a Save is kept for its author
    (drafts.py) and comes back after the sign-in; the sign-in page says why."""
    if reason is None:
        reason = getattr(request, "session_ended", None)  # SessionLifetime's absolute limit
    if reason is None:  # a session cookie that no longer loads: the idle limit passed
        reason = "idle" if settings.SESSION_COOKIE_NAME in request.COOKIES else None
    token = drafts.keep(request, view)
    if token is None:
        return login_redirect(request, ended=reason)
    return login_redirect(
        request,
        back=drafts.address_with(request.path, token),
        ended=f"{reason or 'signed-out'}-kept",
    )


class LoginRequired(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware (views opt out with @public), htmx-aware, and
    keeping a Save that arrives after the session ended (`ended_session`)."""

    def handle_no_permission(self, request, view_func):
        return ended_session(request, view_func)


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
                # Signed out here; the request goes on as anyone's would, so a Save is
                # kept (or not) by LoginRequired, after the CSRF check, like any other.
                logout(request)
                request.session_ended = "limit"
                return self.get_response(request)
            if now - request.session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                request.session[RENEWED_AT] = now  # a change: the session is saved
        response = self.get_response(request)
        left = session_left(request)  # after the view: a sign-out or a renewal counts
        if left is not None:
            response[REMAINING_HEADER] = f"{left.seconds}, absolute={left.absolute}"
        return response


@receiver(user_logged_in)
def _remember_sign_in_time(sender, request, user, **kwargs) -> None:
    request.session[SIGNED_IN_AT] = request.session[RENEWED_AT] = time.time()
