"""Finding clients: the search term as every screen reads it, a client's id by its
reference, remembered from the detail page, and the client a create made when its answer
was lost.

The API reads a client by reference but lists its loans and deposits by id.
The detail page learns the id; its tabs, loaded later by htmx, find it here
instead of asking the API for the whole client again.
"""

import hashlib
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from dashboard import api
from dashboard.audit.models import Action, AuditEntry, Outcome

TTL = 30 * 60  # seconds; ids never change, this only bounds the cache's size
SEARCH_MAX_LENGTH = 100  # characters of a search term


def search_term(text: str) -> str:
    """A search as the list, its CSV export and an export request read it: spaces
    folded to one, at most SEARCH_MAX_LENGTH characters."""
    return " ".join(text.split())[:SEARCH_MAX_LENGTH]


def _key(client_ref: str) -> str:
    # Hashed: a reference may hold spaces or run past what a cache key allows.
    return f"client-id:{hashlib.sha256(client_ref.encode()).hexdigest()[:40]}"


def remember(client: api.Client) -> None:
    cache.set(_key(client.client_ref), client.id, TTL)


def client_id_for(client_ref: str) -> str:
    """The id for a reference; asks the API only when the page's visit was not seen."""
    client_id = cache.get(_key(client_ref))
    if client_id is None:
        client = api.client_get(client_ref=client_ref)
        remember(client)
        client_id = client.id
    return client_id


def forget(client_ref: str) -> None:
    cache.delete(_key(client_ref))


# --- after a create whose answer was lost ----------------------------------------------

CREATE_MEMORY = timedelta(days=1)  # how long a form's Save is remembered


def request_key_digest(*, user_id: int, request_key: str) -> str:
    """The key as the API and the audit trail see it: scoped to the user, so one person's
    form key can never stand for another's create."""
    return salted_hmac("client-create", f"{user_id}:{request_key}").hexdigest()[:32]


def created_by(*, user_id: int, digest: str) -> str | None:
    """The reference of the client this form's Save already made, from the audit trail
    (the one store every instance shares and no restart forgets)."""
    entry = (
        AuditEntry.objects.filter(
            action=Action.CLIENT_CREATE,
            outcome=Outcome.SUCCESS,
            user_id=user_id,
            at__gte=timezone.now() - CREATE_MEMORY,
            details__request_key=digest,
        )
        .exclude(client_ref="")
        .values_list("client_ref", flat=True)
        .first()
    )
    return entry


IDENTITY = ("first_name", "last_name", "dob", "email", "phone_number")


def clients_matching(*, fields: dict) -> list[api.Client]:
    """Clients with exactly the identity a create with `fields` submitted: found by a
    search on the most specific thing submitted, then matched on every identity field."""
    term = fields.get("email") or fields.get("phone_number")
    term = term or f"{fields['first_name']} {fields['last_name']}"
    wanted = {name: _plain(fields.get(name)) for name in IDENTITY}
    return [
        client
        for client in api.client_search(term=term).clients
        if {name: _plain(getattr(client, name)) for name in IDENTITY} == wanted
    ]


def created_since(client: api.Client, since: datetime) -> bool | None:
    """Whether the client was created after `since` (None: the API does not say)."""
    if client.created_at is None:
        return None
    return client.created_at >= since - CLOCK_SKEW


CLOCK_SKEW = timedelta(minutes=5)  # the API's clock and ours


def _plain(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value or "").split()).casefold()
