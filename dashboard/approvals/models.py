"""Requests that need a second person: deleting a client (and, later, exporting the book).

A request moves through its statuses by conditional UPDATEs (deletions.py), never by
reading a row and saving it back: two Managers approving at once make one UPDATE that
changes a row and one that changes none, whatever instance each is served by.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dashboard.audit.models import REFERENCE_MAX_LENGTH


class Kind(models.TextChoices):
    DELETE_CLIENT = "delete_client", "Delete a client"
    EXPORT_BOOK = "export_book", "Export the whole book"


class Status(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved: being carried out"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    EXECUTED = "executed", "Carried out"
    FAILED = "failed", "Approved, but the API refused or failed"


OPEN_STATUSES = (Status.PENDING, Status.APPROVED, Status.FAILED)


class Request(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DELETE_CLIENT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    client_id = models.CharField(max_length=REFERENCE_MAX_LENGTH)
    client_ref = models.CharField(max_length=REFERENCE_MAX_LENGTH)
    client_name = models.CharField(max_length=300, blank=True)  # as the requester saw it
    reason = models.CharField(max_length=500)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    # While a DELETE is under way: when it started (a run that died leaves it APPROVED;
    # past EXECUTION_STALE it may be retried).
    executing_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=300, blank=True)  # the last failure, in words
    # A whole-book export (FOUR_EYES_EXPORT): the search it covers ("" = every client),
    # until when the requester may download it once approved, and when they did.
    search_term = models.CharField(max_length=100, blank=True)
    download_until = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open deletion per client: a second one would be a second DELETE.
            models.UniqueConstraint(
                fields=["kind", "client_id"],
                condition=Q(kind="delete_client", status__in=["pending", "approved", "failed"]),
                name="approvals_one_open_deletion_per_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.client_ref} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == Status.PENDING and self.expires_at > timezone.now()
