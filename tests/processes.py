"""Starting and stopping the sandbox API as a real process, for tests and benchmarks."""

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SandboxProcess:
    url: str
    api_key: str
    process: subprocess.Popen
    db: Path

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.api_key}", **kwargs.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def set_faults(self, **faults: Any) -> None:
        """Inject latency or failures (see dashboard/sandbox/server.py: Faults)."""
        self.call("POST", "/_sandbox/faults", json=faults).raise_for_status()

    def clear_faults(self) -> None:
        self.set_faults()

    def received(self) -> list[dict]:
        """The /v1 calls the sandbox received since the last `forget_received`."""
        return self.call("GET", "/_sandbox/requests").json()["data"]

    def forget_received(self) -> None:
        self.call("DELETE", "/_sandbox/requests").raise_for_status()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


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
