"""A form's typed values kept across the end of a session, for the same person only.

A form that keeps drafts (a view marked `@keeps_drafts`) carries a signed owner token:
who opened it, and where (`owner_token`, rendered as a hidden field). When its Save
arrives after the session ended (the idle limit, the absolute limit, a sign-out in
another tab), the middleware keeps what was posted in the database, against that
person, for DRAFT_MINUTES (`keep`), and sends the browser to the sign-in page with the
draft's token in `next`. Once that same person has signed in, the form's GET with the
token gets the values back (`take`, until the form is saved: `forget`), unsaved. Anyone else
signing in on that browser gets the empty form: a draft is never shown to another user,
and nothing of it is kept in the browser.

This module knows forms only as posted fields: a view that takes uploads says how they
become fields (`@keeps_drafts(files=...)`), e.g. a photo as a data URI.
"""

import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.dispatch import receiver
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from .models import Draft

OWNER_FIELD = "draft_owner"
TOKEN_BYTES = 24
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # token_urlsafe(24): anything else names no draft
DRAFT_PARAMETER = "draft"
_SALT = "dashboard.access.drafts.owner"
# Not kept: Django's CSRF token (the restored form renders its own) and the owner token.
_NOT_KEPT = frozenset({"csrfmiddlewaretoken", OWNER_FIELD})

FilesAsFields = Callable[[Any], dict[str, list[str]]]


def keeps_drafts(view=None, *, files: FilesAsFields | None = None):
    """Mark a view whose form Saves are kept when they arrive after the session ended.
    `files(request.FILES)` turns uploads into posted fields (the default drops them)."""

    def mark(view):
        view.keeps_drafts = files or _no_files
        return view

    return mark(view) if view is not None else mark


def _no_files(uploads) -> dict[str, list[str]]:
    return {}


def owner_token(request: HttpRequest) -> str:
    """For the form on this page: who opened it, and at which address (signed)."""
    return signing.dumps({"user": request.user.pk, "path": request.path}, salt=_SALT)


def keep(request: HttpRequest, view) -> str | None:
    """For a Save that arrived without a signed-in user: keep its fields for the person
    who opened the form, and return the draft's token; None when there is nothing to
    keep (not a Save, not such a form, no valid owner token, or no such active user)."""
    files_as_fields = getattr(view, "keeps_drafts", None)
    if request.method != "POST" or files_as_fields is None:
        return None
    owner = _owner(request)
    if owner is None:
        return None
    fields = {name: request.POST.getlist(name) for name in request.POST if name not in _NOT_KEPT}
    fields |= files_as_fields(request.FILES)
    now = timezone.now()
    Draft.objects.filter(expires_at__lte=now).delete()
    Draft.objects.filter(user=owner, path=request.path).delete()  # the newest Save wins
    token = secrets.token_urlsafe(TOKEN_BYTES)
    Draft.objects.create(
        token=token,
        user=owner,
        path=request.path,
        fields=fields,
        expires_at=now + timedelta(minutes=settings.DRAFT_MINUTES),
    )
    return token


def _owner(request: HttpRequest):
    # A form opened at the start of a session may be saved up to the absolute limit later.
    max_age = settings.SESSION_MAX_AGE_HOURS * 3600 + settings.SESSION_COOKIE_AGE
    try:
        owner = signing.loads(request.POST.get(OWNER_FIELD, ""), salt=_SALT, max_age=max_age)
    except signing.BadSignature:  # expired tokens included
        return None
    if not isinstance(owner, dict) or owner.get("path") != request.path:
        return None
    return get_user_model().objects.filter(pk=owner.get("user"), is_active=True).first()


def take(request: HttpRequest) -> QueryDict | None:
    """The draft named by this GET's `draft` parameter, if it is this user's and this
    page's and still fresh: its fields as a bound form's data. It stays until the form
    is saved (`forget`) or it expires: a reload of the page shows it again."""
    token = request.GET.get(DRAFT_PARAMETER, "")
    if not TOKEN.fullmatch(token) or request.method != "GET" or not request.user.is_authenticated:
        return None
    purge()
    draft = Draft.objects.filter(token=token, user=request.user, path=request.path).first()
    if draft is None:
        return None
    data = QueryDict(mutable=True)
    for name, values in draft.fields.items():
        data.setlist(name, [str(value) for value in values])
    return data


def forget(request: HttpRequest) -> None:
    """The form on this page was saved: its drafts are of no further use."""
    Draft.objects.filter(user=request.user, path=request.path).delete()


def purge() -> None:
    """Drafts past their time are deleted, not merely ignored (they hold personal data)."""
    Draft.objects.filter(expires_at__lte=timezone.now()).delete()


@receiver(user_logged_in)
def _purge_on_sign_in(sender, request, user, **kwargs) -> None:
    purge()


def address_with(path: str, token: str) -> str:
    """The form's address that brings the draft back."""
    return f"{path}?{DRAFT_PARAMETER}={token}"
