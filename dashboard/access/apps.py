from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "dashboard.access"
    label = "access"
    verbose_name = "Access and roles"

    def ready(self) -> None:
        from . import middleware  # noqa: F401 (connects the sign-in time receiver)
