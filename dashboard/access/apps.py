from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "dashboard.access"
    label = "access"
    verbose_name = "Access and roles"

    def ready(self) -> None:
        from . import middleware, throttle  # noqa: F401 (connect their signal receivers)
