"""Throwaway PostgreSQL and Redis servers for the tests that need real ones.

Each runs from a temporary folder on a free port of 127.0.0.1, is no system service,
and can be stopped and started again (same port, same data) to show what the dashboard
does while it is gone. Debian's packages provide them: `apt-get install postgresql
redis-server` (`.ci/run` does). Without them, the tests that need them skip, except
under CI=true, where they fail: CI must not pass by skipping them.
"""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

from tests.processes import free_port, stop

INSTALL = "apt-get install postgresql redis-server"
POSTGRES_DATABASE = "dashboard"
POSTGRES_SUPERUSER = "postgres"
UNPRIVILEGED_USER = "nobody"  # PostgreSQL refuses to run as root
REDIS_SERVER = "/usr/bin/redis-server"  # Debian's, when /usr/bin is not on PATH


def unavailable(reason: str) -> NoReturn:
    message = f"{reason}; install them with `{INSTALL}` (Debian)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}. CI must run these tests, not skip them.", pytrace=False)
    pytest.skip(message)


def postgres_bin() -> Path | None:
    """The newest PostgreSQL's programs: Debian keeps them out of PATH."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent  # a symlink into /usr/lib/postgresql/N/bin
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    return versions[-1].parent if versions else None


def wait_until(ready, *, what: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {seconds} s")
        time.sleep(0.05)


def _private_folder(prefix: str, owner: str | None) -> Path:
    # Not pytest's tmp_path: its parents are closed to the unprivileged user.
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if owner:
        shutil.chown(folder, user=owner)
    return folder


class ThrowawayServer:
    """What both servers offer the tests besides start and stop."""

    folder: Path

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class PostgresServer(ThrowawayServer):
    folder: Path
    port: int
    run_as: str | None  # the user the server runs as; None: this process's own
    bin: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"postgres://{POSTGRES_SUPERUSER}@127.0.0.1:{self.port}/{POSTGRES_DATABASE}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / program), *args],
            user=self.run_as,
            check=True,
            capture_output=True,
            cwd=self.folder,
        )

    def initialise(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.folder / "data"),
            "--username",
            POSTGRES_SUPERUSER,
            "--auth",
            "trust",  # 127.0.0.1 only, for the lifetime of a test run
            "--encoding",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        self.start()
        self._run(
            "createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            POSTGRES_SUPERUSER,
            POSTGRES_DATABASE,
        )

    def start(self) -> None:
        log = (self.folder / "postgres.log").open("a")
        options = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.folder),
            # Throwaway data: durability only costs time.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        self.process = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.folder / "data"), "-p", str(self.port)]
            + [part for name, value in options.items() for part in ("-c", f"{name}={value}")],
            user=self.run_as,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
        )
        log.close()
        wait_until(self.accepts_connections, what="postgres", process=self.process)

    def accepts_connections(self) -> bool:
        ready = subprocess.run(
            [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False,
        )
        return ready.returncode == 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # SIGINT is PostgreSQL's "fast" shutdown: it ends the clients' connections
            # instead of waiting for them (SIGTERM's "smart" one).
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_postgres() -> PostgresServer:
    """initdb into a temporary folder and serve it; skips (fails in CI) without PostgreSQL."""
    bin = postgres_bin()
    if bin is None or not (bin / "postgres").exists():
        unavailable("PostgreSQL is not installed")
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            unavailable(f"PostgreSQL will not run as root, and there is no {UNPRIVILEGED_USER}")
        run_as = UNPRIVILEGED_USER
    folder = _private_folder("dashboard-postgres-", run_as)
    server = PostgresServer(folder=folder, port=free_port(), run_as=run_as, bin=bin)
    try:
        server.initialise()
    except BaseException:
        server.remove()
        raise
    return server


@dataclass
class RedisServer(ThrowawayServer):
    folder: Path
    port: int
    program: str
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.folder / "redis.log").open("a")
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": str(self.folder),
            # Nothing survives a restart, as with a Redis that lost its memory.
            "save": "",
            "appendonly": "no",
        }
        self.process = subprocess.Popen(
            [self.program]
            + [part for name, value in options.items() for part in (f"--{name}", value)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
        )
        log.close()
        wait_until(self.answers, what="redis-server", process=self.process)

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def start_redis() -> RedisServer:
    """redis-server from a temporary folder, no persistence; skips (fails in CI) without it."""
    program = shutil.which("redis-server") or (
        REDIS_SERVER if Path(REDIS_SERVER).exists() else None
    )
    if program is None:
        unavailable("redis-server is not installed")
    server = RedisServer(
        folder=_private_folder("dashboard-redis-", None), port=free_port(), program=program
    )
    try:
        server.start()
    except BaseException:
        server.remove()
        raise
    return server
