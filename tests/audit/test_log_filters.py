"""The audit log's filters: dates (in the dashboard's time zone, validated), person,
action, outcome, client (by id) and reference; each as a plain GET page and as the
htmx fragment; and paging that keeps them."""

from datetime import UTC, datetime

import pytest

from dashboard.audit.models import Action, AuditEntry, Outcome
from tests.audit.dom import cells, entry_rows, parse

HTMX = {"HX-Request": "true"}


def entry(at: datetime, **fields) -> AuditEntry:
    fields.setdefault("action", Action.CLIENT_UPDATE)
    return AuditEntry.objects.create(at=at, **fields)


@pytest.fixture
def dated(manager):
    """Entries either side of midnight in Lagos (UTC+1), which is what the dates mean."""
    return {
        # 1 March, 23:00 in Lagos.
        "late_first": entry(datetime(2025, 3, 1, 22, 0, tzinfo=UTC), username="ada"),
        # 2 March, 00:30 in Lagos, though still 1 March in UTC.
        "early_second": entry(datetime(2025, 3, 1, 23, 30, tzinfo=UTC), username="bola"),
        "third": entry(datetime(2025, 3, 3, 12, 0, tzinfo=UTC), username="chidi"),
    }


def people(response) -> list[str]:
    """Who each listed entry names, leaving out the test client's own sign-in."""
    rows = [cells(row) for row in entry_rows(response.content)]
    return [row["Person"] for row in rows if row["Action"] != "Signed in"]


def entries_only(manager_client, query: str) -> list[str]:
    """The people of the entries a query lists, read from the htmx fragment, checked to
    be the region alone and to say the same as the full page."""
    fragment = manager_client.get(f"/audit/?{query}", headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<section id="audit-entries"')
    assert b"<form" not in fragment.content
    page = manager_client.get(f"/audit/?{query}")
    assert people(page) == people(fragment)
    return people(fragment)


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("from=2025-03-02", ["chidi", "bola"]),
        ("to=2025-03-01", ["ada"]),
        ("from=2025-03-02&to=2025-03-02", ["bola"]),
        ("from=2025-03-01&to=2025-03-03", ["chidi", "bola", "ada"]),
        ("from=02/03/2025&to=02/03/2025", ["bola"]),  # typed day first, as on paper
    ],
)
def test_dates_are_days_in_the_dashboards_time_zone_both_included(
    manager_client, dated, query, listed
):
    assert entries_only(manager_client, query) == listed


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2025-13-01", "From: “2025-13-01” is not a date; enter a date like 2025-03-01."),
        ("to=yesterday", "To: “yesterday” is not a date; enter a date like 2025-03-01."),
        ("from=2025-03-03&to=2025-03-01", "To: the end date is before the start date."),
    ],
)
def test_a_wrong_date_range_says_why_lists_nothing_and_keeps_the_input(
    manager_client, dated, query, message
):
    fragment = manager_client.get(f"/audit/?{query}", headers=HTMX)
    assert fragment.status_code == 200
    problems = parse(fragment.content).one(id="audit-problems")
    assert problems["role"] == "alert" and message in problems.text
    assert entry_rows(fragment.content) == []  # not a list that looks filtered but is not
    assert b"data-export" not in fragment.content  # nor an export of it

    page = parse(manager_client.get(f"/audit/?{query}").content)
    typed = dict(pair.split("=") for pair in query.split("&"))
    for name, value in typed.items():
        field = page.one("input", name=name)
        assert field["value"] == value
    wrong = page.all("input", aria_invalid="true")
    assert [field["name"] for field in wrong] == [
        "to" if "before" in message else next(iter(typed))
    ]
    # A date box cannot show what is not a date: such a one is a text box, as typed.
    assert [field["type"] for field in wrong] == ["date" if "before" in message else "text"]


def test_person_is_the_username_whatever_its_case(manager_client, dated):
    assert entries_only(manager_client, "user=BOLA") == ["bola"]
    assert entries_only(manager_client, "user=%20ada%20") == ["ada"]


def test_action_and_outcome(manager_client, dated):
    entry(
        datetime(2025, 3, 4, tzinfo=UTC),
        username="dayo",
        action=Action.LOGIN_FAILED,
        outcome=Outcome.FAILURE,
    )
    entry(datetime(2025, 3, 5, tzinfo=UTC), username="ebere", action=Action.LOGIN_FAILED)
    assert entries_only(manager_client, "action=auth.login_failed") == ["ebere", "dayo"]
    assert entries_only(manager_client, "outcome=failure") == ["dayo"]
    assert entries_only(manager_client, "action=auth.login_failed&outcome=success") == ["ebere"]


def test_any_action_but_views_leaves_the_client_views_out(manager_client, dated):
    entry(datetime(2025, 3, 4, tzinfo=UTC), username="dayo", action=Action.CLIENT_VIEW)
    entry(datetime(2025, 3, 5, tzinfo=UTC), username="ebere", action=Action.CLIENT_DELETE)
    assert "dayo" in entries_only(manager_client, "")
    assert entries_only(manager_client, "action=not-views") == ["ebere", "chidi", "bola", "ada"]
    html = manager_client.get("/audit/?action=not-views").content
    [chosen] = parse(html).one(id="id_action").all("option", selected=True)
    assert chosen.text == "Any but views"


def test_an_unknown_action_or_outcome_is_ignored_with_a_note(manager_client, dated):
    html = manager_client.get("/audit/?action=drop-table&outcome=maybe", headers=HTMX).content
    text = parse(html).one(id="audit-entries").text
    assert "“drop-table” is not a known action: showing any action." in text
    assert "“maybe” is not a known outcome: showing any outcome." in text
    assert len(entry_rows(html)) == 4  # the three and the test client's sign-in


def test_the_client_filter_is_the_clients_id_labelled_with_its_reference(manager_client, dated):
    entry(datetime(2025, 4, 1, tzinfo=UTC), username="old", client_id="id-old", client_ref="CL-7")
    entry(datetime(2025, 5, 1, tzinfo=UTC), username="new", client_id="id-new", client_ref="CL-7")
    entry(datetime(2025, 5, 2, tzinfo=UTC), username="unread", client_ref="CL-7")
    assert entries_only(manager_client, "client_id=id-new") == ["new"]

    page = parse(manager_client.get("/audit/?client_id=id-new").content)
    chip = page.one(data_client_filter=True)
    assert "Client CL-7" in chip.text
    assert page.one("input", name="client_id")["value"] == "id-new"  # kept as filters change
    links = {link.text: link["href"] for link in chip.all("a")}
    assert links == {
        "Remove": "/audit/",
        "Every entry under reference CL-7": "/audit/?client=CL-7",
    }


def test_a_reused_reference_lists_every_holder_to_choose_from(manager_client, dated):
    entry(datetime(2025, 4, 1, tzinfo=UTC), username="old", client_id="id-old", client_ref="CL-7")
    entry(datetime(2025, 5, 1, tzinfo=UTC), username="new", client_id="id-new", client_ref="CL-7")
    entry(datetime(2025, 5, 2, tzinfo=UTC), username="unread", client_ref="cl-7")
    assert entries_only(manager_client, "client=CL-7") == ["unread", "new", "old"]

    holders = parse(manager_client.get("/audit/?client=CL-7", headers=HTMX).content).one(
        data_reference_holders=True
    )
    assert [link["href"] for link in holders.all("a")] == [
        "/audit/?client_id=id-new",
        "/audit/?client_id=id-old",
    ]
    assert "no client id" in holders.text


def test_one_holder_needs_no_note(manager_client, dated):
    entry(datetime(2025, 4, 1, tzinfo=UTC), username="only", client_id="id-1", client_ref="CL-8")
    html = manager_client.get("/audit/?client=CL-8", headers=HTMX).content
    assert parse(html).all(data_reference_holders=True) == []


def test_paging_keeps_the_filters(manager_client, manager):
    for day in range(1, 13):
        entry(datetime(2025, 3, day, 12, tzinfo=UTC), username="ada", action=Action.LOGOUT)
    entry(datetime(2025, 3, 13, 12, tzinfo=UTC), username="bola", action=Action.LOGOUT)
    query = "user=ada&action=auth.logout&from=2025-03-01&to=2025-03-31"
    first = manager_client.get(f"/audit/?{query}&perPage=10")
    assert len(entry_rows(first.content)) == 10
    pager = parse(first.content).one(data_pager=True)
    assert "1–10 of 12 entries" in pager.text
    (following,) = [link for link in pager.all("a", cls="page-link") if link.text == "Next"]
    href = following["href"]
    for part in ("from=2025-03-01", "to=2025-03-31", "user=ada", "action=auth.logout", "page=2"):
        assert part in href
    second = manager_client.get(href, headers=HTMX)
    assert people(second) == ["ada", "ada"]


def test_text_too_long_to_match_is_refused_not_dropped(manager_client, dated):
    html = manager_client.get(f"/audit/?user={'a' * 151}", headers=HTMX).content
    assert "at most 150 characters" in parse(html).one(id="audit-problems").text
    assert entry_rows(html) == []


@pytest.mark.parametrize(
    "query",
    ["to=9999-12-31", "from=0001-01-01", "from=1899-12-31", "to=9999-12-31&from=0001-01-01"],
)
def test_days_at_the_ends_of_the_calendar_are_refused_not_a_crash(manager_client, query):
    for path in ("/audit/", "/audit/export.csv"):
        response = manager_client.get(f"{path}?{query}")
        assert response.status_code in (200, 400, 422), (path, response.status_code)
    assert "is not a date" in manager_client.get(f"/audit/?{query}").content.decode()
