"""Queries compiled once per connection (dashboard/prepared.py) return what the ORM would,
with one query per call, and the session engines built on them behave as Django's."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.access import sessions
from dashboard.access.backends import StaffBackend, user_with_memberships
from dashboard.access.sessions.cached_db import SessionStore as CachedSessionStore
from dashboard.access.sessions.db import SessionStore
from dashboard.prepared import Prepared

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def people():
    viewers, _ = Group.objects.get_or_create(name="Viewer")  # a transactional test flushes
    ada = User.objects.create_user("ada", password="x", last_login=timezone.now())
    ada.groups.add(viewers)
    bob = User.objects.create_user("bob", password="x", is_active=False)
    return ada, bob


def by_username():
    name = User._meta.get_field("username")
    columns = User.objects.values_list("username", "last_login", "is_active")
    return Prepared(lambda username: columns.filter(username=username), [name], samples=["?"])


def test_rows_are_the_querysets_rows_converted_as_the_orm_converts_them(people):
    query = by_username()
    for user in people:
        rows = query.rows(user.username)
        assert rows == list(User.objects.filter(pk=user.pk).values_list(
            "username", "last_login", "is_active"
        ))  # fmt: skip
        assert isinstance(rows[0][2], bool)  # SQLite's 0/1, converted
    assert rows[0][1] is None
    assert query.rows("ada")[0][1] == people[0].last_login  # a datetime, not SQLite's text
    assert query.rows("nobody") == []


def test_each_call_is_one_query_and_compiles_nothing_after_the_first(people, monkeypatch):
    query = by_username()
    query.rows("ada")
    compiled = []
    monkeypatch.setattr(query, "_compile", lambda *args: compiled.append(args))
    with CaptureQueriesContext(connection) as queries:
        assert query.rows("bob")[0][0] == "bob"
    assert len(queries) == 1 and not compiled


def test_conditions_the_orm_reorders_still_get_their_own_values(people):
    """filter(a=…, b=…) puts its conditions in an order of its own: each value follows its
    field whatever that order is."""
    columns = User.objects.values_list("username", flat=False)
    query = Prepared(
        lambda active, name: columns.filter(username=name, is_active=active),
        [User._meta.get_field("is_active"), User._meta.get_field("username")],
        samples=[True, "?"],
    )
    assert query.rows(True, "ada") == [("ada",)]
    assert query.rows(False, "ada") == []
    assert query.rows(False, "bob") == [("bob",)]


def test_samples_that_cannot_tell_the_parameters_apart_fall_back_to_the_orm(people):
    columns = User.objects.values_list("username")
    query = Prepared(
        lambda first, second: columns.filter(username=first) | columns.filter(username=second),
        [User._meta.get_field("username")] * 2,
        samples=["same", "same"],
    )
    assert sorted(query.rows("ada", "bob")) == [("ada",), ("bob",)]
    assert vars(connections["default"])["prepared_queries"][query] is False


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_for_its_own_connection(people):
    query = by_username()
    query.rows("ada")
    found = []

    def read():
        try:
            found.append(
                (
                    query.rows("ada")[0][0],
                    query in vars(connections["default"])["prepared_queries"],
                )
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=10)
    assert found == [("ada", True)]


def test_the_user_backend_reads_the_user_with_their_standing(people):
    ada, bob = people
    user = StaffBackend().get_user(ada.pk)
    assert user.username == "ada" and user.last_login == ada.last_login
    assert user._standing.role == "Viewer"
    assert StaffBackend().get_user(bob.pk) is None  # inactive
    assert StaffBackend().get_user(10**9) is None
    assert StaffBackend().get_user(str(ada.pk)).pk == ada.pk  # the session keeps a string
    fields, _ = user_with_memberships()
    assert fields == [field.attname for field in User._meta.concrete_fields]


@pytest.mark.parametrize("store", [SessionStore, CachedSessionStore])
def test_sessions_load_as_djangos_do(store):
    session = DjangoSessionStore()
    session["answer"] = 42
    session.set_expiry(300)
    session.save()
    loaded = store(session.session_key)
    assert loaded.load() == DjangoSessionStore(session.session_key).load()
    assert loaded["answer"] == 42
    assert loaded.get_expiry_age() > 0


@pytest.mark.parametrize("store", [SessionStore, CachedSessionStore])
def test_an_expired_or_unknown_session_loads_empty_and_forgets_its_key(store):
    session = DjangoSessionStore()
    session["answer"] = 42
    session.save()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (session.session_key, "x" * 32):
        loaded = store(key)
        assert loaded.load() == {}
        assert loaded.session_key is None


def test_the_session_query_compares_the_key_and_the_expiry():
    sql = str(sessions._LIVE_SESSION._build("k", timezone.now()).query)
    assert '"session_key" = k' in sql and '"expire_date" >' in sql
