"""The sandbox reuses a deleted newest client's reference, as the real API does, but never
its id: a new client must not pass for the deleted one (its history is keyed on the id)."""


def test_a_new_client_after_deleting_the_newest_gets_its_reference_but_a_new_id(sandbox):
    newest = sandbox.create_client(lastName="Gone")
    assert sandbox.call("DELETE", f"/v1/clients/{newest['id']}").status_code in (200, 204)
    again = sandbox.create_client(lastName="New")
    assert again["clientRef"] == newest["clientRef"]
    assert again["id"] != newest["id"]
    sandbox.call("DELETE", f"/v1/clients/{again['id']}")
    third = sandbox.create_client(lastName="Third")
    assert third["id"] not in (newest["id"], again["id"])
