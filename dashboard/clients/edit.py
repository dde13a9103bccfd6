"""Changing clients: create, edit and delete, each audited, success or failure.

No write is lost or made twice. A create sends the form's own Idempotency-Key on
every Save, and remembers which client a Save made; when the API's answer is lost,
the view looks for the client before it invites a retry. An edit is checked against
the client read just before the PATCH: a concurrent change is shown beside the
user's, never overwritten unseen. A delete whose answer is lost reads the client
back before saying anything.
"""

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from dashboard import api
from dashboard.access import drafts
from dashboard.access.drafts import keeps_drafts
from dashboard.access.guards import requires
from dashboard.audit.models import Action
from dashboard.audit.trail import record
from dashboard.errors import api_problem, error_page, error_status
from dashboard.regions import HtmxHttpRequest, navigate, posted, render_page

from . import portfolio
from .forms import (
    COUNTRIES,
    MAX_PHOTO_BYTES,
    NIGERIAN_STATES,
    ClientForm,
    FieldConflict,
    current_values,
    image_data_uri,
    shown_value,
)
from .forms import initial_for as form_initial
from .lookups import clients_matching, created_by, created_since, forget, request_key_digest
from .references import client_url


def photo_fields(uploads) -> dict[str, list[str]]:
    """A Save kept after the session ended keeps its photo upload too, as the form
    carries an accepted one (a data URI in image_data); a refused one is dropped."""
    upload = uploads.get("image_file")
    if upload is None or upload.size > MAX_PHOTO_BYTES:
        return {}
    try:
        return {"image_data": [image_data_uri(upload.read())]}
    except ValidationError:
        return {}


@keeps_drafts(files=photo_fields)
@require_http_methods(["GET", "POST"])
@requires("create_client")
def client_create(request: HtmxHttpRequest) -> HttpResponse:
    restored = drafts.take(request)
    form = ClientForm(restored or posted(request), request.FILES or None, creating=True)
    context: dict[str, Any] = {"restored": restored is not None}
    if request.method == "POST" and form.is_valid():
        key = request_key_digest(
            user_id=request.user.pk, request_key=form.cleaned_data["request_key"]
        )
        already = created_by(user_id=request.user.pk, digest=key)
        if already:  # this very form was saved before: never a twin
            messages.info(request, f"This client was already created as {already}.")
            return navigate(request, client_url("detail", already) or reverse("clients:list"))
        fields = form.api_fields()
        changes = {name: {"old": None, "new": value} for name, value in fields.items() if value}
        audit = {"changes": audit_safe(changes), "details": {"request_key": key}}
        started = timezone.now()
        try:
            client = api.client_create(fields=fields, idempotency_key=key)
        except api.OutcomeUnknown as error:
            found = created_after_all(fields, since=started)
            audit["details"] |= {"answer": "lost", "checked": found.summary}
            if not found.made_by_this_save:
                record(
                    request,
                    Action.CLIENT_CREATE,
                    error=error,
                    client_id=found.client.id if found.client else "",
                    client_ref=found.ref,
                    **audit,
                )
                context["found"] = found  # the form says what the check found, input kept
            else:
                record(
                    request,
                    Action.CLIENT_CREATE,
                    client_id=found.client.id,
                    client_ref=found.ref,
                    **audit,
                )
                messages.warning(
                    request,
                    f"The Clients API did not confirm the new client, but {found.ref} was "
                    "created just now with exactly these details: this is it.",
                )
                return navigate(request, found.url or list_noting(request))
        except api.ApiError as error:
            record(request, Action.CLIENT_CREATE, error=error, **audit)
            show_api_error(form, error)
        else:
            record(
                request,
                Action.CLIENT_CREATE,
                client_id=client.id,
                client_ref=client.client_ref,
                **audit,
            )
            drafts.forget(request)
            messages.success(request, f"Created {client.full_name} ({client.client_ref}).")
            return navigate(
                request, client_url("detail", client.client_ref) or list_noting(request)
            )
    return render_form(
        request, form, title="New client", action=reverse("clients:create"), **context
    )


@keeps_drafts(files=photo_fields)
@require_http_methods(["GET", "POST"])
@requires("change_client")
def client_edit(request: HtmxHttpRequest, client_ref: str) -> HttpResponse:
    action = reverse("clients:edit", args=[client_ref])
    try:
        client = api.client_get(client_ref=client_ref)  # just before the PATCH, on a Save
    except api.NotFound:
        raise Http404("No such client") from None
    except api.ApiError as error:
        return edit_unavailable(request, client_ref, action, error)

    # A Save kept when the session ended: as typed, against the version it was opened on
    # (a change made meanwhile shows as a conflict on the next Save).
    restored = drafts.take(request)
    form = ClientForm(
        restored or posted(request),
        request.FILES or None,
        creating=False,
        current=client,
        initial=form_initial(client),
    )
    context: dict[str, Any] = {
        "client": client,
        "client_ref": client_ref,
        "restored": restored is not None,
    }
    if request.method == "POST":
        form.take_chosen(client)  # after a conflict: "take theirs" where the user chose it
    if request.method == "POST" and form.is_valid():
        conflicts = form.conflicts_with(client)
        if conflicts:
            form.rebase_on(client, conflicts)
            context["conflicts"] = conflict_rows(conflicts)
        else:
            response = save_changes(request, form, client, client_ref)
            if response is not None:
                return response
    return render_form(request, form, title=f"Edit {client.full_name}", action=action, **context)


@require_POST
@requires("delete_client")
def client_delete(request: HtmxHttpRequest, client_ref: str) -> HttpResponse:
    if settings.FOUR_EYES_DELETE:  # a second Manager approves: approvals/deletions.py
        return error_page(
            request,
            403,
            "Deleting needs a second Manager",
            "Deleting a client needs another Manager's approval: use Request deletion on the "
            "client's page.",
        )
    try:
        client = api.client_get(client_ref=client_ref)  # its id: the DELETE's, the audit's
    except api.NotFound as error:
        return already_deleted(request, client_ref, error)
    except api.ApiError as error:
        record(request, Action.CLIENT_DELETE, client_ref=client_ref, error=error)
        return delete_failed(request, client_ref, error)
    audit = {"client_id": client.id, "client_ref": client_ref}
    try:
        api.client_delete(client_id=client.id)
    except api.NotFound as error:
        return already_deleted(request, client_ref, error, client_id=client.id)
    except api.OutcomeUnknown as error:
        # The DELETE may have happened: read the client back before saying anything.
        try:
            api.client_get(client_ref=client_ref)
        except api.NotFound:
            pass  # gone: it was deleted, only the answer was lost
        except api.ApiError:
            record(request, Action.CLIENT_DELETE, error=error, **audit)
            return delete_failed(request, client_ref, error, unknown=True)
        else:
            record(request, Action.CLIENT_DELETE, error=error, **audit)
            return delete_failed(request, client_ref, error)
    except api.ApiError as error:
        record(request, Action.CLIENT_DELETE, error=error, **audit)
        return delete_failed(request, client_ref, error)
    record(request, Action.CLIENT_DELETE, details={"name": client.full_name}, **audit)
    forget(client_ref)
    portfolio.forget(client.id)
    messages.success(request, f"Deleted {client.full_name} ({client_ref}).")
    return navigate(request, reverse("clients:list"))


def already_deleted(
    request: HtmxHttpRequest, client_ref: str, error: api.ApiError, *, client_id: str = ""
) -> HttpResponse:
    record(request, Action.CLIENT_DELETE, client_id=client_id, client_ref=client_ref, error=error)
    messages.info(request, f"{client_ref} no longer exists: it was already deleted.")
    return navigate(request, reverse("clients:list"))


# --- helpers ----------------------------------------------------------------------


def save_changes(
    request: HtmxHttpRequest, form: ClientForm, client: api.Client, client_ref: str
) -> HttpResponse | None:
    """PATCH what the user changed; a response on success, None to show the form again."""
    changes = form.changes()
    detail = reverse("clients:detail", args=[client_ref])
    if not changes:
        messages.info(request, "Nothing was changed, so nothing was sent.")
        return navigate(request, detail)
    changed = {name: change["new"] for name, change in changes.items()}
    audit = {"client_id": client.id, "client_ref": client_ref, "changes": audit_safe(changes)}
    try:
        updated = api.client_update(
            client_id=client.id, changes=changed, current=current_values(client)
        )
    except api.OutcomeUnknown as error:
        updated, checked = saved_after_all(client_ref, changed)
        if updated is None:
            record(request, Action.CLIENT_UPDATE, error=error, **audit)
            form.add_error(
                None,
                f"{error.message} Reading the client back did not show your changes: they "
                "were not saved. Your input is kept: press Save to try again."
                if checked
                else f"{error.message} It could not be checked: reload the client to see "
                "whether your changes are there before saving again. Your input is kept.",
            )
            return None
        audit["details"] = {"answer": "lost", "checked": "read back: saved"}
    except api.ApiError as error:
        record(request, Action.CLIENT_UPDATE, error=error, **audit)
        show_api_error(form, error)
        return None
    record(request, Action.CLIENT_UPDATE, **audit)
    drafts.forget(request)
    portfolio.forget(client.id)
    messages.success(
        request,
        f"Saved {updated.full_name} ({client_ref}): {', '.join(label(name) for name in changes)}.",
    )
    return navigate(request, detail)


def saved_after_all(client_ref: str, changed: dict[str, Any]) -> tuple[api.Client | None, bool]:
    """After a PATCH whose answer was lost: (the client if it now holds the changes,
    whether it could be read back at all)."""
    try:
        client = api.client_get(client_ref=client_ref)
    except api.ApiError:
        return None, False
    now = current_values(client)
    sent = {name: value for name, value in changed.items() if name in now}
    return (client if all(now[name] == value for name, value in sent.items()) else None), True


class Found:
    """What the check after a lost create found: the client, none, or no answer."""

    def __init__(
        self, client: api.Client | None = None, *, recent: bool | None = None, checked=True
    ) -> None:
        self.client, self.recent, self.checked = client, recent, checked

    @property
    def made_by_this_save(self) -> bool:
        return self.client is not None and self.recent is True

    @property
    def ref(self) -> str:
        return self.client.client_ref if self.client else ""

    @property
    def url(self) -> str | None:
        return client_url("detail", self.ref) if self.client else None

    @property
    def summary(self) -> str:
        if self.client:
            return f"found {self.ref}" + ("" if self.recent else ", age unknown")
        return "none found" if self.checked else "could not check"


def created_after_all(fields: dict[str, Any], *, since) -> Found:
    """After a create whose answer was lost: look for the client it would have made.
    One created since the Save is it; one the API gives no date for may be an older twin."""
    try:
        matches = clients_matching(fields=fields)
    except api.ApiError:
        return Found(checked=False)
    recent = [client for client in matches if created_since(client, since)]
    if recent:
        return Found(max(recent, key=lambda client: client.created_at), recent=True)
    undated = [client for client in matches if created_since(client, since) is None]
    return Found(undated[0]) if undated else Found()


def conflict_rows(conflicts: dict[str, FieldConflict]) -> list[dict[str, Any]]:
    """The conflict table: per field, its value when the form was opened, theirs now and
    the user's; where both changed it, the user picks (`take_<name>`: mine or theirs)."""
    return [
        {
            "name": name,
            "label": label(name).capitalize(),
            "opened": shown(conflict.opened),
            "theirs": shown(shown_value(conflict.theirs)),
            "mine": shown(shown_value(conflict.mine)),
            "both": conflict.both,
        }
        for name, conflict in conflicts.items()
    ]


def shown(value: Any) -> str:
    if value in (None, "", {}):
        return "(empty)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def edit_unavailable(
    request: HtmxHttpRequest, client_ref: str, action: str, error: api.ApiError
) -> HttpResponse:
    problem = api_problem(error, retry_url=request.get_full_path())
    if request.method == "GET":
        # No form without the client's values: a blank one saved would erase them.
        return render_page(
            request,
            "clients/form.html",
            {
                "title": f"Edit {client_ref}",
                "client_ref": client_ref,
                "problem": {**problem, "reload": True},
                "no_form": True,
            },
            status=error_status(error),
        )
    # A save: keep what was typed (it started from the client's values), problem on top.
    # Its version stays the one it was opened with: the next Save is checked again.
    form = ClientForm(request.POST, request.FILES or None, creating=False)
    form.is_valid()  # its own checks still show beside the API's problem
    return render_form(
        request,
        form,
        title=f"Edit {client_ref}",
        action=action,
        problem=problem,
        status=error_status(error),
        client_ref=client_ref,
    )


def list_noting(request: HtmxHttpRequest) -> str:
    messages.warning(
        request,
        "Its reference cannot be part of a link: search for the client by name to open it.",
    )
    return reverse("clients:list")


def render_form(
    request: HtmxHttpRequest,
    form: ClientForm,
    *,
    title: str,
    action: str,
    problem: dict | None = None,
    status: int | None = None,
    **extra,
) -> HttpResponse:
    if status is None:
        status = 422 if form.is_bound and form.errors else 200
        if extra.get("found") is not None:
            status = 503  # retryable: nothing was created
        if extra.get("conflicts"):
            status = 409  # nothing was sent: the client changed meanwhile
    context = {
        "form": form,
        "title": title,
        "action": action,
        "draft_owner": drafts.owner_token(request),
        "problem": problem,
        "states": NIGERIAN_STATES,
        "countries": COUNTRIES,
        **extra,
    }
    return render_page(request, "clients/form.html", context, partial="form", status=status)


def show_api_error(form: ClientForm, error: api.ApiError) -> None:
    """The API's refusal on the fields it names, the rest on top; the input stays."""
    unplaced = []
    for name, messages_ in getattr(error, "errors", {}).items():
        field = "image_url" if name == "image" else name
        for message in messages_:
            if field in form.fields:
                form.add_error(field, message)
            else:
                unplaced.append(f"{name}: {message}")
    if unplaced or not getattr(error, "errors", None):
        note = "" if isinstance(error, api.ValidationFailed) else " Your input is kept."
        form.add_error(None, " ".join([error.message + note, *unplaced]))


def delete_failed(
    request: HtmxHttpRequest, client_ref: str, error: api.ApiError, *, unknown: bool = False
) -> HttpResponse:
    if unknown:
        message = (
            f"The Clients API did not confirm the delete of {client_ref}, and it could not be "
            "checked: reload the client to see whether it still exists."
        )
    elif isinstance(error, api.OutcomeUnknown):
        message = (
            f"{client_ref} was not deleted: the Clients API did not confirm, and the client "
            "still exists. Try again."
        )
    else:
        message = f"{client_ref} was not deleted. {error.message}"
    if request.htmx:
        context = {"client_ref": client_ref, "delete_problem": message}
        return render_page(
            request,
            "clients/detail.html",
            context,
            partial="delete-problem",
            status=error_status(error),
        )
    messages.error(request, message)
    return navigate(request, reverse("clients:detail", args=[client_ref]))


def label(name: str) -> str:
    field = ClientForm.base_fields.get(name)
    text = field.label if field is not None and field.label else name.replace("_", " ")
    return "photo" if name == "image" else text.lower()


def audit_safe(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Changes as the audit trail keeps them (forms.shown_value)."""
    return {
        name: {key: shown_value(value) for key, value in change.items()}
        for name, change in changes.items()
    }
