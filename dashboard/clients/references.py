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
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote, unquote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

ROUTABLE_LENGTH = 400  # characters; a URL stays far below the 4 KB a server accepts
OUR_PATHS = {"new": "%6Eew"}  # clients/new/ is the create form


def routable(client_ref: str) -> bool:
    return (
        0 < len(client_ref) <= ROUTABLE_LENGTH
        and client_ref not in (".", "..")  # browsers resolve them away, even escaped
        # Printable text holds neither (the usual case, tested in one C call).
        and (
            client_ref.isprintable()
            or not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in client_ref)
        )
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
    return client_url_builder(view)(client_ref)


# A reference the converter passes through unchanged: where it lands in the reversed
# URL is where each row's own reference goes.
_PLACEHOLDER = "CLIENTREF"
# What reverse() leaves unescaped in a path (RFC 3986's pchar), as Django spells it.
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"


def client_url_builder(view: str) -> Callable[[str], str | None]:
    """`client_url` for many rows: reverse() resolves the pattern once (some 100 µs a
    call, a table's worth of them per page); each reference is then escaped into it as
    reverse() would do it, so the routing stays the one source of the URL."""
    # Whatever reverse() reads besides the pattern keys the cache.
    return _builder(view, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=64)
def _builder(view: str, script_prefix: str, urlconf: str) -> Callable[[str], str | None]:
    url = reverse(f"clients:{view}", urlconf, args=[_PLACEHOLDER])
    before, after = url.rsplit(_PLACEHOLDER, 1)
    segment = ReferenceConverter().to_url

    def build(client_ref: str) -> str | None:
        try:
            return before + quote(segment(client_ref), safe=_PATH_SAFE) + after
        except ValueError:  # not routable: reverse() would raise NoReverseMatch
            return None

    return build
