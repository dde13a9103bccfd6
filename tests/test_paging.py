"""with_query builds the query urlencode would, quoting only what needs it."""

import random
import string
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from dashboard.paging import with_query


class Kind(StrEnum):
    EXPORT = "export.clients"


TEXTS = [
    "",
    "page",
    "3",
    "Adé Ọlá",
    "a b+c",
    "x&y=z#frag?",
    "/Ref/1#2",
    "%41",
    "~_.-",
    "日本",
    "\u00a0tab\tnew\nline",
    "<script>\"x\"&'y'",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_value_is_quoted_as_urlencode_quotes_it(text):
    params = {"q": text, "page": 2}
    expected = {key: value for key, value in params.items() if value != ""}
    assert with_query("/clients/", params) == f"/clients/?{urlencode(expected)}"


def test_random_keys_and_values_match_urlencode():
    alphabet = string.printable + "éßЖ中😀\u200b"
    chosen = random.Random(20261202)
    for _ in range(500):
        params = {
            "".join(chosen.choices(alphabet, k=chosen.randint(1, 6))): "".join(
                chosen.choices(alphabet, k=chosen.randint(1, 12))
            )
            for _ in range(chosen.randint(1, 4))
        }
        assert with_query("/p", params) == f"/p?{urlencode(params)}"


def test_numbers_booleans_and_enums_are_written_as_str_writes_them():
    params = {"page": 12, "perPage": 100, "summary": True, "action": Kind.EXPORT, "zero": 0}
    assert with_query("/audit/", params) == f"/audit/?{urlencode(params)}"
    assert "zero=0" in with_query("/audit/", params)  # 0 is a value, not an empty one


def test_empty_and_missing_values_are_left_out_and_a_bare_path_has_no_question_mark():
    assert with_query("/clients/", {"q": "", "page": None}) == "/clients/"
    link = with_query("/clients/", {"q": "", "page": 2, "perPage": None})
    assert link == "/clients/?page=2"
    assert parse_qsl(urlsplit(link).query) == [("page", "2")]
