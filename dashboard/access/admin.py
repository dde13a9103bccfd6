from django.contrib import admin

from .models import FailureCount


@admin.register(FailureCount)
class FailureCountAdmin(admin.ModelAdmin):
    """Read-only, but deletable: deleting a locked count lifts that lock early
    (axes' own "Access attempts" do the same for one username from one address)."""

    list_display = ("scope", "key", "failures", "counting_since", "locked_until")
    list_filter = ("scope",)
    search_fields = ("key",)
    readonly_fields = [field.name for field in FailureCount._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
