"""Running a script in a process of its own on a real SQLite file: for tests of what
threads do at once (the suite's own database is in memory, where locking differs)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_on_a_fresh_database(script: str, folder: Path, **env: str) -> str:
    """`manage.py shell -c script` after `migrate`, on a new SQLite file in `folder`, with
    `env` added to this process's environment; its standard output."""
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py's own settings
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=environment, check=True)
    result = subprocess.run(
        [*manage, "shell", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
