from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from dashboard.audit.trail import record
from dashboard.regions import posted

from .guards import public, signed_in
from .throttle import ip_throttled

_login_form = LoginView.as_view(
    template_name="access/login.html", redirect_authenticated_user=True
)


@public
def login(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and ip_throttled(request):
        username = request.POST.get("username", "")[:150]
        record(
            request,
            "auth.locked_out",
            username=username,
            error=PermissionError("Too many failed sign-ins from this address"),
        )
        return locked_out(request, credentials={"username": username})
    return _login_form(request)


logout_view = public(LogoutView.as_view())  # POST only (Django 5); anonymous POSTs are harmless


@signed_in
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, posted(request))
    if request.method == "POST" and form.is_valid():
        form.save()
        record(request, "auth.password_changed")
        logout(request)
        messages.success(request, "Password changed. Sign in with your new password.")
        return redirect("access:login")
    return render(
        request, "access/password_change.html", {"form": form}, status=422 if form.errors else 200
    )


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once a username and IP have failed too often (AXES_LOCKOUT_CALLABLE)."""
    username = (credentials or {}).get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"form": form, "locked_out": True, "username": username, "minutes": minutes}
    return render(request, "access/login.html", context, status=429)
