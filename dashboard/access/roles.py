"""The three roles, each a Django group holding a set of the dashboard's permissions."""

from collections.abc import Iterable
from dataclasses import dataclass

VIEWER, OFFICER, MANAGER = "Viewer", "Officer", "Manager"

ROLES: dict[str, tuple[str, ...]] = {
    VIEWER: ("view_clients",),
    OFFICER: ("view_clients", "create_client", "change_client", "request_delete"),
    MANAGER: ("view_clients", "create_client", "change_client", "delete_client", "export_data",
              "view_audit", "request_delete", "approve_delete", "approve_export",
              "view_access_log"),
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


@dataclass(frozen=True)
class Standing:
    """Who a user is to the dashboard: their role's name and the codenames it grants
    ("*" for a superuser). Worked out once per request and kept on the user object."""

    role: str | None
    permissions: frozenset[str]


NO_STANDING = Standing(role=None, permissions=frozenset())


def standing_from(user, memberships: Iterable[tuple[str | None, str | None, str | None]]):
    """The standing from (group name, permission codename, its app label) rows: every
    group the user belongs to, joined with each permission the group holds."""
    if not user.is_active:
        return NO_STANDING
    if user.is_superuser:
        return Standing(role="Superuser", permissions=frozenset({"*"}))
    names, codenames = set(), set()
    for group, codename, app_label in memberships:
        names.add(group)
        if app_label == "access":  # the dashboard's own; not the admin's model permissions
            codenames.add(codename)
    role = next((role for role in (MANAGER, OFFICER, VIEWER) if role in names), None)
    return Standing(role=role, permissions=frozenset(codenames))


# Spelled for values_list() from a user: the user's groups joined with their permissions.
MEMBERSHIP_FIELDS = (
    "groups__name",
    "groups__permissions__codename",
    "groups__permissions__content_type__app_label",
)


def standing_of(user) -> Standing:
    """The user's standing; from what the sign-in backend loaded with the user
    (backends.StaffBackend), else from one query, then kept on the user object."""
    if not user.is_authenticated:
        return NO_STANDING
    standing = getattr(user, "_standing", None)
    if standing is None:
        rows = type(user)._default_manager.filter(pk=user.pk).values_list(*MEMBERSHIP_FIELDS)
        standing = user._standing = standing_from(user, rows)
    return standing


def role_of(user) -> str | None:
    """The user's role name for display; superusers are shown as such. The strongest,
    if someone holds several."""
    return standing_of(user).role
