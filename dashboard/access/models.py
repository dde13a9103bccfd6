from django.conf import settings
from django.db import models
from django.utils import timezone


class Permissions(models.Model):
    """Holds the dashboard's permissions; no table (managed = False).

    Roles (groups) are granted these in roles.py. Checks use the permission
    string "access.<codename>", declared next to each view.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_clients", "List, search and open clients; see loans and deposits"),
            ("create_client", "Create clients"),
            ("change_client", "Edit clients"),
            ("delete_client", "Delete clients"),
            ("export_data", "Export clients, loans and deposits as CSV"),
            ("view_audit", "Read the audit log"),
            ("request_delete", "Ask for a client to be deleted (a second person approves)"),
            ("approve_delete", "Approve or reject another person's request to delete a client"),
            ("approve_export", "Approve another person's request to export the whole book"),
            ("view_access_log", "See who viewed which client"),
        ]

    def __str__(self) -> str:
        return "Dashboard permissions"


class FailureCount(models.Model):
    """Failed attempts counted for one key of one throttle, in the database every instance shares.

    One row per scope and key; access/throttle.py holds the rules. A row whose
    `expires_at` has passed counts for nothing, and is purged.
    """

    class Scope(models.TextChoices):
        SIGN_IN_ADDRESS = "sign-in-address", "Sign-ins from one address"
        PASSWORD_CHANGE = "password-change", "Password changes by one user"

    scope = models.CharField(max_length=20, choices=Scope.choices)
    key = models.CharField(max_length=64)  # an IP address (IPv6 fits) or a user's id
    failures = models.PositiveIntegerField(default=0)
    counting_since = models.DateTimeField()  # the count's first failure
    locked_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)  # the lock's end, else the count's

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_failure_count_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.failures}"


class Draft(models.Model):
    """What someone typed into a form whose Save arrived after their session ended, kept
    for their next sign-in only (access/drafts.py). Never shown to another user; gone once
    restored, and worthless after `expires_at` (purged then)."""

    token = models.CharField(max_length=64, unique=True)  # in the sign-in page's `next`
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=2000)  # the form's own address
    fields = models.JSONField()  # name -> list of values, as the form posted them
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"draft of user {self.user_id} for {self.path}"
