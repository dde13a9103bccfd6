"""The audit log's own export as an action, and an index for a client's entries by id.

The index is built CONCURRENTLY on PostgreSQL: a plain CREATE INDEX would hold every
sign-in, edit and export (each writes an entry) until a large trail is indexed. A
concurrent build cannot run inside a transaction, hence `atomic = False`.
"""

from django.db import migrations, models


class AddIndexWithoutLocking(migrations.AddIndex):
    """AddIndex, built without blocking writes where the database can (PostgreSQL)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.add_index(model, self.index, concurrently=True)
            else:
                schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.remove_index(model, self.index, concurrently=True)
            else:
                schema_editor.remove_index(model, self.index)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0003_password_change_actions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("client.create", "Client created"),
                    ("client.update", "Client updated"),
                    ("client.delete", "Client deleted"),
                    ("export.clients", "Clients exported"),
                    ("export.loans", "Loans exported"),
                    ("export.deposits", "Deposits exported"),
                    ("export.audit", "Audit log exported"),
                    ("auth.login", "Signed in"),
                    ("auth.logout", "Signed out"),
                    ("auth.login_failed", "Failed sign-in"),
                    ("auth.locked_out", "Sign-in throttled"),
                    ("auth.password_changed", "Password changed"),
                    ("auth.password_change_failed", "Failed password change"),
                    ("auth.password_change_locked", "Password change throttled"),
                ],
                db_index=True,
                max_length=32,
            ),
        ),
        AddIndexWithoutLocking(
            model_name="auditentry",
            index=models.Index(fields=["client_id", "at"], name="audit_entry_client_id_at"),
        ),
    ]
