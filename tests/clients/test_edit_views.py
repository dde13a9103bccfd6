"""Create, edit and delete through the views, against the sandbox: what reaches the API,
what the user sees, and that nothing typed is ever lost."""

import base64
import io
import json
from html import unescape

import pytest

from dashboard.api.records import client_from_api
from dashboard.audit.models import AuditEntry
from dashboard.clients.forms import initial_for
from dashboard.clients.photos import photo_reencode

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
def test_validation_happens_before_any_api_call(
    officer_client, sandbox, settings, change, field, message
):
    settings.IMAGE_URL_HOSTS = ["insecure.test"]  # so the form offers an Image URL field
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
    assert posts(sandbox)[0]["body"]["image"] == photo_reencode(data=PNG).data_uri


def test_an_accepted_photo_survives_another_fields_error(officer_client, sandbox):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("me.png", PNG, content_type="image/png")
    html = officer_client.post(
        "/clients/new/", {**VALID, "dob": "", "image_file": photo}
    ).content.decode()
    kept = photo_reencode(data=PNG).data_uri  # re-encoded: pixels only
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
    """What the edit form posts when opened on `client` (the API's JSON) and saved as is."""
    opened = initial_for(client_from_api(client))
    return {
        "first_name": client["firstName"],
        "last_name": client["lastName"],
        "dob": client["dob"],
        "address": client["address"],
        "state": client["state"],
        "country": client["country"],
        "email": client["email"],
        "version": opened["version"],
        "base": opened["base"],
    }


def hidden(html: str, name: str) -> str:
    return html.split(f'name="{name}" value="', 1)[1].split('"', 1)[0].replace("&quot;", '"')


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
    assert 'value="09/09/1979"' in html and 'value="Kunle"' in html  # day first
    assert "&quot;tier&quot;: 2" in html


def test_the_date_of_birth_is_typed_day_first_and_read_back_in_words(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix)
    path = f"/clients/{client['clientRef']}/edit/"
    for typed in ("02/04/1990", "2.4.1990", "2 April 1990", "2 Apr 1990", "1990-04-02"):
        # An error elsewhere re-shows the form: the date as understood is said in words.
        data = {**edit_form(client), "dob": typed, "email": "not an email"}
        html = officer_client.post(path, data).content.decode()
        assert "Read as 2 April 1990." in html, typed
    data = {**edit_form(client), "dob": "04/31/1990"}  # month first: no 31st month
    assert "Enter a valid date" in officer_client.post(path, data).content.decode()


def test_the_phone_shows_as_the_list_shows_it_and_saving_it_unchanged_sends_nothing(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix, phoneNumber="+2348031234567")
    path = f"/clients/{client['clientRef']}/edit/"
    html = officer_client.get(path).content.decode()
    assert 'value="+234 803 123 4567"' in html
    before = len(posts(sandbox, "PATCH"))
    data = {**edit_form(client), "phone_number": "+234 803 123 4567"}
    answer = officer_client.post(path, data, follow=True)
    assert "Nothing was changed" in answer.content.decode()
    assert len(posts(sandbox, "PATCH")) == before


def test_the_error_summary_links_to_each_field_in_error(officer_client, sandbox, random_suffix):
    client = create_in_sandbox(sandbox, random_suffix)
    data = {**edit_form(client), "email": "nope", "first_name": ""}
    html = officer_client.post(f"/clients/{client['clientRef']}/edit/", data).content.decode()
    summary = html.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "First name: This field is required." in summary and 'href="#id_first_name"' in summary
    assert "Email: Enter a valid email address." in summary and 'href="#id_email"' in summary


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


def test_a_concurrent_change_to_the_same_field_shows_both_values(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix)
    opened = officer_client.get(f"/clients/{client['clientRef']}/edit/").content.decode()
    version = hidden(opened, "version")
    assert version == edit_form(client)["version"]
    sandbox.call(
        "PATCH",
        f"/v1/clients/{client['id']}",  # someone else saves first
        json={"firstName": "Kunle", "lastName": "Ade", "dob": "1979-09-09", "city": "Oyo"},
    )
    data = {**edit_form(client), "city": "Ibadan"}
    response = officer_client.post(f"/clients/{client['clientRef']}/edit/", data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this client" in html
    assert conflict_table(html)["city"]["theirs"] == "Oyo"  # theirs, shown
    assert 'value="Ibadan"' in html  # mine, kept in the form
    assert posts(sandbox, "PATCH")[-1]["body"]["city"] == "Oyo"  # ours was not sent
    assert hidden(html, "version") != version
    again = officer_client.post(
        f"/clients/{client['clientRef']}/edit/",
        {**data, "version": hidden(html, "version"), "base": hidden(html, "base")},
    )
    assert again.status_code == 302
    assert posts(sandbox, "PATCH")[-1]["body"]["city"] == "Ibadan"  # chosen after a look


def conflict_table(html: str) -> dict[str, dict[str, str]]:
    """The conflict table's rows: field name -> its opened, theirs and mine cells' text."""
    from html.parser import HTMLParser

    rows: dict[str, dict[str, str]] = {}

    class Table(HTMLParser):
        row = cell = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "tr" and "data-conflict" in attrs:
                self.row = rows.setdefault(attrs["data-conflict"], {})
            elif tag == "td" and self.row is not None:
                self.cell = next((k[5:] for k in attrs if k.startswith("data-")), None)
                if self.cell:
                    self.row[self.cell] = ""

        def handle_data(self, data):
            if self.row is not None and self.cell:
                self.row[self.cell] += data

        def handle_endtag(self, tag):
            if tag == "td":
                self.cell = None
            elif tag == "tr":
                self.row = None

    Table().feed(html)
    return {name: {k: v.strip() for k, v in row.items()} for name, row in rows.items()}


def test_a_conflict_shows_opened_theirs_and_mine_and_saves_the_chosen_values(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix, city="Ikeja")
    path = f"/clients/{client['clientRef']}/edit/"
    opened = officer_client.get(path).content.decode()
    form = {
        **edit_form(client),
        "opened": unescape(hidden(opened, "opened")),
        "city": "Ibadan",
        "phone_number": "+234 803 111 2222",
        "address": "7 Allen Avenue",
    }
    sandbox.call(  # someone else changes the city and the phone while our form is open
        "PATCH",
        f"/v1/clients/{client['id']}",
        json={
            "firstName": "Kunle",
            "lastName": "Ade",
            "dob": "1979-09-09",
            "city": "Oyo",
            "phoneNumber": "+234 805 999 0000",
        },
    )
    response = officer_client.post(path, form)
    html = response.content.decode()
    assert response.status_code == 409
    table = conflict_table(html)
    assert set(table) == {"city", "phone_number"}  # the address only we changed
    assert table["city"] == {"opened": "Ikeja", "theirs": "Oyo", "mine": "Ibadan"}
    assert table["phone_number"]["theirs"] == "+234 805 999 0000"
    assert table["phone_number"]["mine"] == "+234 803 111 2222"
    patches = len(posts(sandbox, "PATCH"))

    chosen = {
        **form,
        "version": hidden(html, "version"),
        "base": hidden(html, "base"),
        "opened": unescape(hidden(html, "opened")),
        "take_city": "theirs",  # theirs for the city, mine for the phone
        "take_phone_number": "mine",
    }
    assert officer_client.post(path, chosen).status_code == 302
    sent = posts(sandbox, "PATCH")
    assert len(sent) == patches + 1  # one PATCH
    body = sent[-1]["body"]
    assert body["phoneNumber"] == "+234 803 111 2222" and body["address"] == "7 Allen Avenue"
    assert "city" not in body  # theirs kept: nothing to change
    now = sandbox.call("GET", f"/v1/clients/{client['clientRef']}").json()["data"]
    assert (now["city"], now["phoneNumber"]) == ("Oyo", "+234 803 111 2222")


def test_a_second_save_after_a_conflict_never_reverts_the_other_change(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix, city="Ikeja")
    data = {**edit_form(client), "city": "Ikeja", "phone_number": "+234 803 111 2222"}
    sandbox.call(  # someone else moves the client to Ibadan while our form is open
        "PATCH",
        f"/v1/clients/{client['id']}",
        json={"firstName": "Kunle", "lastName": "Ade", "dob": "1979-09-09", "city": "Ibadan"},
    )
    html = officer_client.post(f"/clients/{client['clientRef']}/edit/", data).content.decode()
    assert 'value="Ibadan"' in html and 'value="+234 803 111 2222"' in html
    rebased = {
        **data,
        "city": "Ibadan",  # what the re-shown form now holds
        "version": hidden(html, "version"),
        "base": hidden(html, "base"),
    }
    assert officer_client.post(f"/clients/{client['clientRef']}/edit/", rebased).status_code == 302
    body = posts(sandbox, "PATCH")[-1]["body"]
    assert body["phoneNumber"] == "+234 803 111 2222" and "city" not in body
    now = sandbox.call("GET", f"/v1/clients/{client['clientRef']}").json()["data"]
    assert (now["city"], now["phoneNumber"]) == ("Ibadan", "+234 803 111 2222")


@pytest.mark.parametrize("version", ["", "forged", None])
def test_an_edit_without_the_right_version_is_refused(
    officer_client, sandbox, random_suffix, version
):
    client = create_in_sandbox(sandbox, random_suffix)
    data = {**edit_form(client), "city": "Kano"}
    data.pop("base")
    if version is None:
        data.pop("version")
    else:
        data["version"] = version
    response = officer_client.post(f"/clients/{client['clientRef']}/edit/", data)
    assert response.status_code == 409
    assert posts(sandbox, "PATCH") == []
    assert 'value="Kano"' in response.content.decode()  # the input is kept


def test_an_empty_version_with_the_opened_base_still_catches_a_concurrent_change(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix)
    data = {**edit_form(client), "version": "", "city": "Kano"}
    sandbox.call(
        "PATCH",
        f"/v1/clients/{client['id']}",
        json={"firstName": "Kunle", "lastName": "Ade", "dob": "1979-09-09", "city": "Oyo"},
    )
    response = officer_client.post(f"/clients/{client['clientRef']}/edit/", data)
    assert response.status_code == 409
    assert posts(sandbox, "PATCH")[-1]["body"]["city"] == "Oyo"  # only theirs was sent


def test_an_edit_whose_answer_is_lost_checks_before_saying_it_failed(
    officer_client, sandbox, random_suffix, settings
):
    client = create_in_sandbox(sandbox, random_suffix)
    settings.API_TIMEOUT = (1, 0.5)
    sandbox.set_faults(lose_answer_rate=1, hang_seconds=1.5, methods="PATCH")
    response = officer_client.post(
        f"/clients/{client['clientRef']}/edit/", {**edit_form(client), "city": "Warri"}
    )
    assert response.status_code == 302  # read back: the change is there
    entry = AuditEntry.objects.get(action="client.update")
    assert entry.outcome == "success" and entry.details["answer"] == "lost"


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


# --- photos: uploads re-encoded, addresses only from approved hosts ------------------------


def sent_image(sandbox, method="POST"):
    """The photo the API received, opened with Pillow, and its raw bytes."""
    from PIL import Image

    uri = posts(sandbox, method)[-1]["body"]["image"]
    data = base64.b64decode(uri.split(";base64,", 1)[1])
    return Image.open(io.BytesIO(data)), data


def upload(data: bytes, name: str = "photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def test_what_rides_after_an_uploaded_image_never_reaches_the_api(
    officer_client, sandbox, random_suffix
):
    hostile = PNG + b"<script>alert(1)</script>" + b"PK\x03\x04zip"
    data = {**VALID, "image_file": upload(hostile), "email": f"p.{random_suffix}@x.com"}
    assert officer_client.post("/clients/new/", data).status_code == 302
    image, sent = sent_image(sandbox)
    assert b"<script>" not in sent and b"PK\x03\x04" not in sent and image.size == (1, 1)


def test_an_uploaded_photo_loses_its_location_and_is_at_most_1024_px(
    officer_client, sandbox, random_suffix
):
    from PIL import ExifTags, Image

    photo = Image.new("RGB", (3000, 2000), (20, 90, 160))
    exif = photo.getexif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (6.0, 27.0, 14.0)
    original = io.BytesIO()
    photo.save(original, "JPEG", exif=exif, quality=60)
    assert "exif" in Image.open(io.BytesIO(original.getvalue())).info
    data = {
        **VALID,
        "image_file": upload(original.getvalue(), "me.jpg"),
        "email": f"g.{random_suffix}@x.com",
    }
    assert officer_client.post("/clients/new/", data).status_code == 302
    image, _ = sent_image(sandbox)
    assert image.format == "JPEG" and "exif" not in image.info and image.size == (1024, 683)


def test_a_png_header_followed_by_garbage_is_refused_with_a_message(officer_client, sandbox):
    response = officer_client.post(
        "/clients/new/", {**VALID, "image_file": upload(b"\x89PNG\r\n\x1a\n" + b"\x00junk" * 99)}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_image_file_error"' in html and "or it is damaged" in html
    assert posts(sandbox) == []


def test_a_tampered_kept_photo_is_refused_and_no_longer_carried(officer_client, sandbox):
    tampered = "data:image/png;base64," + base64.b64encode(PNG[:20] + b"tampered").decode()
    response = officer_client.post("/clients/new/", {**VALID, "image_data": tampered})
    html = response.content.decode()
    assert response.status_code == 422 and "The kept photo is damaged" in html
    assert tampered not in html and "The photo you chose is kept" not in html
    assert posts(sandbox) == []


def test_a_kept_photo_is_re_encoded_before_it_is_sent(officer_client, sandbox, random_suffix):
    carried = "data:image/png;base64," + base64.b64encode(PNG + b"<script>").decode()
    data = {**VALID, "image_data": carried, "email": f"k.{random_suffix}@x.com"}
    assert officer_client.post("/clients/new/", data).status_code == 302
    assert posts(sandbox)[0]["body"]["image"] == photo_reencode(data=PNG).data_uri


def test_an_image_url_on_an_unapproved_host_is_refused_naming_the_approved_ones(
    officer_client, sandbox, settings
):
    settings.IMAGE_URL_HOSTS = ["photos.example.test", "*.cdn.example.test"]
    form = officer_client.get("/clients/new/").content.decode()
    assert "An https:// address on photos.example.test, *.cdn.example.test" in form
    response = officer_client.post(
        "/clients/new/", {**VALID, "image_url": "https://tracker.test/pixel.png"}
    )
    html = response.content.decode()
    assert response.status_code == 422 and 'id="id_image_url_error"' in html
    assert "Photos are accepted only from photos.example.test, *.cdn.example.test" in html
    assert posts(sandbox) == []


def test_an_image_url_on_an_approved_host_is_sent(
    officer_client, sandbox, settings, random_suffix
):
    settings.IMAGE_URL_HOSTS = ["photos.example.test"]
    url = "https://photos.example.test/ifeoma.jpg"
    data = {**VALID, "image_url": url, "email": f"u.{random_suffix}@x.com"}
    assert officer_client.post("/clients/new/", data).status_code == 302
    assert posts(sandbox)[0]["body"]["image"] == url


def test_without_approved_hosts_the_create_form_takes_uploads_only(
    officer_client, sandbox, settings, random_suffix
):
    settings.IMAGE_URL_HOSTS = []
    form = officer_client.get("/clients/new/").content.decode()
    assert 'name="image_url"' not in form and 'name="image_file"' in form
    data = {
        **VALID,
        "image_url": "https://tracker.test/p.png",
        "email": f"n.{random_suffix}@x.com",
    }
    assert officer_client.post("/clients/new/", data).status_code == 302
    assert posts(sandbox)[0]["body"]["image"] is None  # a forged field is not read


def test_an_unchanged_photo_address_never_blocks_editing_other_fields(
    officer_client, sandbox, settings, random_suffix
):
    settings.IMAGE_URL_HOSTS = []
    old = "https://old-photos.example.test/k.jpg"
    client = create_in_sandbox(sandbox, random_suffix, image=old)
    url = f"/clients/{client['clientRef']}/edit/"
    form = officer_client.get(url).content.decode()
    assert f'value="{old}"' in form and "New photos are uploads only" in form

    changed = officer_client.post(
        url, {**edit_form(client), "image_url": "https://new.test/k.jpg"}
    )
    assert changed.status_code == 422
    assert "Photos are accepted as uploads only" in changed.content.decode()
    assert posts(sandbox, "PATCH") == []

    saved = officer_client.post(url, {**edit_form(client), "image_url": old, "city": "Ibadan"})
    assert saved.status_code == 302
    assert "image" not in posts(sandbox, "PATCH")[-1]["body"]  # the photo stays as it was


def test_the_edit_form_shows_the_current_photo(officer_client, sandbox, random_suffix):
    png = photo_reencode(data=PNG).data_uri
    client = create_in_sandbox(sandbox, random_suffix, image=png)
    html = officer_client.get(f"/clients/{client['clientRef']}/edit/").content.decode()
    photo = html.split("data-current-photo", 1)[1].split("</div>", 1)[0]
    assert f'src="{png}"' in photo and "Current photo of Kunle Ade" in photo


def test_a_phone_only_they_changed_is_theirs_without_a_choice(
    officer_client, sandbox, random_suffix
):
    client = create_in_sandbox(sandbox, random_suffix, phoneNumber="+2348031234567")
    path = f"/clients/{client['clientRef']}/edit/"
    opened = officer_client.get(path).content.decode()
    form = {
        **edit_form(client),
        "opened": unescape(hidden(opened, "opened")),
        "phone_number": "+234 803 123 4567",  # as the form showed it, untouched
        "first_name": "Kunmi",  # what this user changed
    }
    sandbox.call(
        "PATCH",
        f"/v1/clients/{client['id']}",
        json={"firstName": "Kunle", "lastName": "Ade", "dob": "1979-09-09",
              "phoneNumber": "+2348039999999"},
    )  # fmt: skip
    html = officer_client.post(path, form).content.decode()
    table = conflict_table(html)
    assert set(table) == {"phone_number"}
    assert 'name="take_phone_number"' not in html  # nothing to choose: it is theirs
    assert 'value="+234 803 999 9999"' in html  # and the form now holds it
