"""Create, edit and delete through the views, against the sandbox: what reaches the API,
what the user sees, and that nothing typed is ever lost."""

import base64
import json

import pytest

from dashboard.audit.models import AuditEntry

VALID = {
    "first_name": "Ifeoma",
    "last_name": "Nwankwo",
    "dob": "1988-02-29",
    "address": "15 Awolowo Road",
    "city": "Ikoyi",
    "state": "Lagos",
    "country": "Nigeria",
    "phone_number": "+234 803 555 0101",
    "custom_data": '{"segment": "sme"}',
}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def posts(sandbox, method="POST"):
    return [call for call in sandbox.received() if call["method"] == method]


def create_in_sandbox(sandbox, suffix, **extra) -> dict:
    return sandbox.create_client(
        firstName="Kunle",
        lastName="Ade",
        dob="1979-09-09",
        address="9 Ring Road",
        state="Oyo",
        email=f"kunle.{suffix}@example.com",
        **extra,
    )


# --- create ------------------------------------------------------------------------


def test_create_sends_only_the_documented_fields(officer_client, sandbox, random_suffix):
    data = {
        **VALID,
        "email": f"ifeoma.{random_suffix}@example.com",
        "id": "forged",
        "clientRef": "CL-000001",
        "status": "vip",
    }  # never forwarded
    response = officer_client.post("/clients/new/", data)
    assert response.status_code == 302
    (sent,) = posts(sandbox)
    assert sent["body"] == {
        "firstName": "Ifeoma",
        "middleName": None,
        "lastName": "Nwankwo",
        "dob": "1988-02-29",
        "address": "15 Awolowo Road",
        "city": "Ikoyi",
        "state": "Lagos",
        "country": "Nigeria",
        "phoneNumber": "+234 803 555 0101",
        "email": f"ifeoma.{random_suffix}@example.com",
        "customData": '{"segment":"sme"}',
        "image": None,
    }
    ref = response["Location"].split("/")[2]
    entry = AuditEntry.objects.get(action="client.create")
    assert entry.client_ref == ref and entry.outcome == "success"
    assert entry.changes["first_name"] == {"old": None, "new": "Ifeoma"}


def test_htmx_create_redirects_the_whole_page(officer_client, sandbox, random_suffix):
    response = officer_client.post(
        "/clients/new/",
        {**VALID, "email": f"h.{random_suffix}@x.com"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/clients/CL-")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"first_name": "   "}, "first_name", "This field is required."),
        ({"dob": "2090-01-01"}, "dob", "must be in the past"),
        ({"dob": "2015-01-01"}, "dob", "at least 18"),
        ({"dob": "1890-01-01"}, "dob", "older than 120"),
        ({"dob": "31/02/1990"}, "dob", "Enter a valid date."),
        ({"email": "ifeoma@"}, "email", "Enter a valid email address."),
        ({"phone_number": "call me maybe"}, "phone_number", "Enter a phone number"),
        ({"custom_data": "[1, 2]"}, "custom_data", "must be a JSON object"),
        ({"custom_data": "{oops"}, "custom_data", "not valid JSON"),
        ({"image_url": "http://insecure.test/a.png"}, "image_url", "https://"),
        ({"address": ""}, "address", "This field is required."),
        ({"state": ""}, "state", "This field is required."),
    ],
)
def test_validation_happens_before_any_api_call(officer_client, sandbox, change, field, message):
    response = officer_client.post(
        "/clients/new/", {**VALID, **change}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert response["Dashboard-Fragment"] == "1"
    assert html.lstrip().startswith('<form id="client-form"')
    assert message in html and f'id="id_{field}_error"' in html
    assert 'value="15 Awolowo Road"' in html or field == "address"  # input kept
    assert posts(sandbox) == []


def test_an_uploaded_photo_is_checked_by_content_and_sent_as_base64(
    officer_client, sandbox, random_suffix
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.png", b"GIF89a not a png", content_type="image/png")
    refused = officer_client.post("/clients/new/", {**VALID, "image_file": fake})
    assert "not a JPEG, PNG or WebP" in refused.content.decode() and posts(sandbox) == []

    photo = SimpleUploadedFile("renamed.txt", PNG, content_type="text/plain")
    response = officer_client.post(
        "/clients/new/", {**VALID, "image_file": photo, "email": f"p.{random_suffix}@x.com"}
    )
    assert response.status_code == 302
    assert (
        posts(sandbox)[0]["body"]["image"]
        == "data:image/png;base64," + base64.b64encode(PNG).decode()
    )


def test_an_accepted_photo_survives_another_fields_error(officer_client, sandbox):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("me.png", PNG, content_type="image/png")
    html = officer_client.post(
        "/clients/new/", {**VALID, "dob": "", "image_file": photo}
    ).content.decode()
    kept = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert f'name="image_data" value="{kept}"' in html
    assert "The photo you chose is kept" in html


def test_a_forged_kept_photo_is_refused(officer_client, sandbox):
    forged = "data:image/png;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode()
    html = officer_client.post("/clients/new/", {**VALID, "image_data": forged}).content.decode()
    assert "damaged" in html and posts(sandbox) == []


def test_api_field_errors_land_on_their_fields(officer_client, sandbox):
    sandbox.set_faults(
        error_rate=1,
        error_status=422,
        methods="POST",
        error_fields=json.dumps(
            {"phoneNumber": ["number is not reachable"], "bvn": ["BVN mismatch"]}
        ),
    )
    response = officer_client.post("/clients/new/", VALID)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_phone_number_error">number is not reachable' in html
    assert "bvn: BVN mismatch" in html  # a field the form does not have: at the top
    assert 'value="15 Awolowo Road"' in html
    entry = AuditEntry.objects.get(action="client.create")
    assert (entry.outcome, entry.api_status) == ("failure", 422)


def test_a_duplicate_is_a_conflict_on_the_email(officer_client, sandbox, random_suffix):
    create_in_sandbox(sandbox, random_suffix)
    html = officer_client.post(
        "/clients/new/", {**VALID, "email": f"kunle.{random_suffix}@example.com"}
    ).content.decode()
    assert "email is already used by another client" in html


def test_an_api_outage_keeps_the_input_with_a_message_on_top(officer_client, sandbox):
    sandbox.set_faults(error_rate=1, error_status=503, methods="POST")
    response = officer_client.post("/clients/new/", VALID)
    html = response.content.decode()
    assert response.status_code == 422
    assert "not answering" in html and "Your input is kept" in html
    assert 'value="Ifeoma"' in html and "segment" in html
    assert len(posts(sandbox)) == 1  # never retried


# --- edit ---------------------------------------------------------------------------


def edit_form(client) -> dict:
    return {
        "first_name": client["firstName"],
        "last_name": client["lastName"],
        "dob": client["dob"],
        "address": client["address"],
        "state": client["state"],
        "country": client["country"],
        "email": client["email"],
    }


def test_edit_sends_the_required_and_the_changed_fields_only(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix)
    sandbox.forget_received()
    data = {**edit_form(client), "city": "Ibadan", "last_name": "Adeyemi"}
    response = officer_client.post(f"/clients/{client['clientRef']}/edit/", data)
    assert response.status_code == 302
    (patch,) = posts(sandbox, "PATCH")
    assert patch["path"] == f"/v1/clients/{client['id']}"
    assert patch["body"] == {
        "firstName": "Kunle",
        "lastName": "Adeyemi",
        "dob": "1979-09-09",
        "city": "Ibadan",
    }
    entry = AuditEntry.objects.get(action="client.update")
    assert entry.changes == {
        "last_name": {"old": "Ade", "new": "Adeyemi"},
        "city": {"old": None, "new": "Ibadan"},
    }


def test_an_unchanged_edit_sends_nothing_and_says_so(officer_client, sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix, customData={"tier": 2})
    response = officer_client.post(
        f"/clients/{client['clientRef']}/edit/",
        {**edit_form(client), "custom_data": '{"tier": 2}'},
        follow=True,
    )
    assert posts(sandbox, "PATCH") == []
    assert "Nothing was changed, so nothing was sent." in response.content.decode()
    assert not AuditEntry.objects.filter(action="client.update").exists()


def test_the_edit_form_starts_from_the_client(officer_client, sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix, customData={"tier": 2})
    html = officer_client.get(f"/clients/{client['clientRef']}/edit/").content.decode()
    assert 'value="1979-09-09"' in html and 'value="Kunle"' in html
    assert "&quot;tier&quot;: 2" in html


def test_edit_keeps_the_input_when_the_api_is_down(officer_client, sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix)
    sandbox.set_faults(error_rate=1)
    response = officer_client.post(
        f"/clients/{client['clientRef']}/edit/", {**edit_form(client), "city": "Owerri"}
    )
    html = response.content.decode()
    assert response.status_code == 503
    assert 'value="Owerri"' in html and "not answering" in html


def test_a_failed_update_is_audited_with_its_changes(officer_client, sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix)
    sandbox.set_faults(error_rate=1, error_status=502, methods="PATCH")
    officer_client.post(
        f"/clients/{client['clientRef']}/edit/", {**edit_form(client), "city": "Jos"}
    )
    entry = AuditEntry.objects.get(action="client.update")
    assert (entry.outcome, entry.api_status) == ("failure", 502)
    assert entry.changes == {"city": {"old": None, "new": "Jos"}}


# --- delete ------------------------------------------------------------------------


def test_delete_returns_to_the_list_naming_the_client(manager_client, sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix)
    response = manager_client.post(f"/clients/{client['clientRef']}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/clients/"
    assert f"Deleted Kunle Ade ({client['clientRef']})" in response.content.decode()
    assert posts(sandbox, "DELETE")[0]["path"] == f"/v1/clients/{client['id']}"
    entry = AuditEntry.objects.get(action="client.delete")
    assert (entry.client_id, entry.outcome) == (client["id"], "success")


def test_a_failed_delete_keeps_the_client_page_with_the_error(
    manager_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix)
    sandbox.set_faults(error_rate=1, methods="DELETE")
    response = manager_client.post(
        f"/clients/{client['clientRef']}/delete/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 503 and response["Dashboard-Fragment"] == "1"
    assert "was not deleted" in response.content.decode()
    plain = manager_client.post(f"/clients/{client['clientRef']}/delete/", follow=True)
    assert plain.redirect_chain[-1][0] == f"/clients/{client['clientRef']}/"
    assert "was not deleted" in plain.content.decode()
    assert AuditEntry.objects.filter(action="client.delete", outcome="failure").count() == 2


def test_deleting_a_gone_client_says_so(manager_client, sandbox):
    response = manager_client.post("/clients/CL-999999/delete/", follow=True)
    assert "no longer exists" in response.content.decode()


def test_an_edit_page_that_cannot_load_the_client_shows_no_form(officer_client, sandbox):
    sandbox.set_faults(error_rate=1)
    response = officer_client.get("/clients/CL-000017/edit/")
    html = response.content.decode()
    assert response.status_code == 503
    assert 'id="client-form"' not in html  # a blank form saved would erase the client
    assert (
        '<a class="btn btn-sm btn-outline-dark" href="/clients/CL-000017/edit/">Retry</a>' in html
    )


def test_a_concurrent_change_is_not_overwritten_blindly(officer_client, sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix)
    opened = officer_client.get(f"/clients/{client['clientRef']}/edit/").content.decode()
    version = opened.split('name="version" value="', 1)[1].split('"', 1)[0]
    assert version
    sandbox.call(
        "PATCH",
        f"/v1/clients/{client['id']}",  # someone else saves first
        json={"firstName": "Kunle", "lastName": "Ade", "dob": "1979-09-09", "city": "Oyo"},
    )
    data = {**edit_form(client), "city": "Ibadan", "version": version}
    response = officer_client.post(f"/clients/{client['clientRef']}/edit/", data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Someone else changed this client" in html and 'value="Ibadan"' in html
    assert posts(sandbox, "PATCH")[-1]["body"]["city"] == "Oyo"  # ours was not sent
    newer = html.split('name="version" value="', 1)[1].split('"', 1)[0]
    assert newer != version
    again = officer_client.post(
        f"/clients/{client['clientRef']}/edit/", {**data, "version": newer}
    )
    assert again.status_code == 302
    assert posts(sandbox, "PATCH")[-1]["body"]["city"] == "Ibadan"


def test_remove_photo_clears_an_https_image(officer_client, sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix, image="https://photos.example.test/k.jpg")
    form = officer_client.get(f"/clients/{client['clientRef']}/edit/").content.decode()
    assert (
        'value="https://photos.example.test/k.jpg"' in form and "Remove the current photo" in form
    )
    data = {
        **edit_form(client),
        "image_url": "https://photos.example.test/k.jpg",
        "remove_image": "on",
    }
    officer_client.post(f"/clients/{client['clientRef']}/edit/", data)
    assert posts(sandbox, "PATCH")[-1]["body"]["image"] is None


def test_a_new_upload_replaces_an_https_image(officer_client, sandbox, random_suffix):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = create_in_sandbox(sandbox, random_suffix, image="https://photos.example.test/k.jpg")
    data = {
        **edit_form(client),
        "image_url": "https://photos.example.test/k.jpg",
        "image_file": SimpleUploadedFile("new.png", PNG, content_type="image/png"),
    }
    assert officer_client.post(f"/clients/{client['clientRef']}/edit/", data).status_code == 302
    assert posts(sandbox, "PATCH")[-1]["body"]["image"].startswith("data:image/png;base64,")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_custom_data_must_be_real_json(officer_client, sandbox, constant):
    html = officer_client.post(
        "/clients/new/", {**VALID, "custom_data": f'{{"x": {constant}}}'}
    ).content.decode()
    assert "not valid JSON" in html and posts(sandbox) == []
