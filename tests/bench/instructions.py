"""`make bench-instructions`: the instructions the dashboard runs per page, counted by
valgrind (callgrind), for comparing two commits on a machine whose speed will not hold.

Timings on this shared virtual machine move by up to twice from hour to hour, and by a
tenth from one run to the next; an instruction count does neither. The dashboard runs in
one process as gunicorn's worker would (DEBUG off, the deployment's settings, SQLite),
its WSGI application called directly for a signed-in Viewer, against the sandbox over
HTTP (its own process, not counted). Each page is served N and N + 50 times under
callgrind; the difference over 50 is the page's cost, start-up excluded. Not counted:
gunicorn's request handling, the kernel, time spent waiting on the API. It takes two
to three minutes a page (valgrind runs Python some 50 times slower).

    python -m tests.bench.instructions [--page /clients/ ...]
"""

import argparse
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.processes import ROOT, deployment_environment, prepare_deployment, start_sandbox

RESULTS = ROOT / "var" / "bench-instructions.json"
VIEWER = "bench-viewer"
CLIENTS = 1000
PAGES = ("/clients/", "/clients/?perPage=100")
WARMUP = 10
HOST = "127.0.0.1"  # one the deployment's ALLOWED_HOSTS admits
COUNTED = 50


def serve(path: str, calls: int) -> None:
    """In the counted process: `calls` requests for `path` by the Viewer, after set-up."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    browser = Client()
    browser.force_login(get_user_model().objects.get(username=VIEWER))
    # A browser sends the CSRF cookie too: without it, every page makes a new CSRF secret.
    warm_up = browser.get("/clients/", headers={"host": HOST})
    if warm_up.status_code != 200 or "csrftoken" not in browser.cookies:
        raise SystemExit(f"the warm-up page answered {warm_up.status_code}, no CSRF cookie")
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in browser.cookies.items())
    application = WSGIHandler()
    route, _, query = path.partition("?")
    answered: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "HTTP_HOST": HOST,
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }

    def start_response(status: str, headers: list, *exc_info) -> None:
        answered.append(status)

    for _ in range(calls):
        answered.clear()
        body = b"".join(application({**environ, "wsgi.input": io.BytesIO(b"")}, start_response))
        if not answered[0].startswith("200") or not body:
            raise SystemExit(f"{path} answered {answered[0]}")


def counted(path: str, calls: int, environment: dict) -> int:
    """Instructions of a process serving `path` `calls` times (set-up included)."""
    finished = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "tests.bench.instructions",
            "--serve",
            path,
            "--calls",
            str(calls),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", finished.stderr)
    if finished.returncode != 0 or not found:
        raise SystemExit(f"valgrind failed for {path}:\n{finished.stderr[-2000:]}")
    return int(found.group(1))


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", action="append", help="a path to count (default: the list)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # the counted process
    parser.add_argument("--calls", type=int, default=WARMUP, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve, arguments.calls)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    pages = arguments.page or list(PAGES)
    key = f"bench-{secrets.token_hex(8)}"
    (ROOT / "var").mkdir(exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-", dir=ROOT / "var") as folder:
        sandbox = start_sandbox(Path(folder) / "sandbox.sqlite3", api_key=key, clients=CLIENTS)
        try:
            environment = deployment_environment(
                Path(folder), api_url=sandbox.url, api_key=key, env={"LOG_LEVEL": "WARNING"}
            )
            environment["DJANGO_SETTINGS_MODULE"] = "dashboard.settings"
            prepare_deployment(Path(folder), environment, {VIEWER: "Viewer"})
            figures = {}
            for path in pages:
                print(f"Counting {path}: {WARMUP} and {WARMUP + COUNTED} requests…", flush=True)
                before = counted(path, WARMUP, environment)
                after = counted(path, WARMUP + COUNTED, environment)
                figures[path] = round((after - before) / COUNTED)
        finally:
            sandbox.stop()
    print("\nInstructions per page (callgrind, one process, the API's time not counted)")
    for path, instructions in figures.items():
        print(f"  {path:28s} {instructions / 1e6:8.2f} M")
    RESULTS.write_text(
        json.dumps(
            {
                "commit": commit(),
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "python": sys.version.split()[0],
                "instructions_per_page": figures,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nWritten to {RESULTS.relative_to(ROOT)} in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")  # the same hashing in every counted run
    main()
