"""Changing clients: create, edit and delete, each audited, success or failure."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from dashboard import api
from dashboard.access.guards import requires
from dashboard.api.clients import REQUIRED_ON_UPDATE
from dashboard.audit.trail import record
from dashboard.regions import api_problem, error_status, navigate, posted, render_page

from .forms import COUNTRIES, NIGERIAN_STATES, ClientForm, initial_for
from .lookups import forget


@require_http_methods(["GET", "POST"])
@requires("create_client")
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(posted(request), request.FILES or None, creating=True)
    if request.method == "POST" and form.is_valid():
        fields = form.api_fields()
        changes = {name: {"old": None, "new": value} for name, value in fields.items() if value}
        try:
            client = api.client_create(fields=fields)
        except api.ApiError as error:
            record(request, "client.create", error=error, changes=audit_safe(changes))
            show_api_error(form, error)
        else:
            record(
                request,
                "client.create",
                client_id=client.id,
                client_ref=client.client_ref,
                changes=audit_safe(changes),
            )
            messages.success(request, f"Created {client.full_name} ({client.client_ref}).")
            return navigate(request, reverse("clients:detail", args=[client.client_ref]))
    return render_form(request, form, title="New client", action=reverse("clients:create"))


@require_http_methods(["GET", "POST"])
@requires("change_client")
def client_edit(request: HttpRequest, client_ref: str) -> HttpResponse:
    action = reverse("clients:edit", args=[client_ref])
    try:
        client = api.client_get(client_ref=client_ref)
    except api.NotFound:
        raise Http404("No such client") from None
    except api.ApiError as error:
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

    form = ClientForm(
        posted(request),
        request.FILES or None,
        creating=False,
        current=client,
        initial=initial_for(client),
    )
    if request.method == "POST" and form.is_valid() and not form.changed_elsewhere():
        changes = form.changes()
        detail = reverse("clients:detail", args=[client_ref])
        if not changes:
            messages.info(request, "Nothing was changed, so nothing was sent.")
            return navigate(request, detail)
        values = form.api_fields()
        fields = {name: values[name] for name in REQUIRED_ON_UPDATE}
        fields |= {name: change["new"] for name, change in changes.items()}
        try:
            updated = api.client_update(client_id=client.id, fields=fields)
        except api.ApiError as error:
            record(
                request,
                "client.update",
                client_id=client.id,
                client_ref=client_ref,
                error=error,
                changes=audit_safe(changes),
            )
            show_api_error(form, error)
        else:
            record(
                request,
                "client.update",
                client_id=client.id,
                client_ref=client_ref,
                changes=audit_safe(changes),
            )
            messages.success(
                request,
                f"Saved {updated.full_name} ({client_ref}): "
                f"{', '.join(label(name) for name in changes)}.",
            )
            return navigate(request, detail)
    return render_form(
        request,
        form,
        title=f"Edit {client.full_name}",
        action=action,
        client=client,
        client_ref=client_ref,
    )


@require_POST
@requires("delete_client")
def client_delete(request: HttpRequest, client_ref: str) -> HttpResponse:
    try:
        client = api.client_get(client_ref=client_ref)
        api.client_delete(client_id=client.id)
    except api.NotFound as error:
        record(request, "client.delete", client_ref=client_ref, error=error)
        messages.info(request, f"{client_ref} no longer exists: it was already deleted.")
        return navigate(request, reverse("clients:list"))
    except api.ApiError as error:
        record(request, "client.delete", client_ref=client_ref, error=error)
        return delete_failed(request, client_ref, error)
    record(
        request,
        "client.delete",
        client_id=client.id,
        client_ref=client_ref,
        details={"name": client.full_name},
    )
    forget(client_ref)
    messages.success(request, f"Deleted {client.full_name} ({client_ref}).")
    return navigate(request, reverse("clients:list"))


# --- helpers ----------------------------------------------------------------------


def render_form(
    request: HttpRequest,
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
    context = {
        "form": form,
        "title": title,
        "action": action,
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


def delete_failed(request: HttpRequest, client_ref: str, error: api.ApiError) -> HttpResponse:
    if getattr(request, "htmx", False):
        context = {"client_ref": client_ref, "delete_problem": api_problem(error)}
        return render_page(
            request,
            "clients/detail.html",
            context,
            partial="delete-problem",
            status=error_status(error),
        )
    messages.error(request, f"{client_ref} was not deleted. {error.message}")
    return navigate(request, reverse("clients:detail", args=[client_ref]))


def label(name: str) -> str:
    field = ClientForm.base_fields.get(name)
    text = field.label if field is not None and field.label else name.replace("_", " ")
    return "photo" if name == "image" else text.lower()


def audit_safe(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Changes as the audit trail keeps them: dates as text, photos as a short note."""

    def shown(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("data:"):
            return f"{value.split(';', 1)[0]} upload ({len(value) * 3 // 4 // 1024} KB)"
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    return {
        name: {key: shown(value) for key, value in change.items()}
        for name, change in changes.items()
    }
