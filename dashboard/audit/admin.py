from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are never added, changed or deleted here."""

    list_display = (
        "at",
        "username",
        "action",
        "client_ref",
        "outcome",
        "api_status",
        "ip_address",
    )
    list_filter = ("action", "outcome")
    search_fields = ("username", "client_ref", "client_id")
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
