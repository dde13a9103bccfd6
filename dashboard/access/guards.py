"""Who may call a view, declared next to it and checked on the server for every method.

Every view the project routes carries exactly one of:
  @public                  anyone, signed in or not (the login page)
  @signed_in               any signed-in staff member, even without a role
  @requires("view_clients") a permission of the user's role (group)
The authorization-matrix test reads `view.access` from every URL, so a view
without a declaration fails the suite.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse

from dashboard.errors import forbidden

from .roles import role_of, standing_of

View = Callable[..., HttpResponse]


def public(view: View) -> View:
    view = login_not_required(view)
    view.access = "public"
    return view


def signed_in(view: View) -> View:
    # LoginRequiredMiddleware already sends anonymous requests to the login page.
    view.access = "signed-in"
    return view


def role_permissions(user) -> frozenset[str]:
    """Codenames the user holds through their role group(s) alone, not per-user grants."""
    return standing_of(user).permissions


def may(user, codename: str) -> bool:
    held = role_permissions(user)
    return "*" in held or codename in held


def requires(*codenames: str) -> Callable[[View], View]:
    """Each of `codenames` (all of them) held through the user's role; declared on the
    view as "a+b" for the authorization matrix."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if role_of(request.user) is None:
                return forbidden(request, no_role=True)
            if not all(may(request.user, codename) for codename in codenames):
                return forbidden(request)
            return view(request, *args, **kwargs)

        guarded.access = "+".join(codenames)
        return guarded

    return decorate
