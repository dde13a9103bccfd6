"""Failed sign-ins from many threads at once are all counted, never an error.

On a real SQLite file (the demo's database; the suite's own is in memory, where
locking differs), in a process of its own: 8 threads x 5 failures.
"""

from tests.fresh_database import run_on_a_fresh_database

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
    output = run_on_a_fresh_database(SCRIPT, tmp_path)
    assert "problems []" in output, output
    assert "failures 40" in output
