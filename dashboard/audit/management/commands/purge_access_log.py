"""manage.py purge_access_log [--dry-run]: delete read-access entries past retention.

Run it daily (cron, a systemd timer): read entries older than ACCESS_LOG_DAYS go;
every other entry (changes, exports, sign-ins) is kept whatever its age."""

from django.conf import settings
from django.core.management.base import BaseCommand

from dashboard.audit.access_log import access_log_expired


class Command(BaseCommand):
    help = "Delete the read-access entries (client.view) older than ACCESS_LOG_DAYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted; delete nothing"
        )

    def handle(self, *args, dry_run: bool, **options):
        days = settings.ACCESS_LOG_DAYS
        expired = access_log_expired(days=days)
        if dry_run:
            count = expired.count()
            self.stdout.write(
                f"{count} read-access entries older than {days} days would be deleted."
            )
            return
        # A queryset delete, on purpose: AuditEntry.delete() refuses, so that no entry
        # is ever deleted one at a time (from the admin, by mistake). Retention is the
        # one intended path that removes entries, and it removes read entries only.
        # One DELETE statement; AuditEntry has no dependants to cascade to.
        deleted, _ = expired.delete()
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} read-access entries older than {days} days.")
        )
