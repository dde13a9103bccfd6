"""Failed sign-ins counted per IP address, across usernames.

django-axes throttles one username from one address. This adds the other half:
one address trying many usernames (password spraying) is refused for the same
cool-off once it passes LOGIN_IP_FAILURE_LIMIT failures, a higher limit, since
an office shares one address.
"""

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

from .network import client_ip


def _key(request: HttpRequest) -> str:
    return f"signin-failures-ip:{client_ip(request)}"


def ip_throttled(request: HttpRequest) -> bool:
    return cache.get(_key(request), 0) >= settings.LOGIN_IP_FAILURE_LIMIT


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    if request is None:
        return
    key, window = _key(request), int(settings.AXES_COOLOFF_TIME.total_seconds())
    cache.add(key, 0, window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
