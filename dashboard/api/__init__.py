"""The service module for the remote Clients API: the only code that talks to it."""

from .clients import (
    MAX_PER_PAGE,
    client_create,
    client_delete,
    client_deposits,
    client_deposits_pages,
    client_get,
    client_list,
    client_loans,
    client_loans_pages,
    client_search,
    client_update,
    clients_pages,
)
from .context import RequestTrace, current_trace, serving_request
from .errors import (
    ApiError,
    BadResponse,
    Conflict,
    Misconfigured,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Unavailable,
    ValidationFailed,
)
from .records import Client, Deposit, Loan, Page, SearchResult
from .transport import release_session

__all__ = [
    "MAX_PER_PAGE",
    "ApiError",
    "BadResponse",
    "Client",
    "Conflict",
    "Deposit",
    "Loan",
    "Misconfigured",
    "NotFound",
    "OutcomeUnknown",
    "Page",
    "RateLimited",
    "RequestTrace",
    "SearchResult",
    "Unavailable",
    "ValidationFailed",
    "client_create",
    "client_delete",
    "client_deposits",
    "client_deposits_pages",
    "client_get",
    "client_list",
    "client_loans",
    "client_loans_pages",
    "client_search",
    "client_update",
    "clients_pages",
    "current_trace",
    "release_session",
    "serving_request",
]
