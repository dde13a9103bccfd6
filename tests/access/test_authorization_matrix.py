"""Every URL the project routes x every kind of user: the expected status in each cell.

The URL list is read from the resolver, so a new view without a declared
permission, or without a row here, fails this module.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import make_user

# The role table, written out independently of dashboard/access/roles.py.
ROLE_PERMISSIONS = {
    "anonymous": set(),
    "no_role": set(),
    "viewer": {"view_clients"},
    "officer": {"view_clients", "create_client", "change_client", "request_delete"},
    "manager": {
        "view_clients",
        "create_client",
        "change_client",
        "delete_client",
        "export_data",
        "view_audit",
        "request_delete",
        "approve_delete",
        "approve_export",
        "view_access_log",
    },
    "superuser": {"*"},
}
REF = "CL-000017"

# name: (method, path, declared access, status when allowed, status for a signed-in
#        user on a public page if different)
CASES = {
    "home": ("GET", "/", "signed-in", 302),
    "clients:list": ("GET", "/clients/", "view_clients", 200),
    "clients:create": ("GET", "/clients/new/", "create_client", 200),
    "clients:export": ("GET", "/clients/export.csv?q=okafor", "export_data", 200),
    "clients:loans_csv": ("GET", f"/clients/{REF}/loans.csv", "export_data", 200),
    "clients:deposits_csv": ("GET", f"/clients/{REF}/deposits.csv", "export_data", 200),
    "clients:detail": ("GET", f"/clients/{REF}/", "view_clients", 200),
    "clients:loans": ("GET", f"/clients/{REF}/loans/", "view_clients", 302),
    "clients:deposits": ("GET", f"/clients/{REF}/deposits/", "view_clients", 302),
    "clients:history": ("GET", f"/clients/{REF}/history/", "view_audit", 302),
    "clients:viewers": ("GET", f"/clients/{REF}/viewers/", "view_access_log", 302),
    "clients:summary": ("GET", f"/clients/{REF}/summary/", "view_clients", 302),
    "clients:loans_totals": ("GET", f"/clients/{REF}/loans/totals/", "view_clients", 302),
    "clients:deposits_totals": ("GET", f"/clients/{REF}/deposits/totals/", "view_clients", 302),
    "clients:edit": ("GET", f"/clients/{REF}/edit/", "change_client", 200),
    "clients:delete": ("POST", "/clients/CL-999999/delete/", "delete_client", 302),
    # No reason given: the form comes back (a request is tested in tests/approvals/).
    "clients:request_delete": ("POST", f"/clients/{REF}/delete/request/", "request_delete", 400),
    "approvals:list": ("GET", "/requests/", "request_delete", 200),
    "approvals:approve": ("POST", "/requests/999/approve/", "approve_delete", 404),
    "approvals:reject": ("POST", "/requests/999/reject/", "approve_delete", 404),
    "approvals:retry": ("POST", "/requests/999/retry/", "approve_delete", 404),
    # No reason given: the form comes back (requests are tested in tests/approvals/).
    "approvals:export_request": ("POST", "/requests/export/", "export_data", 400),
    "approvals:export_approve": ("POST", "/requests/999/export/approve/", "approve_export", 404),
    "approvals:export_reject": ("POST", "/requests/999/export/reject/", "approve_export", 404),
    "approvals:snapshot": ("GET", "/requests/snapshots/999/", "approve_delete", 404),
    "approvals:recreate": (
        "POST",
        "/requests/snapshots/999/recreate/",
        "approve_delete+create_client",
        404,
    ),
    "access:login": ("GET", "/accounts/login/", "public", 200, 302),
    "access:logout": ("POST", "/accounts/logout/", "public", 302),
    "access:password_change": ("GET", "/accounts/password/", "signed-in", 200),
    "access:renew_session": ("POST", "/accounts/session/renew/", "signed-in", 204),
    "audit:log": ("GET", "/audit/", "view_audit", 200),
    "audit:export": (
        "GET",
        "/audit/export.csv?action=auth.login",
        "view_audit+export_data",
        200,
    ),
    # The admin's own sign-in and password change, sent to ours (tests/access/test_admin_login.py).
    "admin_login": ("GET", "/admin/login/?next=/admin/", "public", 302),
    "admin_password_change": ("GET", "/admin/password_change/", "signed-in", 302),
    # For load balancers (tests/monitoring/test_health.py).
    "healthz": ("GET", "/healthz", "public", 200),
    "readyz": ("GET", "/readyz", "public", 200),
}


def routed_views(patterns=None, prefix=""):
    """(name, view) for every URL outside Django's admin."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from routed_views(entry.url_patterns, prefix + namespace)
        elif isinstance(entry, URLPattern):
            yield prefix + (entry.name or entry.pattern.describe()), entry.callback


def test_every_url_has_a_row_and_a_declared_permission():
    routed = dict(routed_views())
    assert set(routed) == set(CASES), "add the new URL to CASES (and declare its access)"
    declared = {name: getattr(view, "access", None) for name, view in routed.items()}
    assert declared == {name: case[2] for name, case in CASES.items()}


def expected(role: str, case: tuple) -> int:
    _method, _path, access, allowed, *signed_in_public = case
    if role == "anonymous":
        return allowed if access == "public" else 302
    if access == "public":
        return signed_in_public[0] if signed_in_public else allowed
    if access == "signed-in":
        return allowed
    held = ROLE_PERMISSIONS[role]
    needed = access.split("+")  # every one of them
    return allowed if "*" in held or all(codename in held for codename in needed) else 403


@pytest.fixture
def user_for(db):
    def build(role: str):
        if role == "anonymous":
            return None
        if role == "superuser":
            return make_user("root", is_superuser=True, is_staff=True)
        if role == "no_role":
            return make_user("nobody")
        return make_user(role, role.capitalize())

    return build


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
@pytest.mark.parametrize("name", list(CASES))
def test_status_for_each_user_and_url(client, sandbox, user_for, role, name):
    case = CASES[name]
    user = user_for(role)
    if user is not None:
        client.force_login(user)
    response = client.generic(case[0], case[1])
    if response.streaming:
        b"".join(response.streaming_content)  # let an export finish (and audit itself)
    status = expected(role, case)
    assert response.status_code == status, f"{role} {case[0]} {case[1]}"
    if status == 302 and role == "anonymous" and case[2] != "public":
        assert response["Location"].startswith("/accounts/login/?next=")
    if status == 403:
        assert sandbox.received() == []  # a denied request never reaches the API
        text = response.content.decode()
        assert "No role yet" in text if role == "no_role" else "Not allowed" in text


def test_admin_is_for_staff_only(client, viewer, superuser):
    assert client.get("/admin/").status_code == 302
    client.force_login(viewer)
    assert client.get("/admin/").status_code == 302  # a role does not open the admin
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
