"""`{% extends %}` as Django writes it, the root template's blocks found once.

Each time a page extending base.html rendered, Django's ExtendsNode walked the whole of
base.html's compiled node tree to find its {% block %} tags (get_nodes_by_type), some
hundred nodes looked at on every page. A compiled template does not change once
compiled (the cached loader keeps it for the process), so its blocks are found once
per compiled template and remembered for as long as it lives. Installed as a template
builtin (settings.TEMPLATES), so it replaces Django's tag in every template.
"""

import weakref

from django import template
from django.template.base import Template, TextNode
from django.template.loader_tags import (
    BLOCK_CONTEXT_KEY,
    BlockContext,
    BlockNode,
    ExtendsNode,
)
from django.template.loader_tags import do_extends as django_extends

register = template.Library()

# compiled template -> its blocks by name, or None when it extends another template
_root_blocks: weakref.WeakKeyDictionary[Template, dict[str, BlockNode] | None] = (
    weakref.WeakKeyDictionary()
)


def root_blocks(parent: Template) -> dict[str, BlockNode] | None:
    """The {% block %} nodes of `parent` when it is the root of the chain (it extends
    nothing); None otherwise. Django's rule: the first node that is not text decides."""
    try:
        return _root_blocks[parent]
    except KeyError:
        pass
    blocks = None
    for node in parent.nodelist:
        if not isinstance(node, TextNode):
            if not isinstance(node, ExtendsNode):
                blocks = {n.name: n for n in parent.nodelist.get_nodes_by_type(BlockNode)}
            break
    _root_blocks[parent] = blocks
    return blocks


class RememberedExtendsNode(ExtendsNode):
    def render(self, context):  # Django's ExtendsNode.render, the root's blocks remembered
        compiled_parent = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        blocks = root_blocks(compiled_parent)
        if blocks is not None:
            block_context.add_blocks(blocks)
        # Template._render explicitly, so that the parser context stays the same.
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


@register.tag("extends")
def extends(parser, token):
    node = django_extends(parser, token)
    return RememberedExtendsNode(node.nodelist, node.parent_name)
