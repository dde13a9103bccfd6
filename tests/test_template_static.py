"""`{% static %}` with each file's URL remembered: what Django's tag gives, every time."""

import re
from pathlib import Path

from django.template import Context, Template

from dashboard.template_static import RememberedStaticNode, static_url

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def rendered(source: str, **context) -> str:
    return Template(source).render(Context(context))


def djangos(source: str, **context) -> str:
    return rendered("{% load static %}" + source, **context)


def test_the_tag_gives_what_djangos_tag_gives():
    for _ in range(2):  # the second time from memory
        for source, context in [
            ("{% static 'css/dashboard.css' %}", {}),
            ("{% static path %}", {"path": "js/dashboard.js"}),
            ("{% static 'css/dashboard.css' as sheet %}<{{ sheet }}>", {}),
            ("{% static path %}", {"path": "images/a b&c.png"}),  # quoted as Django quotes
        ]:
            assert rendered(source, **context) == djangos(source, **context)
    assert rendered("{% static path %}", path="images/a b&c.png").endswith("a%20b%26c.png")


def test_a_url_is_remembered_until_the_static_settings_change(settings):
    static_url.cache_clear()
    rendered("{% static 'css/dashboard.css' %}")
    rendered("{% static 'css/dashboard.css' %}")
    assert static_url.cache_info().hits == 1
    settings.STATIC_URL = "/assets/"
    assert rendered("{% static 'css/dashboard.css' %}").startswith("/assets/css/dashboard")
    assert rendered("{% static 'css/dashboard.css' %}") == djangos(
        "{% static 'css/dashboard.css' %}"
    )


LOADS_STATIC = re.compile(r"\{%\s*load\s[^%]*\bstatic\b")


def test_our_templates_use_the_remembered_tag():
    """`{% load static %}` (or `{% load formatting static %}`) would bring Django's tag
    back over the builtin."""
    assert LOADS_STATIC.search("{% load formatting static %}")
    loading = [
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*.html")
        if LOADS_STATIC.search(path.read_text())
    ]
    assert loading == []
    nodes = Template("{% static 'css/dashboard.css' %}").nodelist
    assert isinstance(nodes[0], RememberedStaticNode)
