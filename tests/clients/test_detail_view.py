"""The client page: profile, lazily loaded tabs with their own paging, and failures per region."""

import base64
from datetime import date
from decimal import Decimal

from django.utils import timezone

from dashboard.sandbox.seed import make_client

REF = "CL-000017"


def paths(sandbox) -> list[str]:
    return [call["path"] for call in sandbox.received()]


def test_profile_shows_the_client(viewer_client, sandbox):
    client, loans, _ = make_client(17, 1000)
    response = viewer_client.get(f"/clients/{REF}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{client['first_name']} {client['last_name']}" in html
    assert f'href="tel:{client["phone_number"]}"' in html
    assert f'href="mailto:{client["email"]}"' in html
    assert "years)" in html and "Custom data" in html
    assert html.count("data-overdue") == sum(overdue(loan) for loan in loans)


def overdue(loan: dict) -> bool:
    # The summary band's rule, written out: marked in arrears or written off, or past due
    # with a balance.
    past_due = (
        bool(loan["due_date"]) and date.fromisoformat(loan["due_date"]) < timezone.localdate()
    )
    balance = Decimal(loan["outstanding_balance"] or 0)
    return loan["status"] in ("overdue", "written_off") or (past_due and balance > 0)


def test_detail_makes_one_call_for_the_profile_and_one_for_the_open_tab(viewer_client, sandbox):
    client_id = make_client(17, 1000)[0]["id"]
    viewer_client.get(f"/clients/{REF}/")
    assert paths(sandbox) == [f"/v1/clients/{REF}", f"/v1/clients/{client_id}/loans"]
    sandbox.forget_received()
    response = viewer_client.get(f"/clients/{REF}/deposits/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert paths(sandbox) == [f"/v1/clients/{client_id}/deposits"]  # the id was remembered


def test_the_tab_fragment_is_the_tabs_region_only(viewer_client, sandbox):
    viewer_client.get(f"/clients/{REF}/")
    html = viewer_client.get(
        f"/clients/{REF}/deposits/?page=1&perPage=10", headers={"HX-Request": "true"}
    ).content.decode()
    assert html.lstrip().startswith('<section id="client-tabs"')
    assert 'id="tab-deposits" aria-controls="tab-panel"\n         aria-selected="true"' in html
    assert "DP-000017-" in html


def test_tabs_are_links_to_the_full_page_without_js(viewer_client, sandbox):
    html = viewer_client.get(f"/clients/{REF}/?tab=deposits&page=1").content.decode()
    assert f'href="/clients/{REF}/?tab=loans"' in html
    assert 'role="tablist"' in html and "DP-000017-" in html
    response = viewer_client.get(f"/clients/{REF}/deposits/?page=2")  # not htmx
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{REF}/?tab=deposits&page=2&perPage=25"


def test_an_unknown_tab_falls_back_to_loans(viewer_client, sandbox):
    html = viewer_client.get(f"/clients/{REF}/?tab=secrets").content.decode()
    assert 'id="tab-loans" aria-controls="tab-panel"\n         aria-selected="true"' in html


def test_an_unknown_client_is_a_404_page_with_a_way_back(viewer_client, sandbox):
    response = viewer_client.get("/clients/CL-999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing at this address" in html and 'href="/"' in html


def test_a_failing_tab_shows_its_own_error_and_the_profile_stays(viewer_client, sandbox):
    sandbox.set_faults(error_rate=1, path_prefix="/v1/clients/" + make_client(17, 1000)[0]["id"])
    response = viewer_client.get(f"/clients/{REF}/")
    html = response.content.decode()
    assert response.status_code == 503
    assert 'id="client-name"' in html  # the profile rendered
    assert (
        "not answering" in html and f'hx-get="/clients/{REF}/loans/?page=1&amp;perPage=25"' in html
    )


def test_a_failing_profile_offers_a_reload(viewer_client, sandbox):
    sandbox.set_faults(error_rate=1)
    response = viewer_client.get(f"/clients/{REF}/")
    html = response.content.decode()
    assert response.status_code == 503
    assert "not answering" in html
    # The whole page hangs on the profile: Retry is a plain reload, not an htmx swap.
    assert f'<a class="btn btn-sm btn-outline-dark" href="/clients/{REF}/">Retry</a>' in html


def test_tab_paging_and_bad_values(viewer_client, sandbox):
    html = viewer_client.get(
        f"/clients/{REF}/?tab=deposits&page=abc&perPage=5000"
    ).content.decode()
    assert "“abc” is not a page number" in html and "showing 100" in html


def test_managers_see_the_client_history_others_do_not(viewer_client, manager_client, sandbox):
    client_id = make_client(17, 1000)[0]["id"]
    html = manager_client.get(f"/clients/{REF}/").content.decode()
    assert "Recent history" in html
    assert f'hx-get="/clients/{REF}/history/?client_id={client_id}"' in html
    assert "Recent history" not in viewer_client.get(f"/clients/{REF}/").content.decode()
    assert viewer_client.get(f"/clients/{REF}/history/", headers=HTMX).status_code == 403


HTMX = {"HX-Request": "true"}


def test_the_history_region_lists_the_clients_entries(manager, manager_client, sandbox):
    from dashboard.audit.models import Action, AuditEntry

    client_id = make_client(17, 1000)[0]["id"]
    AuditEntry.objects.create(
        user=manager,
        username="mariam",
        action=Action.CLIENT_UPDATE,
        client_id=client_id,
        client_ref=REF,
    )
    AuditEntry.objects.create(  # another client's, under the same reference (reused)
        user=manager,
        username="mariam",
        action=Action.CLIENT_DELETE,
        client_id="0ld",
        client_ref=REF,
    )
    response = manager_client.get(f"/clients/{REF}/history/?client_id={client_id}", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Client updated" in html and "Client deleted" not in html
    empty = manager_client.get("/clients/CL-000019/history/?client_id=x", headers=HTMX)
    assert "No changes recorded for this client yet." in empty.content.decode()


def test_a_plain_visit_to_the_history_goes_to_the_audit_log(manager_client, sandbox):
    response = manager_client.get(f"/clients/{REF}/history/")
    assert response.status_code == 302 and response["Location"] == f"/audit/?client={REF}"


def test_controls_follow_the_role(viewer_client, officer_client, manager_client, sandbox):
    viewer = viewer_client.get(f"/clients/{REF}/").content.decode()
    officer = officer_client.get(f"/clients/{REF}/").content.decode()
    manager = manager_client.get(f"/clients/{REF}/").content.decode()
    assert "/edit/" not in viewer and "/delete/" not in viewer
    assert "/edit/" in officer and "/delete/" not in officer
    assert "/edit/" in manager and "/delete/" in manager


def test_api_values_are_escaped(viewer_client, sandbox, settings, random_suffix):
    settings.IMAGE_URL_HOSTS = ["x.test"]  # so the hostile photo address reaches <img src>
    hostile = "<img src=x onerror=alert(1)>"
    created = sandbox.call(
        "POST",
        "/v1/clients",
        json={
            "firstName": hostile,
            "lastName": "Eze",
            "dob": "1990-01-01",
            "address": hostile,
            "state": "Lagos",
            "country": "Nigeria",
            "customData": '{"note": "<b>x</b>"}',
            "image": 'https://x.test/a.png"onerror="alert(1)',
        },
    ).json()["data"]
    html = viewer_client.get(f"/clients/{created['clientRef']}/").content.decode()
    assert hostile not in html and "<b>x</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'a.png&quot;onerror=&quot;alert(1)"' in html  # the quote cannot end the attribute


def test_a_photo_is_shown_from_an_approved_host_only(viewer_client, sandbox, settings):
    settings.IMAGE_URL_HOSTS = ["photos.example.test"]
    approved = sandbox.create_client(image="https://photos.example.test/a.jpg")
    elsewhere = sandbox.create_client(image="https://tracker.test/a.jpg")
    shown = viewer_client.get(f"/clients/{approved['clientRef']}/").content.decode()
    assert '<img src="https://photos.example.test/a.jpg"' in shown
    assert "unapproved address" not in shown
    hidden = viewer_client.get(f"/clients/{elsewhere['clientRef']}/").content.decode()
    assert "tracker.test" not in hidden  # a browser would fetch it: the host would know
    assert "Photo at an unapproved address is not shown." in hidden
    assert '<span class="avatar-placeholder">TC</span>' in hidden


def test_an_uploaded_photo_is_shown_without_any_approved_host(viewer_client, sandbox, settings):
    settings.IMAGE_URL_HOSTS = []
    uploaded = "data:image/png;base64," + base64.b64encode(b"a photo").decode()
    created = sandbox.create_client(image=uploaded)
    html = viewer_client.get(f"/clients/{created['clientRef']}/").content.decode()
    assert f'<img src="{uploaded}"' in html and "unapproved address" not in html
