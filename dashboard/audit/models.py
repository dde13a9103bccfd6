from django.conf import settings
from django.db import models
from django.utils import timezone

# A filter of the log, not an action: every action but "Client viewed". Each detail page
# read is an entry, so a day's views outnumber its changes many times over; a review of
# who did what leaves them out.
NOT_VIEWS, NOT_VIEWS_LABEL = "not-views", "Any but views"


class Action(models.TextChoices):
    CLIENT_CREATE = "client.create", "Client created"
    CLIENT_UPDATE = "client.update", "Client updated"
    CLIENT_DELETE = "client.delete", "Client deleted"
    CLIENT_RECREATE = "client.recreate", "Deleted client re-created"
    CLIENT_VIEW = "client.view", "Client viewed"
    DELETE_REQUESTED = "client.delete_requested", "Deletion requested"
    DELETE_APPROVED = "client.delete_approved", "Deletion approved"
    DELETE_REJECTED = "client.delete_rejected", "Deletion rejected"
    DELETE_EXPIRED = "client.delete_expired", "Deletion request expired"
    DELETE_SELF_APPROVAL = "client.delete_self_approval", "Own deletion request: approval refused"
    EXPORT_REQUESTED = "export.requested", "Whole-book export requested"
    EXPORT_APPROVED = "export.approved", "Whole-book export approved"
    EXPORT_REJECTED = "export.rejected", "Whole-book export rejected"
    EXPORT_EXPIRED = "export.expired", "Whole-book export request expired"
    EXPORT_CLIENTS = "export.clients", "Clients exported"
    EXPORT_LOANS = "export.loans", "Loans exported"
    EXPORT_DEPOSITS = "export.deposits", "Deposits exported"
    EXPORT_AUDIT = "export.audit", "Audit log exported"
    LOGIN = "auth.login", "Signed in"
    LOGOUT = "auth.logout", "Signed out"
    LOGIN_FAILED = "auth.login_failed", "Failed sign-in"
    LOCKED_OUT = "auth.locked_out", "Sign-in throttled"
    PASSWORD_CHANGED = "auth.password_changed", "Password changed"
    PASSWORD_CHANGE_FAILED = "auth.password_change_failed", "Failed password change"
    PASSWORD_CHANGE_LOCKED = "auth.password_change_locked", "Password change throttled"


# What the log's Action filter offers, and how an export's audit entry reads it back.
ACTION_FILTERS = {NOT_VIEWS: NOT_VIEWS_LABEL, **dict(Action.choices)}

REFERENCE_MAX_LENGTH = 500


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class ImmutableEntry(Exception):
    pass


class AuditEntry(models.Model):
    """One thing a person did (or tried). Written once; never changed or deleted."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too: the account may be renamed or deleted, and failed
    # sign-ins name a user who may not exist.
    username = models.CharField(max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    # References are whatever the API uses (any characters, 200+ long): room for all of them.
    # A client's history is keyed on its id: the API reuses a deleted client's reference.
    client_id = models.CharField(max_length=REFERENCE_MAX_LENGTH, blank=True)
    client_ref = models.CharField(max_length=REFERENCE_MAX_LENGTH, blank=True, db_index=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    api_status = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)  # field -> {"old": …, "new": …}
    details = models.JSONField(default=dict, blank=True)  # export filters, row count, …

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # A client's entries, newest first (its page's Recent history, the log's filter).
            models.Index(fields=["client_id", "at"], name="audit_entry_client_id_at"),
        ]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.outcome}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableEntry("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEntry("Audit entries cannot be deleted.")
