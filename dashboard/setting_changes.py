"""What the process worked out once from settings, forgotten when a test overrides them.

Settings never change in production; tests override them (`settings` fixture,
`override_settings`), and anything remembered from them must then be worked out again.
The service module (dashboard/api/transport.py) connects its own receiver: it imports
nothing of the rest of the project.
"""

from collections.abc import Callable
from typing import Any

from django.core.signals import setting_changed


def forget_on_change(forget: Callable[[], Any], *prefixes: str) -> None:
    """Call `forget` whenever a setting whose name starts with one of `prefixes` changes."""

    def receiver(setting: str, **kwargs: Any) -> None:
        if setting.startswith(prefixes):
            forget()

    setting_changed.connect(receiver, weak=False)
