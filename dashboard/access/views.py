from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import RedirectView

from dashboard.audit.models import Action
from dashboard.audit.trail import record
from dashboard.regions import posted

from .guards import public, signed_in
from .middleware import ENDED_PARAMETER, renew, session_ended_notice
from .throttle import (
    cool_off_minutes,
    password_change_failed,
    password_change_locked_until,
    password_change_succeeded,
)


class SignIn(LoginView):
    template_name = "access/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Why this page is shown, when a session just ended (middleware.ended_session).
        # Carried through a failed sign-in by the form, as `next` is.
        ended = self.request.POST.get(ENDED_PARAMETER) or self.request.GET.get(ENDED_PARAMETER)
        notice = session_ended_notice(ended)
        return super().get_context_data(**kwargs) | {
            "ended": notice,
            "ended_reason": ended if notice else None,
        }


_login_form = SignIn.as_view()


@public
def login(request: HttpRequest) -> HttpResponse:
    # Both throttles refuse inside authenticate() (backends.ThrottledSignIn), so every
    # sign-in path meets them; django-axes' middleware answers a refusal, and the
    # failure that reaches axes' limit, with locked_out() below.
    response = _login_form(request)
    if getattr(request, "sign_in_address_locked", False):  # this failure reached our limit
        return locked_out(request, credentials={"username": request.POST.get("username", "")})
    return response


@public
@require_http_methods(["GET", "POST"])
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login URL (routed before the admin's own): our sign-in page instead,
    so the admin has no sign-in beside the throttles. A POST's credentials are not read."""
    back = request.GET.get("next") or reverse("admin:index")
    if request.user.is_authenticated and not admin.site.has_permission(request):
        # Signed in, but not for the admin: it would only send them back here.
        messages.info(request, "The admin is for administrators only.")
        return redirect("home")
    return redirect_to_login(back)  # our sign-in page sends a signed-in administrator on


# The admin's password change asks for the current password too: ours is the throttled one.
admin_password_change = signed_in(RedirectView.as_view(pattern_name="access:password_change"))


@signed_in
@require_POST
def renew_session(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in": the idle limit starts again now (never past the absolute limit).
    The seconds left come back in the Dashboard-Session-Remaining header."""
    renew(request)
    return HttpResponse(status=204)


_logout = LogoutView.as_view()  # POST only (Django 5); anonymous POSTs are harmless


@public
def logout_view(request: HttpRequest) -> HttpResponse:
    signed_in_before = request.user.is_authenticated
    response = _logout(request)
    if signed_in_before and not request.user.is_authenticated:
        # Stored after the session was flushed: the sign-in page shows it once.
        messages.success(request, "Signed out.")
    return response


@signed_in
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    if password_change_locked_until(request.user):  # refused before any password is checked
        return password_change_refused(request)
    form = PasswordChangeForm(request.user, posted(request))
    if request.method == "POST" and form.is_valid():
        form.save()
        password_change_succeeded(request.user)
        record(request, Action.PASSWORD_CHANGED)
        logout(request)
        messages.success(request, "Password changed. Sign in with your new password.")
        return redirect("access:login")
    if form.has_error("old_password", "password_incorrect"):
        record(
            request, Action.PASSWORD_CHANGE_FAILED, error=PermissionError("Wrong current password")
        )
        if password_change_failed(request.user):
            problem = PermissionError(
                f"{settings.AXES_FAILURE_LIMIT} wrong current passwords: password changes "
                f"refused for {cool_off_minutes()} minutes"
            )
            record(request, Action.PASSWORD_CHANGE_LOCKED, error=problem)
            return password_change_refused(request)
    return render(
        request, "access/password_change.html", {"form": form}, status=422 if form.errors else 200
    )


def password_change_refused(request: HttpRequest) -> HttpResponse:
    """The notice instead of the form while the user's password changes are throttled."""
    context = {
        "locked_until": password_change_locked_until(request.user),
        "minutes": cool_off_minutes(),
    }
    status = 429 if request.method == "POST" else 200
    return render(request, "access/password_change.html", context, status=status)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The answer while a sign-in throttle holds: django-axes' (AXES_LOCKOUT_CALLABLE) or ours."""
    username = (credentials or {}).get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_out": True,
        "username": username,
        "minutes": cool_off_minutes(),
    }
    return render(request, "access/login.html", context, status=429)
