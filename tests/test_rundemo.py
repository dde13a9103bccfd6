"""`make run`'s command: both servers come up, and Ctrl-C leaves no process behind."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from dashboard.sandbox.seed import PORTFOLIO_CLIENTS
from tests.processes import free_port, migrated_database

ROOT = Path(__file__).resolve().parent.parent


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for(url: str, seconds: float = 60) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def closed_within(seconds: float, *ports: int) -> bool:
    """Whether nothing listens on `ports` any more, waiting `seconds` at most for it."""
    deadline = time.monotonic() + seconds
    while any(listening(port) for port in ports):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start_demo(tmp_path: Path) -> tuple[subprocess.Popen, int, int]:
    """`manage.py rundemo` as `make run` starts it: (the process, the API's port, the
    dashboard's port). With SIGINT ignored, as a script's background job inherits it (so
    Python installs no KeyboardInterrupt): the command must stop on SIGINT all the same."""
    api_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DEBUG": "True",
        "API_BASE_URL": f"http://127.0.0.1:{api_port}",
        "API_SECRET_KEY": "demo-test-key",
        "SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
        "SANDBOX_SEED_CLIENTS": "30",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dashboard.sqlite3'}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    migrated_database(tmp_path / "dashboard.sqlite3", env)  # `make run` migrates first
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "rundemo", "--addr", f"127.0.0.1:{web_port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    return demo, api_port, web_port


def test_rundemo_serves_both_and_ctrl_c_stops_both(tmp_path):
    demo, api_port, web_port = start_demo(tmp_path)
    try:
        api = wait_for(f"http://127.0.0.1:{api_port}/v1/clients?page=2&perPage=5")
        assert api.status_code == 401  # no key: the sandbox is up and guarding
        keyed = requests.get(
            f"http://127.0.0.1:{api_port}/v1/clients?page=2&perPage=5",
            headers={"Authorization": "Bearer demo-test-key"},
            timeout=5,
        )
        total = 30 + len(PORTFOLIO_CLIENTS)  # the seed's portfolio clients come too
        assert keyed.json()["meta"] == {
            "page": 2,
            "perPage": 5,
            "total": total,
            "totalPages": -(-total // 5),
        }
        assert wait_for(f"http://127.0.0.1:{web_port}/").status_code < 500

        demo.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        demo.wait(timeout=30)
        output = demo.stdout.read()
        assert f"http://127.0.0.1:{web_port}/" in output
        assert "user viewer   password demo-viewer" in output  # the demo staff, printed
        assert "user manager  password demo-manager" in output
        assert "user checker  password demo-checker" in output  # the second Manager
        assert closed_within(5, api_port, web_port)  # no child left behind to keep a port
    finally:
        stop_demo(demo, api_port, web_port)


def pids_of(argument: str) -> list[int]:
    """The processes with `argument` among their command line's (a port, an address)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # not a process, or one that just ended
            continue
        if argument.encode() in arguments and entry.name.isdigit():
            found.append(int(entry.name))
    return found


def stop_demo(demo: subprocess.Popen, api_port: int, web_port: int) -> None:
    """A test's clean-up: rundemo, and servers it may have left in their own sessions."""
    if demo.poll() is None:
        os.killpg(demo.pid, signal.SIGKILL)
    for pid in pids_of(str(api_port)) + pids_of(f"127.0.0.1:{web_port}"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_when_one_server_stops_rundemo_stops_the_other(tmp_path):
    demo, api_port, web_port = start_demo(tmp_path)
    try:
        wait_for(f"http://127.0.0.1:{api_port}/_sandbox/health")
        assert wait_for(f"http://127.0.0.1:{web_port}/").status_code < 500
        [sandbox] = pids_of(str(api_port))
        os.kill(sandbox, signal.SIGKILL)  # the sandbox dies
        assert demo.wait(timeout=30) != 0
        assert "A server stopped unexpectedly; stopping the other." in demo.stdout.read()
        assert closed_within(5, api_port, web_port)  # the dashboard was stopped with it
    finally:
        stop_demo(demo, api_port, web_port)
