"""The lowest versions of requests and urllib3 that pyproject.toml allows really work:
the service module's tests pass on exactly them (installed from PyPI into a folder of
their own, put first on the path of a fresh pytest).

Installing and running those tests takes about 20 s, mostly spent waiting (on PyPI, on
the tests' own timeouts): in a run without workers, tests/conftest.py starts
`background` as soon as the test is collected, so it runs beside the rest of the suite;
under pytest-xdist (`make test`) the worker that gets the test starts it, while the other
worker goes on. The test waits for its result; the session's end removes its folder.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

RUN_API_TESTS = """
import sys
import pytest
import requests
import urllib3
print("IMPORTED", requests.__version__, requests.__file__, urllib3.__version__, urllib3.__file__)
sys.exit(pytest.main(["tests/api", "-q", "-p", "no:cacheprovider"]))
"""


def declared_floor(name: str) -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        found = re.fullmatch(rf"{re.escape(name)}>=([0-9.]+),.*", requirement.replace(" ", ""))
        if found:
            return found.group(1)
    raise AssertionError(f"pyproject.toml declares no floor for {name}")


class FloorsRun:
    """pip install of the floors, then tests/api on them, on a thread of its own."""

    def __init__(self) -> None:
        self.floors: dict[str, str] = {}
        self.target: Path | None = None
        self.result: subprocess.CompletedProcess | None = None
        self.problem: BaseException | None = None
        self._folder: Path | None = None
        self._running: subprocess.Popen | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def wait(self) -> subprocess.CompletedProcess:
        self.start()  # when nothing started it (a run of this file alone, say)
        assert self._thread is not None
        self._thread.join()
        if self.problem is not None:
            raise self.problem
        assert self.result is not None
        return self.result

    def stop(self) -> None:
        """End a run the suite no longer waits for (interrupted, or failed with -x)."""
        self._stopping = True
        if self._running is not None and self._running.poll() is None:
            self._running.kill()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def _command(self, command: list[str], *, timeout: float, **options):
        if self._stopping:
            raise RuntimeError("stopped")
        self._running = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options
        )
        try:
            stdout, stderr = self._running.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._running.kill()
            self._running.communicate()
            raise
        return subprocess.CompletedProcess(command, self._running.returncode, stdout, stderr)

    def _run(self) -> None:
        try:
            self.floors = {name: declared_floor(name) for name in ("requests", "urllib3")}
            self._folder = Path(tempfile.mkdtemp(prefix="dependency-floors-"))
            self.target = self._folder / "floors"
            install = self._command(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target"]
                + [str(self.target)]
                + [f"{name}=={version}" for name, version in self.floors.items()],
                timeout=120,
            )
            if install.returncode:
                raise subprocess.CalledProcessError(
                    install.returncode, install.args, install.stdout, install.stderr
                )
            environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
                str(self.target), os.environ.get("PYTHONPATH")
            ]))}  # fmt: skip
            environment.pop("DJANGO_SETTINGS_MODULE", None)  # pyproject.toml's, as for any run
            self.result = self._command(
                [sys.executable, "-c", RUN_API_TESTS], cwd=ROOT, env=environment, timeout=300
            )
        except BaseException as problem:
            self.problem = problem


background = FloorsRun()


@pytest.mark.slow
def test_the_service_module_passes_its_tests_on_the_lowest_declared_versions():
    result = background.wait()
    floors, target = background.floors, background.target
    imported = re.search(r"^IMPORTED (\S+) (\S+) (\S+) (\S+)$", result.stdout, re.MULTILINE)
    assert imported, result.stdout[-3000:] + result.stderr[-3000:]
    requests_version, requests_file, urllib3_version, urllib3_file = imported.groups()
    assert Version(requests_version) == Version(floors["requests"])
    assert Version(urllib3_version) == Version(floors["urllib3"])
    assert Path(requests_file).is_relative_to(target) and Path(urllib3_file).is_relative_to(target)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"^\d+ passed", result.stdout.splitlines()[-1])
