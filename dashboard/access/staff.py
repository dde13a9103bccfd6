"""Creating staff accounts: the demo's four, and real ones from the command line."""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .roles import MANAGER, OFFICER, ROLES, VIEWER

# Two Managers: a deletion one of them asks for is approved by the other (four eyes).
DEMO_USERS = {"viewer": VIEWER, "officer": OFFICER, "manager": MANAGER, "checker": MANAGER}


def demo_password(username: str) -> str:
    return os.environ.get("DEMO_PASSWORD") or f"demo-{username}"


@transaction.atomic
def staff_user_save(*, username: str, role: str, password: str, email: str = ""):
    """Create the account, or reset its password and role; returns the user."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.email = email or user.email
    user.is_active = True
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user


def demo_users_ensure() -> dict[str, str]:
    """The demo's viewer, officer and manager, with their passwords (demo mode only)."""
    passwords = {}
    for username, role in DEMO_USERS.items():
        passwords[username] = demo_password(username)
        staff_user_save(username=username, role=role, password=passwords[username])
    return passwords
