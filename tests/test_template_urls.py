"""`{% url %}` with its reversals remembered: what Django's tag gives, every time."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from dashboard.template_urls import RememberedURLNode, _reversed, remembered


def rendered(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize("script_prefix", ["/", "/back office/"])
def test_the_tag_gives_what_reverse_gives(script_prefix):
    set_script_prefix(script_prefix)
    try:
        for _ in range(2):  # the second time from memory
            assert rendered("{% url 'audit:log' %}") == reverse("audit:log")
            assert rendered("{% url 'clients:edit' ref %}", ref="REF/2024 #7") == reverse(
                "clients:edit", args=["REF/2024 #7"]
            )
            assert rendered("{% url 'clients:detail' client_ref=ref %}", ref="a&b") == (
                reverse("clients:detail", kwargs={"client_ref": "a&b"}).replace("&", "&amp;")
            )
    finally:
        set_script_prefix("/")


def test_a_second_reversal_is_remembered():
    assert isinstance(Template("{% url 'audit:log' %}").nodelist[0], RememberedURLNode)
    rendered("{% url 'access:password_change' %}")
    hits = _reversed.cache_info().hits
    rendered("{% url 'access:password_change' %}")
    assert _reversed.cache_info().hits == hits + 1


def test_equal_arguments_of_other_types_are_not_confused():
    source = "{% url 'admin:auth_user_change' pk %}"
    for pk in (1, True, 1.0, "1"):
        assert rendered(source, pk=pk) == reverse("admin:auth_user_change", args=[pk])
    assert rendered(source, pk=True) == "/admin/auth/user/True/change/"


def test_as_var_and_no_match_behave_as_djangos():
    assert rendered("{% url 'no:such' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        rendered("{% url 'no:such' %}")
    assert rendered("{% url 'clients:list' as link %}<{{ link }}>") == "</clients/>"


@pytest.mark.parametrize("script_prefix", ["/", "/back office/"])
def test_code_asking_on_every_request_gets_what_reverse_gives(script_prefix):
    set_script_prefix(script_prefix)
    try:
        for _ in range(2):
            assert remembered("clients:list") == reverse("clients:list")
            assert remembered("healthz") == reverse("healthz")
    finally:
        set_script_prefix("/")
