"""A client's API id by its reference, remembered from the detail page.

The API reads a client by reference but lists its loans and deposits by id.
The detail page learns the id; its tabs, loaded later by htmx, find it here
instead of asking the API for the whole client again.
"""

from django.core.cache import cache

from dashboard import api

TTL = 30 * 60  # seconds; ids never change, this only bounds the cache's size


def _key(client_ref: str) -> str:
    return f"client-id:{client_ref}"


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
