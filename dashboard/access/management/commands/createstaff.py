"""manage.py createstaff USERNAME --role Officer [--email E]: a real deployment's staff account."""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dashboard.access.roles import ROLES
from dashboard.access.staff import staff_user_save


class Command(BaseCommand):
    help = "Create a staff account with a role (or reset its password and role)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=list(ROLES))
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="read the password from this environment variable instead of prompting",
        )

    def handle(self, *args, username, role, email, password_env, **options):
        if password_env:
            password = os.environ.get(password_env, "")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            validate_password(password)
        except ValidationError as problem:
            raise CommandError(" ".join(problem.messages)) from None
        staff_user_save(username=username, role=role, password=password, email=email)
        self.stdout.write(self.style.SUCCESS(f"{username} can sign in as {role}."))
