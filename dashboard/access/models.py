from django.db import models


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
