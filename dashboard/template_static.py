"""`{% static %}` as Django writes it, each file's URL remembered for the process.

Django's tag asks the app registry whether staticfiles is installed (a walk over every
app) and goes through the lazy storage object on each of the seven `{% static %}` of
every page, though the storage remembers each URL itself (static_storage.py). The URL
depends only on the path and the static settings, which the key and `setting_changed`
cover. Installed as a template builtin (settings.TEMPLATES), so a
template writes `{% static %}` without `{% load static %}` (which would load Django's).
"""

from functools import lru_cache

from django import template
from django.templatetags.static import StaticNode

from dashboard.setting_changes import forget_on_change

register = template.Library()

STATIC_SETTINGS = ("STATIC_URL", "STATIC_ROOT", "STORAGES", "INSTALLED_APPS", "DEBUG")


@lru_cache(maxsize=1024)
def static_url(path: str) -> str:
    return StaticNode.handle_simple(path)


class RememberedStaticNode(StaticNode):
    def url(self, context):
        path = self.path.resolve(context)
        return static_url(path) if isinstance(path, str) else self.handle_simple(path)


forget_on_change(static_url.cache_clear, *STATIC_SETTINGS)


@register.tag("static")
def do_static(parser, token):
    return RememberedStaticNode.handle_token(parser, token)
