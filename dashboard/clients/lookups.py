"""Finding clients beyond one API call: a client's id by its reference, remembered from
the detail page, and the client a create made when its answer was lost.

The API reads a client by reference but lists its loans and deposits by id.
The detail page learns the id; its tabs, loaded later by htmx, find it here
instead of asking the API for the whole client again.
"""

import hashlib
from datetime import date, datetime, timedelta

from django.core.cache import cache

from dashboard import api

TTL = 30 * 60  # seconds; ids never change, this only bounds the cache's size


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

CREATE_KEY_TTL = 24 * 60 * 60  # seconds a form's Save is remembered


def _create_key(user_id: int, request_key: str) -> str:
    return f"client-create:{user_id}:{request_key}"


def remember_create(*, user_id: int, request_key: str, client_ref: str) -> None:
    """This form's Save made `client_ref`: a repeat of it opens that client, whatever the API
    does with Idempotency-Key."""
    cache.set(_create_key(user_id, request_key), client_ref, CREATE_KEY_TTL)


def created_by(*, user_id: int, request_key: str) -> str | None:
    return cache.get(_create_key(user_id, request_key))


IDENTITY = ("first_name", "last_name", "dob", "email", "phone_number")


def client_matching(*, fields: dict, since: datetime) -> api.Client | None:
    """The client that a create with `fields` would have made, if one exists: found by a
    search on the most specific thing submitted, then matched on every identity field."""
    term = fields.get("email") or fields.get("phone_number")
    term = term or f"{fields['first_name']} {fields['last_name']}"
    wanted = {name: _plain(fields.get(name)) for name in IDENTITY}
    for client in api.client_search(term=term).clients:
        found = {name: _plain(getattr(client, name)) for name in IDENTITY}
        recent = client.created_at is None or client.created_at >= since - CLOCK_SKEW
        if found == wanted and recent:
            return client
    return None


CLOCK_SKEW = timedelta(minutes=5)  # the API's clock and ours


def _plain(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value or "").split()).casefold()
