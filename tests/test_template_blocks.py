"""`{% extends %}` with the root template's blocks remembered: what Django's tag gives."""

import pytest
from django.template import Context, Engine
from django.template.loader import get_template
from django.template.loader_tags import BlockNode
from django.template.loader_tags import ExtendsNode as DjangoExtendsNode

from dashboard.template_blocks import RememberedExtendsNode, root_blocks

TEMPLATES = {
    "root.html": "<{% block title %}Root{% endblock %}|{% block body %}{% block inner %}"
    "in{% endblock %}{% endblock %}|{% if flag %}{% block tail %}t{% endblock %}{% endif %}>",
    "middle.html": '{% extends "root.html" %}{% block title %}Middle·{{ block.super }}'
    "{% endblock %}{% block inner %}mid[{{ block.super }}]{% endblock %}",
    "leaf.html": '{% extends "middle.html" %}{% block inner %}leaf:{{ block.super }}{% endblock %}'
    "{% block tail %}T{{ value }}{% endblock %}",
    "direct.html": '{% extends "root.html" %}{% block body %}{{ value }}{% endblock %}',
    "dynamic.html": "{% extends parent %}{% block title %}D{% endblock %}",
}


def engine(remembered: bool) -> Engine:
    builtins = ["dashboard.template_blocks"] if remembered else []
    return Engine(
        loaders=[
            (
                "django.template.loaders.cached.Loader",
                [("django.template.loaders.locmem.Loader", TEMPLATES)],
            )
        ],
        builtins=builtins,
    )


@pytest.mark.parametrize("name", ["leaf.html", "middle.html", "direct.html", "dynamic.html"])
@pytest.mark.parametrize("flag", [True, False])
def test_pages_render_as_with_djangos_tag(name, flag):
    ours, django = engine(remembered=True), engine(remembered=False)
    context = {"flag": flag, "value": "<v>", "parent": "middle.html"}
    for _ in range(2):  # the second time with the blocks remembered
        assert ours.get_template(name).render(Context(context)) == (
            django.get_template(name).render(Context(context))
        )


def test_the_installed_tag_is_ours():
    node = get_template("clients/list.html").template.nodelist[0]
    assert isinstance(node, RememberedExtendsNode)
    assert isinstance(node, DjangoExtendsNode)  # what Django's parser and loaders look for


def test_a_roots_blocks_are_found_once(monkeypatch):
    root = engine(remembered=True).get_template("root.html")
    found = root_blocks(root)
    assert set(found) == {"title", "body", "inner", "tail"}
    assert all(isinstance(block, BlockNode) for block in found.values())

    def walked(*args, **kwargs):
        raise AssertionError("the template's nodes were walked again")

    monkeypatch.setattr(type(root.nodelist), "get_nodes_by_type", walked)
    assert root_blocks(root) is found


def test_a_template_that_extends_another_is_not_a_root():
    assert root_blocks(engine(remembered=True).get_template("middle.html")) is None
