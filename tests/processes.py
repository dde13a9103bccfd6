"""Starting and stopping the sandbox API as a real process, for tests and benchmarks."""

import atexit
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate a server we started, killing it if it will not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class SandboxProcess:
    url: str
    api_key: str
    process: subprocess.Popen
    db: Path

    def call(
        self, method: str, path: str, *, timeout: float = 30, **kwargs: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.api_key}", **kwargs.pop("headers", {})}
        return requests.request(
            method, self.url + path, headers=headers, timeout=timeout, **kwargs
        )

    def create_client(self, **fields: Any) -> dict:
        """POST a client (the required fields filled in unless given); returns its data."""
        body = {
            "firstName": "Test",
            "lastName": "Client",
            "dob": "1980-01-01",
            "address": "1 Marina",
            "state": "Lagos",
            "country": "Nigeria",
            **fields,
        }
        response = self.call("POST", "/v1/clients", json=body)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def add_client(self, **fields: Any) -> dict:
        """A client with any fields, `clientRef` included (the sandbox's test door)."""
        response = self.call("POST", "/_sandbox/clients", json=fields)
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def set_faults(self, **faults: Any) -> None:
        """Inject latency or failures (see dashboard/sandbox/server.py: Faults)."""
        self.call("POST", "/_sandbox/faults", json=faults).raise_for_status()

    def clear_faults(self) -> None:
        self.set_faults()

    def received(self) -> list[dict]:
        """The /v1 calls the sandbox received since the last `forget_received`."""
        return self.call("GET", "/_sandbox/requests").json()["data"]

    def settle(self) -> None:
        """Waits until no /v1 call is being answered, the injected waits cut short: the
        calls an earlier test left under way (an export's pages fetched ahead) land
        before this one starts counting."""
        self.call("POST", "/_sandbox/settle").raise_for_status()

    def forget_received(self) -> None:
        self.call("DELETE", "/_sandbox/requests").raise_for_status()

    def peak_in_flight(self) -> int:
        """The most /v1 calls the sandbox answered at once since `forget_received`."""
        return self.call("GET", "/_sandbox/concurrency").json()["data"]["peak"]

    def stop(self) -> None:
        stop(self.process)


def start_sandbox(
    db: Path, *, api_key: str, clients: int = 1000, port: int = 0, env: dict | None = None
) -> SandboxProcess:
    """Start `python -m dashboard.sandbox` and wait until it listens."""
    environment = {**os.environ, **(env or {}), "SANDBOX_API_KEY": api_key}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard.sandbox",
            "--db",
            str(db),
            "--port",
            str(port),
            "--clients",
            str(clients),
            "--quiet",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the sandbox exited with {process.wait()} before listening")
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            # Keep the pipe drained (a full pipe would block the sandbox); show its errors.
            threading.Thread(target=_echo, args=(process.stdout,), daemon=True).start()
            return SandboxProcess(url=found.group(1), api_key=api_key, process=process, db=db)
    process.kill()
    raise RuntimeError("the sandbox did not start in time")


def _echo(stream) -> None:
    for line in stream:
        sys.__stderr__.write(f"[sandbox] {line}")


@dataclass
class DashboardProcess:
    """The dashboard as production runs it: gunicorn, DEBUG off, its own database."""

    url: str
    process: subprocess.Popen
    env: dict
    access_log: Path | None = None
    # Closed before stopping: gunicorn lets a kept-alive connection linger for 2 s.
    sessions: list[requests.Session] = field(default_factory=list, repr=False)

    def signed_in(self, username: str, password: str) -> requests.Session:
        session = requests.Session()
        self.sessions.append(session)
        session.get(f"{self.url}/accounts/login/", timeout=10)
        response = session.post(
            f"{self.url}/accounts/login/",
            data={"username": username, "password": password},
            headers={
                "X-CSRFToken": session.cookies["csrftoken"],
                "Referer": f"{self.url}/accounts/login/",
            },
            timeout=10,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:500]
        return session

    def worker_pid(self) -> int:
        """gunicorn's master forks one worker: the process that runs the dashboard."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return int(children.read_text().split()[0])

    def stop(self) -> None:
        for session in self.sessions:
            session.close()
        stop(self.process)


def deployment_environment(
    folder: Path, *, api_url: str, api_key: str, threads: int = 8, env: dict | None = None
) -> dict:
    """The environment of a deployment in `folder` as start_dashboard serves it (DEBUG
    off, SQLite and static files in `folder`), `env` on top."""
    environment = {
        **os.environ,
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": str(threads),
        "DEBUG": "False",
        "SECRET_KEY": "test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "DATABASE_URL": f"sqlite:///{folder / 'dashboard.sqlite3'}",
        "API_BASE_URL": api_url,
        "API_SECRET_KEY": api_key,
        "STAFF_PASSWORD": "a-long-test-password",
        "STATIC_ROOT": str(folder / "static"),
        **(env or {}),
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return environment


def prepare_deployment(folder: Path, environment: dict, staff: dict[str, str]) -> None:
    """What start_dashboard runs before serving: migrate, collectstatic, createstaff, for
    an `environment` from deployment_environment() whose DATABASE_URL and STATIC_ROOT are
    its own (in `folder`): what they make is copied there from earlier runs."""
    _prepare(folder, environment, staff, own={})


def start_dashboard(
    folder: Path,
    *,
    api_url: str,
    api_key: str,
    staff: dict[str, str],
    env: dict | None = None,
    threads: int = 8,
    prepare: bool = True,
    log_path: Path | None = None,
    access_log: bool = False,
) -> DashboardProcess:
    """Deploy as the README says: migrate a fresh database, collect static files, create
    `staff` (username -> role), and serve with gunicorn and its configuration
    (dashboard/gunicorn_conf.py): one worker of `threads` threads unless `env` says
    otherwise. Another instance on the same database and `folder` passes prepare=False:
    migrations and staff are made once. What the commands make for a fresh SQLite
    database is made once per process and copied (_prepare). `log_path`: the dashboard's
    own log lines (its stderr) go to that file, for a test to read, instead of the
    suite's output. `access_log`: gunicorn's access log on (off by default, as in
    production), written to the process's `access_log` file."""
    port = free_port()
    environment = deployment_environment(
        folder, api_url=api_url, api_key=api_key, threads=threads, env=env
    )
    if prepare:
        _prepare(folder, environment, staff, own=env or {})
    access_log_path = folder / f"access-{port}.log"
    log_file = log_path.open("ab") if log_path else None
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:dashboard.gunicorn_conf",
            "dashboard.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # Read by tests, kept out of their output.
            *(["--access-logfile", str(access_log_path)] if access_log else []),
        ],
        cwd=ROOT,
        env=environment,
        stderr=log_file,
    )
    if log_file is not None:
        log_file.close()  # gunicorn writes to its own copy
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/accounts/login/", timeout=2)
            return DashboardProcess(
                url=url,
                process=process,
                env=environment,
                access_log=access_log_path if access_log else None,
            )
        except (requests.ConnectionError, requests.Timeout):  # not listening, or still busy
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited") from None
            time.sleep(0.05)
    stop(process)
    raise RuntimeError("the dashboard did not start in time")


# --- what `prepare` makes, made once per process -----------------------------------------
#
# Every fresh SQLite deployment gets the same migrated database, the same collected static
# files and, for the same staff, the same accounts. Each takes a Django start-up (about
# 2 s, a production password hash for each account), so the first deployment runs the
# README's commands into a folder of this process's and later ones copy the result.

_made: dict[object, Path] = {}
_made_lock = threading.Lock()
_made_folder: Path | None = None


def _manage(*arguments: str, environment: dict) -> tuple[subprocess.Popen, Any]:
    """Start `manage.py arguments`; its output goes to a file, not a pipe: two commands
    run at once, and a pipe nobody reads could block one."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _finish)
    command = subprocess.Popen(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    return command, output


def _finish(*commands: tuple[subprocess.Popen, Any]) -> None:
    """Wait for each command; a failure raises with its output (as check=True would)."""
    for command, output in commands:
        command.wait()
        output.seek(0)
        printed = output.read().decode(errors="replace")
        output.close()
        if command.returncode:
            raise subprocess.CalledProcessError(command.returncode, command.args, printed)


def _create_staff(staff: dict[str, str], environment: dict) -> None:
    # Side by side: each is mostly Django's start-up and a password hash; the database
    # queues their writes (SQLite's IMMEDIATE transactions wait for the lock).
    _finish(
        *(
            _manage(
                "createstaff",
                username,
                "--role",
                role,
                "--password-env",
                "STAFF_PASSWORD",
                environment=environment,
            )
            for username, role in staff.items()
        )
    )


def _cache_folder() -> Path:
    global _made_folder
    if _made_folder is None:
        _made_folder = Path(tempfile.mkdtemp(prefix="dashboard-prepared-"))
        atexit.register(shutil.rmtree, _made_folder, ignore_errors=True)
    return _made_folder


def _copy_database(source: Path, target: Path) -> None:
    # The commands exited, so SQLite checkpointed its WAL; copy one that is left all the same.
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def _copy_static(source: Path, target: Path) -> None:
    def link(source: str, target: str) -> None:
        try:
            os.link(source, target)  # whitenoise only reads them
        except OSError:
            shutil.copy2(source, target)

    shutil.copytree(source, target, copy_function=link, dirs_exist_ok=True)


def _prepare(folder: Path, environment: dict, staff: dict[str, str], own: dict) -> None:
    """migrate, collectstatic and createstaff for `folder`, copied when made before. Only
    what start_dashboard puts in `folder` is copied: an `env` naming its own DATABASE_URL
    or STATIC_ROOT gets the commands run for it."""
    cache = _cache_folder()
    static, migrated = cache / "static", cache / "migrated.sqlite3"
    with _made_lock:
        collect = ["collectstatic", "--noinput", "-v", "0"]
        commands = []
        if "STATIC_ROOT" in own:
            commands.append(_manage(*collect, environment=environment))
        elif "static" not in _made:
            into = {"STATIC_ROOT": str(static)}
            commands.append(_manage(*collect, environment={**environment, **into}))
        if "DATABASE_URL" in own:
            commands.append(_manage("migrate", "-v", "0", environment=environment))
        elif "migrated" not in _made:
            into = {"DATABASE_URL": f"sqlite:///{migrated}"}
            commands.append(_manage("migrate", "-v", "0", environment={**environment, **into}))
        _finish(*commands)  # side by side: neither needs the other
        if "STATIC_ROOT" not in own:
            _made["static"] = static
            _copy_static(static, folder / "static")
        if "DATABASE_URL" in own:
            _create_staff(staff, environment)
            return
        _made["migrated"] = migrated
        key = ("staff", *sorted(staff.items()))
        if key not in _made:
            with_staff = cache / f"staff-{len(_made)}.sqlite3"
            _copy_database(migrated, with_staff)
            _create_staff(staff, {**environment, "DATABASE_URL": f"sqlite:///{with_staff}"})
            _made[key] = with_staff
        with_staff = _made[key]
    _copy_database(with_staff, folder / "dashboard.sqlite3")


def migrated_database(target: Path, environment: dict) -> None:
    """What `manage.py migrate` makes of a new SQLite file, at `target`: made once per
    process (run with `environment`, its DATABASE_URL aside) and copied."""
    migrated = _cache_folder() / "migrated.sqlite3"
    with _made_lock:
        if "migrated" not in _made:
            into = {"DATABASE_URL": f"sqlite:///{migrated}"}
            _finish(_manage("migrate", "-v", "0", environment={**environment, **into}))
            _made["migrated"] = migrated
    _copy_database(migrated, target)
