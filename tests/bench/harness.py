"""What the benchmarks share: the sandbox and the dashboard started as production runs
them, signed-in users, the CPU and memory of the processes serving (from /proc), and the
facts about the machine that a figure should be read with."""

import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.processes import ROOT, DashboardProcess, SandboxProcess, start_dashboard, start_sandbox

STAFF_PASSWORD = "a-long-test-password"  # what start_dashboard gives the staff it creates


# --- starting and signing in ------------------------------------------------------------


@contextmanager
def bench_servers(
    *,
    staff: dict[str, str],
    clients: int = 1000,
    sandbox_db: Path | None = None,
    dashboard_env: dict | None = None,
    dashboard_log: Path | None = None,
) -> Iterator[tuple[SandboxProcess, DashboardProcess]]:
    """The sandbox and the dashboard in front of it, each on a free port, with a fresh
    random key; both stopped on the way out, error or not. The dashboard's database and
    static files live in a temporary folder under var/, and so does the sandbox's unless
    `sandbox_db` names one to reuse (seeded with `clients` when empty). `dashboard_log`:
    the dashboard's own log lines go to that file instead of the benchmark's output (it
    still writes them: they are part of what a page costs in production)."""
    key = f"bench-{secrets.token_hex(8)}"
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-", dir=ROOT / "var") as folder:
        sandbox = start_sandbox(
            sandbox_db or Path(folder) / "sandbox.sqlite3", api_key=key, clients=clients
        )
        try:
            dashboard = start_dashboard(
                Path(folder),
                api_url=sandbox.url,
                api_key=key,
                staff=staff,
                env=dashboard_env,
                log_path=dashboard_log,
            )
            try:
                yield sandbox, dashboard
            finally:
                dashboard.stop()
        finally:
            sandbox.stop()


@contextmanager
def bench_sandbox(*, clients: int = 100) -> Iterator[SandboxProcess]:
    """The sandbox alone, on a free port, with a fresh random key and its database in a
    temporary folder under var/ (seeded with `clients` and the portfolio clients), for a
    benchmark that runs the dashboard's code in its own process; stopped on the way out."""
    key = f"bench-{secrets.token_hex(8)}"
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-", dir=ROOT / "var") as folder:
        sandbox = start_sandbox(Path(folder) / "sandbox.sqlite3", api_key=key, clients=clients)
        try:
            yield sandbox
        finally:
            sandbox.stop()


def dashboard_settings(dashboard: DashboardProcess, *names: str) -> dict:
    """The named Django settings as the running dashboard read them (its environment, and
    `.env` as settings.py reads it), from a new process: the benchmark's own loads no Django."""
    script = (
        "import json, sys, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}, default=str))"
    )
    environment = {**dashboard.env, "DJANGO_SETTINGS_MODULE": "dashboard.settings"}
    found = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(found.stdout.splitlines()[-1])


def signed_in(dashboard: DashboardProcess, username: str) -> requests.Session:
    return dashboard.signed_in(username, STAFF_PASSWORD)


def cookie_header(session: requests.Session) -> str:
    """A signed-in session's cookies as one `Cookie` header, for a bare HTTP client."""
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)


# --- /proc --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def memory_kb(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}


def reset_peak(pid: int) -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def children(pid: int) -> list[int]:
    """The processes `pid` forked (gunicorn's workers, for its master), from every thread."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return sorted(found)


def workers_cpu(master_pid: int) -> dict[int, float]:
    """CPU seconds so far of each of the master's workers (by pid)."""
    return {pid: cpu_seconds(pid) for pid in children(master_pid)}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the workers used between two `workers_cpu` readings. A worker that was
    replaced in between took its figures with it: refused rather than under-counted."""
    if before.keys() != after.keys():
        raise RuntimeError(
            f"the workers changed while measuring: {sorted(before)} -> {sorted(after)}"
        )
    return sum(after[pid] - before[pid] for pid in after)


def machine_cpu() -> dict[str, float]:
    """CPU seconds so far of the whole machine, all CPUs: busy (steal included: time this
    virtual machine wanted and did not get) and in all. Two readings apart say how busy
    the machine was meanwhile, and with our own processes' figures, how much CPU others
    (another test run on a shared host) took."""
    first_line = Path("/proc/stat").read_text().split("\n", 1)[0]
    # user nice system idle iowait irq softirq steal (guest time is counted in user)
    ticks = [int(value) for value in first_line.split()[1:9]]
    idle = ticks[3] + ticks[4]
    per_second = os.sysconf("SC_CLK_TCK")
    return {"busy": (sum(ticks) - idle) / per_second, "total": sum(ticks) / per_second}


def machine_busy(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Between two `machine_cpu` readings: busy CPU seconds, and the share of all CPUs."""
    busy = after["busy"] - before["busy"]
    total = after["total"] - before["total"]
    return {"busy_seconds": round(busy, 2), "busy_percent": round(100 * busy / total, 1)}


# --- the machine ------------------------------------------------------------------------


def git_output(*arguments: str) -> str | None:
    """What `git <arguments>` prints in the repository, or None without git."""
    try:
        found = subprocess.run(
            ["git", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout


def git_commit() -> str | None:
    found = git_output("rev-parse", "--short", "HEAD")
    return found.strip() or None if found is not None else None


def uncommitted_paths() -> list[str] | None:
    """The files that differ from the commit: a figure measured on a working tree whose
    product code is being changed is not the commit's figure."""
    found = git_output("status", "--porcelain")
    if found is None:
        return None
    return sorted(line[3:] for line in found.splitlines() if line.strip())


def machine_facts() -> dict:
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": git_commit(),
        "uncommitted": uncommitted_paths(),
        "cpu_count": os.cpu_count(),
        "loadavg": [round(value, 2) for value in os.getloadavg()],
        "reference_loop_ms": reference_loop_ms(),
    }


def reference_loop_ms(rounds: int = 5) -> float:
    """CPU milliseconds of one fixed pure-Python loop, the best of `rounds`: how fast this
    shared virtual machine runs Python right now. On this host the same commit has
    measured from 6.5 to 13.6 ms of CPU per list page on different days, with this loop
    moving alike; figures from two runs compare only with theirs beside them."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        total = 0
        for number in range(1_000_000):
            total += number * number % 7
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


# --- timing -------------------------------------------------------------------------------


def percentile(values: Sequence[float], percent: float) -> float:
    """The `percent`th percentile, interpolated between the two nearest ranks (numpy's
    default): p50 of [1, 2, 3, 4] is 2.5, p0 the least and p100 the most."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * percent / 100
    below, above = math.floor(rank), math.ceil(rank)
    return ordered[below] + (ordered[above] - ordered[below]) * (rank - below)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99, mean, least and most of durations in seconds, in milliseconds."""
    return {
        "p50": round(percentile(seconds, 50) * 1000, 2),
        "p90": round(percentile(seconds, 90) * 1000, 2),
        "p99": round(percentile(seconds, 99) * 1000, 2),
        "mean": round(sum(seconds) / len(seconds) * 1000, 2),
        "min": round(min(seconds) * 1000, 2),
        "max": round(max(seconds) * 1000, 2),
    }


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def interleaved(sides: dict[str, Callable[[], object]], *, count: int) -> dict[str, list[float]]:
    """`count` rounds of each side's call in turn (a, b, a, b...): seconds per call, by side.
    Taken in turn, both sides see the same moments of a shared, noisy machine; two runs one
    after the other would each see their own."""
    durations: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(count):
        for name, call in sides.items():
            durations[name].append(timed(call))
    return durations


def added_time_ms(slower: Sequence[float], faster: Sequence[float]) -> dict[str, float]:
    """What `slower` adds to `faster`, from interleaved timings of the same rounds, two ways:
    percentiles of the per-round difference, and the difference of the percentiles. They
    differ: the p99 of a difference is not the difference of two p99s."""
    if len(slower) != len(faster):
        raise ValueError("the two sides were not timed in the same rounds")
    differences = [a - b for a, b in zip(slower, faster, strict=True)]
    return {
        "per_pair_p50": round(percentile(differences, 50) * 1000, 2),
        "per_pair_p90": round(percentile(differences, 90) * 1000, 2),
        "per_pair_p99": round(percentile(differences, 99) * 1000, 2),
        "p50_difference": round((percentile(slower, 50) - percentile(faster, 50)) * 1000, 2),
        "p99_difference": round((percentile(slower, 99) - percentile(faster, 99)) * 1000, 2),
    }


def reconnect(
    sessions: Sequence[requests.Session], call: Callable[[requests.Session], requests.Response]
) -> None:
    """Close each session's connections, then open new ones with one `call` each, all at
    once, as clients arriving together would. A keep-alive connection stays with the worker
    that accepted it: opened one after another, they may all land on one worker and time
    it alone; opened together, the workers share them as they would share such clients."""
    for session in sessions:
        session.close()  # the session stays usable: its next request opens a new pool
    start = threading.Barrier(len(sessions))
    failures: list[str] = []

    def open_one(session: requests.Session) -> None:
        start.wait()
        response = call(session)
        if response.status_code >= 400:
            failures.append(str(response.status_code))

    threads = [threading.Thread(target=open_one, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"opening connections failed: {failures}")


def throughput(
    sessions: Sequence[requests.Session],
    call: Callable[[requests.Session], requests.Response],
    *,
    seconds: float,
) -> dict:
    """Each session in its own thread, sending `call` back to back for `seconds`: completed
    requests per second and their latency. A call that raises or answers >= 400 is counted
    as an error (by status or exception), not as throughput. Requests still running at the
    end are waited for and counted: the rate is over the time until the last one ended."""
    latencies: list[list[float]] = [[] for _ in sessions]
    errors: list[list[str]] = [[] for _ in sessions]
    start = threading.Barrier(len(sessions) + 1)
    end_at = 0.0

    def client(index: int) -> None:
        start.wait()
        while time.perf_counter() < end_at:
            sent = time.perf_counter()
            try:
                response = call(sessions[index])
            except requests.RequestException as error:
                errors[index].append(type(error).__name__)
                continue
            if response.status_code >= 400:
                errors[index].append(str(response.status_code))
                continue
            latencies[index].append(time.perf_counter() - sent)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    end_at = started + seconds  # set before the barrier lets the threads read it
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = [latency for per_thread in latencies for latency in per_thread]
    return {
        "clients": len(sessions),
        "seconds": round(elapsed, 2),
        "requests": len(every),
        "errors": dict(Counter(kind for per_thread in errors for kind in per_thread)),
        "requests_per_second": round(len(every) / elapsed, 1),
        **({"latency_ms": summary_ms(every)} if every else {}),
    }
