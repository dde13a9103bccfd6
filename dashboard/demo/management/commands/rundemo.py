"""`make run`: the sandbox API and the dashboard together, in the foreground.

Both run as child processes in their own process groups; Ctrl-C (or SIGTERM,
or either child exiting) stops both, so no orphan keeps a port.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.access.staff import DEMO_USERS, demo_users_ensure

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class Command(BaseCommand):
    help = "Run the sandbox API and the dashboard together (local demo only)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="dashboard address")

    def handle(self, *args, addr: str, **options):
        if not settings.DEBUG:
            raise CommandError(
                "rundemo is for the local demo only: it refuses to run with DEBUG=False."
            )
        children: list[subprocess.Popen] = []

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            api = urlsplit(settings.API_BASE_URL)
            if api.hostname in LOCAL_HOSTS:
                children.append(self.start_sandbox(api.hostname, api.port or 80))
            else:
                self.stdout.write(f"Using the Clients API at {settings.API_BASE_URL}.")
            self.print_demo_users()
            children.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "runserver", addr],
                    cwd=settings.BASE_DIR,
                    start_new_session=True,
                )
            )
            self.stdout.write(
                self.style.SUCCESS(f"\nDashboard: http://{addr}/  (Ctrl-C stops both)\n")
            )
            # From here our own handlers take Ctrl-C and SIGTERM, and only ask to stop. A
            # SIGINT inherited as ignored (a script's background job) gets no KeyboardInterrupt
            # from Python; and one raised anywhere could land inside Popen.poll() while it
            # holds a child's wait lock, after which stopping that child would hang.
            stopping = threading.Event()
            for number in (signal.SIGINT, signal.SIGTERM):
                signal.signal(number, lambda signum, frame: stopping.set())
            while not stopping.wait(0.3):
                if any(child.poll() is not None for child in children):
                    raise CommandError("A server stopped unexpectedly; stopping the other.")
            self.stdout.write("\nStopping…")
        except KeyboardInterrupt:  # while the servers were starting
            self.stdout.write("\nStopping…")
        finally:
            for child in children:
                terminate(child)

    def print_demo_users(self) -> None:
        self.stdout.write("Demo staff (sign in with any of them):")
        for username, password in demo_users_ensure().items():
            role = DEMO_USERS[username]
            self.stdout.write(f"  {role:<8} user {username:<8} password {password}")

    def start_sandbox(self, host: str, port: int) -> subprocess.Popen:
        health = f"{settings.API_BASE_URL}/_sandbox/health"
        try:
            requests.get(health, timeout=1)
        except requests.RequestException:
            pass
        else:
            raise CommandError(
                f"Something already answers on {host}:{port}: stop it, or set API_BASE_URL."
            )
        self.stdout.write(f"Starting the sandbox API on {host}:{port}…")
        environment = {**os.environ, "SANDBOX_API_KEY": settings.API_SECRET_KEY}
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dashboard.sandbox",
                "--host",
                host,
                "--port",
                str(port),
                "--quiet",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120  # a first start seeds the demo data
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise CommandError("The sandbox API failed to start (see above).")
            try:
                if requests.get(health, timeout=1).ok:
                    return child
            except requests.RequestException:
                time.sleep(0.2)
        terminate(child)
        raise CommandError("The sandbox API did not come up within 2 minutes.")


def terminate(child: subprocess.Popen) -> None:
    """Stop a child and everything it started (runserver's reloader has a child)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)  # the child leads its own process group
        except ProcessLookupError:
            break
        try:
            child.wait(timeout=10)
            time.sleep(0.2)  # let the group's other members exit too
        except subprocess.TimeoutExpired:
            continue
