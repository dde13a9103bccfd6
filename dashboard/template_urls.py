"""`{% url %}` as Django writes it, each reversal remembered for the process.

A reversal costs some 90 µs (namespaces, candidate patterns, quoting) and a page has
a dozen; what it returns depends only on its arguments, the URLconf, the script
prefix and the language, all part of the key here. Installed as a template builtin
(settings.TEMPLATES), so it replaces Django's tag in every template.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=2048)
def _reversed(view_name, args, kwargs, current_app, _script_prefix, _urlconf, _language) -> str:
    return reverse(
        view_name,
        args=[arg for _type, arg in args],
        kwargs={name: value for name, _type, value in kwargs},
        current_app=current_app,
    )


def remembered_reverse(view_name: str, args: list, kwargs: dict, current_app: str | None) -> str:
    # Typed: 1, 1.0 and True are equal keys but not the same URL.
    key = (
        tuple((type(arg), arg) for arg in args),
        tuple(sorted((name, type(value), value) for name, value in kwargs.items())),
        current_app,
    )
    try:
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        return _reversed(view_name, *key, get_script_prefix(), urlconf, get_language())
    except TypeError:  # an argument that cannot be a key (a list): reversed each time
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


def remembered(view_name: str) -> str:
    """reverse(view_name) of a URL without arguments, remembered as the tag's reversals are
    (for the code that asks on every request)."""
    return remembered_reverse(view_name, [], {}, None)


class RememberedURLNode(URLNode):
    def render(self, context):  # Django's URLNode.render, but for the remembered reverse
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = remembered_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
