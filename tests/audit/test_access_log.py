"""The read-access log (dashboard/audit/access_log.py): who viewed which client, when and
from where; one entry per person per client per window, remembered in the shared cache
(the database asked only while the cache is down); no API call and one INSERT at most;
"Who viewed this client" for Managers; the audit log's filters; and retention."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import cache as tolerant
from dashboard.audit.access_log import window_key
from dashboard.audit.models import Action, AuditEntry
from dashboard.sandbox.seed import make_client
from tests.audit.dom import cells, entry_rows, parse
from tests.conftest import signed_in_client

REF = "CL-000017"
HTMX = {"HX-Request": "true"}
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

# What each view records, and how it is asked for (the tabs are htmx regions).
VIEWS = {
    "page": (f"/clients/{REF}/", {}),
    "loans": (f"/clients/{REF}/loans/", HTMX),
    "deposits": (f"/clients/{REF}/deposits/", HTMX),
    "loans export": (f"/clients/{REF}/loans.csv", {}),
    "deposits export": (f"/clients/{REF}/deposits.csv", {}),
}


@pytest.fixture
def client_id() -> str:
    return make_client(17, 1000)[0]["id"]  # the sandbox's seed: CL-000017's API id


def views() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=Action.CLIENT_VIEW))


def visit(client, name: str) -> None:
    path, headers = VIEWS[name]
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)  # let an export finish


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"].lstrip().upper() for query in queries]


def test_the_settings_are_as_documented(settings):
    assert settings.ACCESS_LOG_WINDOW_SECONDS == 600
    assert settings.ACCESS_LOG_DAYS == 400


@pytest.mark.parametrize("viewed", list(VIEWS))
def test_each_view_records_who_which_client_when_from_where_and_what(
    manager, manager_client, sandbox, client_id, viewed
):
    before = timezone.now()
    visit(manager_client, viewed)
    (entry,) = views()
    assert (entry.user, entry.username) == (manager, "mariam")
    assert (entry.client_id, entry.client_ref) == (client_id, REF)
    assert entry.ip_address == "127.0.0.1"  # as the audit trail finds it (access/network.py)
    assert entry.details == {"viewed": viewed}
    assert before <= entry.at <= timezone.now()


def test_the_address_is_the_one_the_trusted_proxy_saw(viewer_client, sandbox, settings, client_id):
    settings.TRUSTED_PROXY_COUNT = 1
    forwarded = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    assert viewer_client.get(f"/clients/{REF}/", headers=forwarded).status_code == 200
    assert [entry.ip_address for entry in views()] == ["203.0.113.9"]


def test_one_entry_per_person_per_client_per_window(
    viewer, viewer_client, officer_client, sandbox, client_id
):
    for name in ("page", "loans", "deposits", "page", "loans"):
        visit(viewer_client, name)
    assert [(entry.username, entry.details["viewed"]) for entry in views()] == [("vera", "page")]

    visit(officer_client, "deposits")  # another person: an entry of their own
    assert viewer_client.get("/clients/CL-000018/").status_code == 200  # another client
    assert sorted((entry.username, entry.client_ref) for entry in views()) == [
        ("olu", REF),
        ("vera", REF),
        ("vera", "CL-000018"),
    ]

    # The window over (its key expired in the cache): the next view is a new entry.
    cache.delete(window_key(user_id=viewer.pk, client_id=client_id))
    visit(viewer_client, "loans")
    assert [entry.details["viewed"] for entry in views() if entry.client_ref == REF] == [
        "loans",
        "deposits",
        "page",
    ]


def test_a_window_of_zero_records_every_view(viewer_client, sandbox, settings, client_id):
    settings.ACCESS_LOG_WINDOW_SECONDS = 0
    visit(viewer_client, "page")
    visit(viewer_client, "page")
    assert len(views()) == 2


@pytest.mark.parametrize("viewed", ["page", "loans", "deposits"])
def test_the_first_view_in_a_window_adds_one_insert_and_the_next_none(
    viewer_client, sandbox, client_id, viewed
):
    path, headers = VIEWS[viewed]
    assert viewer_client.get("/clients/").status_code == 200  # the session settled
    with CaptureQueriesContext(connection) as first:
        assert viewer_client.get(path, headers=headers).status_code == 200
    with CaptureQueriesContext(connection) as next_view:
        assert viewer_client.get(path, headers=headers).status_code == 200
    writes = [sql for sql in statements(first) if sql.startswith(WRITES)]
    assert len(writes) == 1 and writes[0].startswith('INSERT INTO "AUDIT_AUDITENTRY"')
    # The INSERT alone: no SELECT decides it, and the next view touches the table not at all.
    assert [sql for sql in statements(first) if "AUDIT_AUDITENTRY" in sql] == writes
    assert not [sql for sql in statements(next_view) if "AUDIT_AUDITENTRY" in sql]
    assert not [sql for sql in statements(next_view) if sql.startswith(WRITES)]
    assert len(next_view) <= 2  # the session and the user (tests/clients/test_page_costs.py)


@pytest.mark.parametrize("viewed", list(VIEWS))
def test_the_log_adds_no_api_call(request, sandbox, client_id, viewed, monkeypatch):
    who = "manager" if "export" in viewed else "viewer"  # exports are for Managers
    user, client = request.getfixturevalue(who), request.getfixturevalue(f"{who}_client")

    def calls() -> list[tuple[str, str]]:
        sandbox.forget_received()
        visit(client, viewed)
        return [(call["method"], call["path"]) for call in sandbox.received()]

    visit(client, "page")  # the client's id known, as on a real visit
    cache.delete(window_key(user_id=user.pk, client_id=client_id))  # the window over
    written = calls()  # the first view of a window: an entry written
    assert len(views()) == 2
    repeated = calls()  # within the window: none
    assert len(views()) == 2
    monkeypatch.setattr("dashboard.clients.browse.access_log.client_view_record", noop)
    monkeypatch.setattr("dashboard.exports.views.client_view_record", noop)
    without = calls()  # no read-access log at all
    assert written == repeated == without
    expected = {
        "page": [f"/v1/clients/{REF}", f"/v1/clients/{client_id}/loans"],
        "loans": [f"/v1/clients/{client_id}/loans"],
        "deposits": [f"/v1/clients/{client_id}/deposits"],
        "loans export": [f"/v1/clients/{client_id}/loans"],
        "deposits export": [f"/v1/clients/{client_id}/deposits"],
    }[viewed]
    assert [path for _method, path in written] == expected


def noop(*args, **kwargs) -> None:
    return None


def test_nothing_is_recorded_when_nothing_of_the_client_was_shown(manager_client, sandbox):
    assert manager_client.get("/clients/CL-999999/").status_code == 404
    sandbox.set_faults(error_rate=1.0, error_status=503)
    assert manager_client.get(f"/clients/{REF}/").status_code == 503
    assert views() == []


def test_the_whole_book_export_is_not_a_clients_view(manager_client, sandbox):
    response = manager_client.get("/clients/export.csv?q=okafor")
    b"".join(response.streaming_content)
    assert AuditEntry.objects.filter(action=Action.EXPORT_CLIENTS).count() == 1
    assert views() == []


# --- the cache: shared, and down -----------------------------------------------------


@pytest.fixture
def redis_as_cache(settings):
    def use(url: str) -> None:
        tolerant._health.clear()
        backend = "dashboard.cache.TolerantRedisCache"
        settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": url}}

    yield use
    tolerant._health.clear()


def test_while_the_cache_is_down_the_database_keeps_one_entry_per_window(
    viewer_client, sandbox, client_id, redis_as_cache
):
    redis_as_cache("redis://127.0.0.1:1/0")  # nothing listens there: every read misses
    with CaptureQueriesContext(connection) as first:
        visit(viewer_client, "page")
    for name in ("loans", "deposits", "page"):
        with CaptureQueriesContext(connection) as later:
            visit(viewer_client, name)
    assert [(entry.username, entry.details["viewed"]) for entry in views()] == [("vera", "page")]
    # One indexed SELECT per view decides; the first view adds the INSERT to it.
    audit = [sql.split()[0] for sql in statements(first) if "AUDIT_AUDITENTRY" in sql]
    assert audit == ["SELECT", "INSERT"]
    assert [sql.split()[0] for sql in statements(later) if "AUDIT_AUDITENTRY" in sql] == ["SELECT"]


def test_the_window_is_kept_in_the_shared_cache_for_every_instance(
    viewer, viewer_client, sandbox, client_id, redis_server, redis_as_cache
):
    redis_as_cache(redis_server.url)
    visit(viewer_client, "page")
    key = cache.make_key(window_key(user_id=viewer.pk, client_id=client_id))
    assert 590 <= redis.Redis.from_url(redis_server.url).ttl(key) <= 600
    # Another session, as another instance would see it: no process keeps the window.
    visit(signed_in_client(viewer), "deposits")
    assert len(views()) == 1


# --- "Who viewed this client" -------------------------------------------------------


def viewers_url(page_html: bytes) -> str:
    (region,) = [
        div
        for div in parse(page_html).all("div", hx_trigger="load")
        if "/viewers/" in div["hx-get"]
    ]
    return region["hx-get"]


def test_managers_see_who_viewed_the_client(
    manager_client, viewer_client, sandbox, client_id, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    viewer_client.get(f"/clients/{REF}/loans/", headers={**HTMX, "X-Forwarded-For": "10.1.2.3"})
    page = manager_client.get(f"/clients/{REF}/").content
    url = viewers_url(page)
    assert url == f"/clients/{REF}/viewers/?client_id={client_id}"
    assert parse(page).one("h2", id="viewers-title").text == "Who viewed this client"

    region = parse(manager_client.get(url, headers=HTMX).content)
    rows = [[cell.text for cell in row.all("td")] for row in region.all("tr") if row.all("td")]
    # Newest first: the Manager's own opening of the page, then the Viewer's tab.
    assert [(row[0], row[2], row[3]) for row in rows] == [
        ("mariam", "client page", "127.0.0.1"),
        ("vera", "Loans tab", "10.1.2.3"),
    ]
    when = [time["datetime"] for time in region.all("time")]
    assert [datetime.fromisoformat(moment) for moment in when] == [entry.at for entry in views()]
    assert "One entry per person per 10 minutes" in region.text


def test_only_managers_see_the_region(viewer_client, officer_client, sandbox):
    for client in (viewer_client, officer_client):
        page = client.get(f"/clients/{REF}/").content
        assert not parse(page).all(data_viewers=True)
        assert client.get(f"/clients/{REF}/viewers/?client_id=x", headers=HTMX).status_code == 403


def test_the_region_is_keyed_on_the_clients_id_not_its_reference(manager_client, db):
    at = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    for client_id, username in (("id-new", "ada"), ("id-old", "bola"), ("", "chidi")):
        AuditEntry.objects.create(
            at=at,
            username=username,
            action=Action.CLIENT_VIEW,
            client_id=client_id,
            client_ref="CL-9",
            details={"viewed": "deposits"},
        )
    AuditEntry.objects.create(
        at=at, username="dayo", action=Action.CLIENT_UPDATE, client_id="id-new", client_ref="CL-9"
    )
    region = parse(
        manager_client.get("/clients/CL-9/viewers/?client_id=id-new", headers=HTMX).content
    )
    assert [row.all("td")[0].text for row in region.all("tr") if row.all("td")] == ["ada"]
    unkeyed = manager_client.get("/clients/CL-9/viewers/", headers=HTMX).content
    assert "Reload the page to see who viewed this client." in parse(unkeyed).text
    nobody = manager_client.get("/clients/CL-9/viewers/?client_id=id-none", headers=HTMX)
    assert "No views recorded for this client yet." in parse(nobody.content).text


def test_a_plain_visit_goes_to_the_audit_logs_views_of_the_client(manager_client, db):
    response = manager_client.get("/clients/CL-9/viewers/?client_id=id-new")
    assert response.status_code == 302
    assert response["Location"] == "/audit/?action=client.view&client_id=id-new"
    assert "HX-Request" in response["Vary"]


def test_views_stay_out_of_the_recent_history(manager_client, sandbox, client_id):
    visit(manager_client, "page")
    history = manager_client.get(
        f"/clients/{REF}/history/?client_id={client_id}", headers=HTMX
    ).content
    assert parse(history).text == "No changes recorded for this client yet."


# --- the audit log ----------------------------------------------------------------


def test_the_log_lists_one_persons_views_of_one_client(
    manager_client, viewer_client, officer_client, sandbox, client_id
):
    visit(viewer_client, "page")
    visit(officer_client, "page")
    assert viewer_client.get("/clients/CL-000018/").status_code == 200
    AuditEntry.objects.create(
        username="vera", action=Action.CLIENT_UPDATE, client_id=client_id, client_ref=REF
    )

    query = f"action=client.view&user=VERA&client_id={client_id}"
    for headers in ({}, HTMX):
        rows = [
            cells(row)
            for row in entry_rows(manager_client.get(f"/audit/?{query}", headers=headers).content)
        ]
        assert [(row["Person"], row["Action"], row["IP address"]) for row in rows] == [
            ("vera", "Client viewed", "127.0.0.1")
        ]
        assert "Viewed: page" in rows[0]["Details"]
        assert REF in rows[0]["Client"]


def test_the_person_filter_finds_a_renamed_accounts_earlier_views(
    viewer, manager_client, viewer_client, sandbox, client_id
):
    visit(viewer_client, "page")
    viewer.username = "vera.okafor"
    viewer.save()
    rows = entry_rows(manager_client.get("/audit/?action=client.view&user=vera.okafor").content)
    assert [cells(row)["Person"] for row in rows] == ["vera"]  # the name it was recorded with


# --- retention --------------------------------------------------------------------


@pytest.fixture
def aged(db):
    """Read and write entries either side of the 400-day retention."""
    now = timezone.now()

    def entry(action: Action, days: float) -> AuditEntry:
        return AuditEntry.objects.create(
            at=now - timedelta(days=days), username="ada", action=action, client_id="id-1"
        )

    return {
        "old_view": entry(Action.CLIENT_VIEW, 401),
        "older_view": entry(Action.CLIENT_VIEW, 2000),
        "recent_view": entry(Action.CLIENT_VIEW, 399),
        "old_update": entry(Action.CLIENT_UPDATE, 2000),
        "old_delete": entry(Action.CLIENT_DELETE, 401),
        "old_export": entry(Action.EXPORT_LOANS, 401),
        "old_sign_in": entry(Action.LOGIN, 401),
    }


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_access_log", *args, stdout=out)
    return out.getvalue()


def test_the_purge_removes_only_read_entries_past_retention(aged):
    assert purge() == "Deleted 2 read-access entries older than 400 days.\n"
    kept = set(AuditEntry.objects.values_list("pk", flat=True))
    assert kept == {
        aged[name].pk
        for name in ("recent_view", "old_update", "old_delete", "old_export", "old_sign_in")
    }
    assert purge() == "Deleted 0 read-access entries older than 400 days.\n"


def test_a_dry_run_counts_and_deletes_nothing(aged):
    assert purge("--dry-run") == "2 read-access entries older than 400 days would be deleted.\n"
    assert AuditEntry.objects.count() == len(aged)


def test_the_retention_comes_from_the_setting(aged, settings):
    settings.ACCESS_LOG_DAYS = 1000
    assert purge() == "Deleted 1 read-access entries older than 1000 days.\n"
    assert not AuditEntry.objects.filter(pk=aged["older_view"].pk).exists()
