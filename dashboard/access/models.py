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
