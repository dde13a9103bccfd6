"""The three roles, each a Django group holding a set of the dashboard's permissions."""

VIEWER, OFFICER, MANAGER = "Viewer", "Officer", "Manager"

ROLES: dict[str, tuple[str, ...]] = {
    VIEWER: ("view_clients",),
    OFFICER: ("view_clients", "create_client", "change_client"),
    MANAGER: ("view_clients", "create_client", "change_client", "delete_client", "export_data",
              "view_audit"),
}  # fmt: skip


def sync_roles(apps) -> None:
    """Create or correct the role groups. Used by a data migration, so every deployment has them.

    `apps` is the migration's app registry (or django.apps.apps).
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="access", model="permissions")
    from .models import Permissions  # the codenames and names are declared on the model

    permissions = {}
    for codename, name in Permissions._meta.permissions:
        permissions[codename], _ = Permission.objects.update_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([permissions[codename] for codename in codenames])


def role_of(user) -> str | None:
    """The user's role name for display; superusers are shown as such."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return "Superuser"
    names = {group.name for group in user.groups.all()}
    for role in (MANAGER, OFFICER, VIEWER):  # the strongest, if someone holds several
        if role in names:
            return role
    return None
