"""Client references in URLs: any value the API uses, as one path segment.

A reference is whatever the API says it is: `REF/2024 #7`, 200 characters,
non-Latin letters. Django's `str` converter cannot hold a `/`, and servers decode
`%2F` in the path before Django sees it, so this converter escapes `%` and `/`
itself (`%25`, `%2F`); Django's reverse() then escapes those `%` once more for the
wire. A reference named like one of our own paths (`new`) is escaped too, so it
never opens the create form. What still cannot be a path segment (the dot
segments `.` and `..`, control characters, more than ROUTABLE_LENGTH characters)
is shown as text, with a note, by the templates: one odd record never takes a
page down.
"""

import unicodedata
from urllib.parse import unquote

from django.urls import NoReverseMatch, reverse

ROUTABLE_LENGTH = 400  # characters; a URL stays far below the 4 KB a server accepts
OUR_PATHS = {"new": "%6Eew"}  # clients/new/ is the create form


def routable(client_ref: str) -> bool:
    return (
        0 < len(client_ref) <= ROUTABLE_LENGTH
        and client_ref not in (".", "..")  # browsers resolve them away, even escaped
        and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in client_ref)
    )


class ReferenceConverter:
    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        reference = unquote(value)
        if not routable(reference):
            raise ValueError("not a client reference")  # Django answers 404
        return reference

    def to_url(self, value: str) -> str:
        if not routable(value):
            raise ValueError("this reference cannot be part of a URL")  # NoReverseMatch
        return OUR_PATHS.get(value) or value.replace("%", "%25").replace("/", "%2F")


def client_url(view: str, client_ref: str) -> str | None:
    """The URL of a client's page (`view`: detail, edit, …), or None if it cannot have one."""
    try:
        return reverse(f"clients:{view}", args=[client_ref])
    except NoReverseMatch:
        return None
