"""Failed sign-ins from many threads at once are all counted, never an error.

On a real SQLite file (the demo's database; the suite's own is in memory, where
locking differs), in a process of its own: 8 threads x 5 failures.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import threading
from django.db import connection
from dashboard.access.models import FailureCount
from dashboard.access.throttle import failure_count_add

problems = []

def fail_five():
    try:
        for _ in range(5):
            failure_count_add(scope=FailureCount.Scope.SIGN_IN_ADDRESS, key="10.9.9.9", limit=99)
    except Exception as problem:
        problems.append(repr(problem))
    finally:
        connection.close()

threads = [threading.Thread(target=fail_five) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("problems", problems)
print("failures", FailureCount.objects.get(key="10.9.9.9").failures)
"""


def test_concurrent_failures_on_sqlite_are_all_counted_without_a_locked_database(tmp_path):
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=environment, check=True)
    result = subprocess.run(
        [*manage, "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "problems []" in result.stdout, result.stdout
    assert "failures 40" in result.stdout
