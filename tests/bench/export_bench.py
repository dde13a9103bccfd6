"""`make bench`: the clients export against a 100,000-client sandbox.

Compares the export's wall time through the dashboard (gunicorn, DEBUG off, signed
in as a manager) with the least work that writes the same file: one
requests.Session fetching the same pages one after another and csv.writer writing
the same rows to a null sink. The machine is shared and noisy, so the two run back
to back in each round, which of them goes first alternating, and the figure is the
median of the rounds' ratios. Also the dashboard worker's memory: resident set when
idle, and how far its high-water mark rose during each export.

Targets: ratio <= 0.8 (the export fetches EXPORT_PAGES_IN_FLIGHT pages at once, so
it should beat a sequential client), memory growth <= 20 MB for 100,000 rows.
Not a test: figures go to stdout and var/bench-export.json, with the machine's facts.
"""

import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

import requests

from tests.bench.harness import (
    bench_servers,
    cpu_seconds,
    machine_facts,
    memory_kb,
    reset_peak,
    signed_in,
)
from tests.processes import ROOT

CLIENTS = 100_000
PER_PAGE = 100
DB = ROOT / "var" / "bench-sandbox.sqlite3"
RESULTS = ROOT / "var" / "bench-export.json"
ROUNDS = 6  # each: the export and the bare loop back to back, the first of them alternating
PAGES_IN_FLIGHT = int(os.environ.get("EXPORT_PAGES_IN_FLIGHT", "3"))
RATIO_TARGET = 0.8
MEMORY_TARGET_MB = 20.0


class NullSink:
    def write(self, text: str) -> int:
        return len(text)


FIELDS = (
    "clientRef",
    "id",
    "firstName",
    "middleName",
    "lastName",
    "dob",
    "email",
    "phoneNumber",
    "address",
    "city",
    "state",
    "country",
    "image",
    "customData",
    "createdAt",
    "updatedAt",
)
TRIGGERS = tuple("=+-@\t\r\n\0")


def bare_cell(value) -> str:
    # The same rows: text neutralised as the export does it, JSON as one column.
    if value is None:
        return ""
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "'" + value if value.startswith(TRIGGERS) else value


def bare_loop(url: str, key: str) -> tuple[float, int]:
    """The least work that writes the same rows: fetch every page with one Session,
    write every row with csv.writer to a null sink. No records, no threads."""
    started = time.perf_counter()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    writer = csv.writer(NullSink())
    rows, page = 0, 1
    while True:
        body = session.get(
            f"{url}/v1/clients", params={"page": page, "perPage": PER_PAGE}, timeout=30
        ).json()
        writer.writerows(
            [bare_cell(client.get(name)) for name in FIELDS] for client in body["data"]
        )
        rows += len(body["data"])
        if page >= body["meta"]["totalPages"]:
            return time.perf_counter() - started, rows
        page += 1


def dashboard_export(session: requests.Session, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = session.get(f"{url}/clients/export.csv", stream=True, timeout=120)
    response.raise_for_status()
    lines = sum(chunk.count(b"\n") for chunk in response.iter_content(1 << 20))
    return time.perf_counter() - started, lines - 1  # minus the header


def ensure_seeded() -> None:
    import sqlite3

    if DB.exists():
        with sqlite3.connect(DB) as db:
            if db.execute("SELECT count(*) FROM clients").fetchone()[0] == CLIENTS:
                return
    print(f"Seeding {CLIENTS:,} sandbox clients into {DB} (once; about 2 minutes)…", flush=True)
    from dashboard.sandbox.seed import seed
    from dashboard.sandbox.store import Store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    seed(Store(DB), clients=CLIENTS)


def export_round(session: requests.Session, url: str, worker: int, sandbox_pid: int) -> dict:
    reset_peak(worker)
    before = memory_kb(worker)["VmRSS"]
    cpu_before = cpu_seconds(worker), cpu_seconds(sandbox_pid)
    seconds, rows = dashboard_export(session, url)
    peak = memory_kb(worker)["VmHWM"]
    return {
        "seconds": seconds,
        "rows": rows,
        "growth_mb": (peak - before) / 1024,
        "dashboard_cpu": cpu_seconds(worker) - cpu_before[0],
        "sandbox_cpu": cpu_seconds(sandbox_pid) - cpu_before[1],
    }


def main() -> int:
    ensure_seeded()
    facts = machine_facts()
    servers = bench_servers(
        staff={"bench": "Manager"},
        clients=0,
        sandbox_db=DB,
        dashboard_env={"EXPORT_PAGES_IN_FLIGHT": str(PAGES_IN_FLIGHT)},
    )
    with servers as (sandbox, dashboard):
        session = signed_in(dashboard, "bench")
        session.get(f"{dashboard.url}/clients/", timeout=30).raise_for_status()  # warm up
        worker = dashboard.worker_pid()
        idle = memory_kb(worker)["VmRSS"]

        rounds = []
        for number in range(1, ROUNDS + 1):
            export_first = number % 2 == 1
            if export_first:
                export = export_round(session, dashboard.url, worker, sandbox.process.pid)
                bare_seconds, bare_rows = bare_loop(sandbox.url, sandbox.api_key)
            else:
                bare_seconds, bare_rows = bare_loop(sandbox.url, sandbox.api_key)
                export = export_round(session, dashboard.url, worker, sandbox.process.pid)
            assert export["rows"] == bare_rows == CLIENTS, (export["rows"], bare_rows)
            ratio = export["seconds"] / bare_seconds
            rounds.append(
                {
                    "first": "export" if export_first else "bare loop",
                    "export_seconds": round(export["seconds"], 2),
                    "bare_loop_seconds": round(bare_seconds, 2),
                    "ratio": round(ratio, 3),
                    "memory_growth_mb": round(export["growth_mb"], 1),
                    "dashboard_cpu_seconds": round(export["dashboard_cpu"], 1),
                    "sandbox_cpu_seconds": round(export["sandbox_cpu"], 1),
                }
            )
            print(
                f"round {number} ({rounds[-1]['first']} first): export {export['seconds']:.2f} s, "
                f"bare loop {bare_seconds:.2f} s, ratio {ratio:.3f}, memory growth "
                f"{export['growth_mb']:.1f} MB; CPU during the export: dashboard "
                f"{export['dashboard_cpu']:.1f} s, sandbox {export['sandbox_cpu']:.1f} s",
                flush=True,
            )

    ratio = statistics.median(entry["ratio"] for entry in rounds)
    growth = max(entry["memory_growth_mb"] for entry in rounds)
    export_median = statistics.median(entry["export_seconds"] for entry in rounds)
    results = {
        "rows": CLIENTS,
        "page_size": PER_PAGE,
        "pages_in_flight": PAGES_IN_FLIGHT,
        "rounds": rounds,
        "ratio_median": round(ratio, 3),
        "export_seconds_median": round(export_median, 2),
        "bare_loop_seconds_median": round(
            statistics.median(entry["bare_loop_seconds"] for entry in rounds), 2
        ),
        "export_rows_per_second": round(CLIENTS / export_median),
        "worker_idle_rss_mb": round(idle / 1024, 1),
        "memory_growth_mb_max": growth,
        "targets": {
            "ratio_median": {"target": RATIO_TARGET, "met": ratio <= RATIO_TARGET},
            "memory_growth_mb_max": {
                "target": MEMORY_TARGET_MB,
                "met": growth <= MEMORY_TARGET_MB,
            },
        },
        "machine": facts,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    for name, target in results["targets"].items():
        print(
            f"Target {name} <= {target['target']}: {'met' if target['met'] else 'NOT met'}"
            f" ({results[name]})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
