"""`make bench`: the client's portfolio summary for the large sandbox client
(CL-PF-230-310: 230 loans, 310 deposits) through its region's URL, against the bare
sequential fetch of its pages.

The summary is timed as the client page asks for it: a signed-in Viewer's
`GET /clients/CL-PF-230-310/summary/?client_id=…` with `HX-Request: true`, served by
gunicorn (DEBUG off) in front of a sandbox, both started by `harness.bench_servers`
(the sandbox seeds the portfolio clients beside its others). One worker of 8 threads:
a request's CPU is then one process's to read from /proc. The dashboard runs with
SUMMARY_CACHE_SECONDS=0, so every request is a miss, as the first view within the cache
window is: it reads every page through `api.client_portfolio` (pages of 100, both lists
at once, pages asked for ahead, SUMMARY_PAGES_IN_FLIGHT calls in flight), runs
`summarise` and renders the band, with the page's own cost (session, user, middleware,
template) in the figure. A request counts only if it answers 200 with the band complete
("Based on 230 loans and 310 deposits"). Its CPU is the worker's: per round, in clock
ticks (10 ms), and per request over all the rounds, the figure to read.

The bare side is the least work that reads the same data: one new requests.Session
fetching the same 7 pages (loans 1-3, deposits 1-4 at perPage=100) one after another,
each page's JSON parsed, no records, no threads. Before the clock starts, the calls of
one summary request are checked against the bare loop's (the same method, path and
query, from the sandbox's record) and the most it had in flight against the setting;
after the rounds, that the sandbox received every round's calls (no summary came from a
cache).

Concurrency only pays when there is latency to overlap: a real API answers in tens of
milliseconds, the sandbox on this machine in about one. So the rounds run at each
injected per-call latency (the sandbox's `latency_ms` fault, default 0 and 40 ms); the
target, summary <= 0.6 x the bare loop (median of the rounds' ratios), is judged at the
largest latency measured, the 0 ms figure is reported beside it. Each round times both,
which goes first alternating, so a slow moment of this shared machine hits both.
Not a test: figures go to stdout and var/bench-summary.json, with the machine's facts;
the dashboard's log to var/.

    python -m tests.bench.summary_bench [--rounds 15] [--latency-ms 0,40]
"""

import argparse
import json
import os
import statistics
import sys
import time
from urllib.parse import urlencode

import requests

from dashboard.sandbox.seed import PORTFOLIO_CLIENT_REF, PORTFOLIO_DEPOSITS, PORTFOLIO_LOANS
from tests.bench import harness
from tests.processes import ROOT, SandboxProcess

RESULTS = ROOT / "var" / "bench-summary.json"
DASHBOARD_LOG = ROOT / "var" / "bench-summary-dashboard.log"  # one line a request: kept apart
SANDBOX_CLIENTS = 100  # seeded into a fresh sandbox each run, with the portfolio clients
VIEWER = "bench-viewer"  # view_clients is every staff role's: the least of them
# No summary kept, so each request reads the pages; one worker, so its CPU is the request's.
DASHBOARD_ENV = {"SUMMARY_CACHE_SECONDS": "0", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "8"}
HTMX = {"HX-Request": "true"}
COMPLETE = f"Based on {PORTFOLIO_LOANS} loans and {PORTFOLIO_DEPOSITS} deposits"
PER_PAGE = 100  # the contract's largest page, as the summary asks for
ROUNDS = 15
WARMUP = 2  # untimed rounds at each latency
LATENCIES_MS = (0, 40)
RATIO_TARGET = 0.6
TIMEOUT = 30
KINDS = ("loans", "deposits")


def bare_fetch(url: str, key: str, client_id: str) -> int:
    """Every page of both lists, one after another with one new Session, each page's
    JSON parsed: the records read."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    records = 0
    with session:
        for kind in KINDS:
            page = 1
            while True:
                body = session.get(
                    f"{url}/v1/clients/{client_id}/{kind}",
                    params={"page": page, "perPage": PER_PAGE},
                    timeout=TIMEOUT,
                ).json()
                records += len(body["data"])
                if page >= body["meta"]["totalPages"]:
                    break
                page += 1
    return records


def summary_request(viewer: requests.Session, region_url: str, worker: int) -> tuple[float, float]:
    """The summary band as the client page asks for it: the seconds until its answer was
    read, and the CPU seconds the dashboard worker used meanwhile (clock ticks)."""
    cpu = harness.cpu_seconds(worker)
    started = time.perf_counter()
    response = viewer.get(region_url, headers=HTMX, timeout=TIMEOUT)
    seconds = time.perf_counter() - started
    cpu = harness.cpu_seconds(worker) - cpu
    if response.status_code != 200 or COMPLETE not in response.text:
        raise RuntimeError(
            f"the summary region answered {response.status_code} without {COMPLETE!r}:"
            f" {response.text[:300]!r}"
        )
    return seconds, cpu


def bare_timed(sandbox: SandboxProcess, client_id: str) -> tuple[float, float]:
    """The bare loop: its seconds, and this process's CPU seconds for it."""
    started, cpu = time.perf_counter(), time.process_time()
    records = bare_fetch(sandbox.url, sandbox.api_key, client_id)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if records != PORTFOLIO_LOANS + PORTFOLIO_DEPOSITS:
        raise RuntimeError(f"the bare loop read {records} records")
    return seconds, cpu


def calls_of(sandbox: SandboxProcess, send) -> tuple[list[list], int]:
    """The /v1 calls the sandbox received while `send` ran (sorted: the summary sends
    them in no fixed order), and the most it answered at once."""
    sandbox.forget_received()
    send()
    calls = [[call["method"], call["path"], call["query"]] for call in sandbox.received()]
    calls.sort(key=lambda call: json.dumps(call, sort_keys=True))
    return calls, sandbox.peak_in_flight()


def measure_level(
    sandbox: SandboxProcess,
    client_id: str,
    *,
    viewer: requests.Session,
    region_url: str,
    worker: int,
    latency_ms: int,
    rounds: int,
    in_flight: int,
) -> dict:
    def summary() -> tuple[float, float]:
        return summary_request(viewer, region_url, worker)

    def bare() -> tuple[float, float]:
        return bare_timed(sandbox, client_id)

    sandbox.set_faults(latency_ms=latency_ms)
    try:
        for _ in range(WARMUP):
            summary()
            bare()
        summary_calls, peak = calls_of(sandbox, summary)
        bare_calls, _ = calls_of(sandbox, bare)
        if summary_calls != bare_calls:
            raise RuntimeError(f"the summary called {summary_calls}, the bare loop {bare_calls}")
        if peak > in_flight:
            raise RuntimeError(f"{peak} calls in flight at once, the setting says {in_flight}")

        sandbox.forget_received()
        entries = []
        sandbox_cpu = harness.cpu_seconds(sandbox.process.pid)
        worker_cpu = harness.cpu_seconds(worker)
        machine = harness.machine_cpu()
        for number in range(1, rounds + 1):
            summary_first = number % 2 == 1
            if summary_first:
                summary_took, bare_took = summary(), bare()
            else:
                bare_took = bare()
                summary_took = summary()
            entries.append(
                {
                    "first": "summary" if summary_first else "bare loop",
                    "summary_ms": round(summary_took[0] * 1000, 2),
                    "bare_loop_ms": round(bare_took[0] * 1000, 2),
                    "ratio": round(summary_took[0] / bare_took[0], 3),
                    # The dashboard worker's, in clock ticks; the loop's, this process's.
                    "summary_worker_cpu_ms": round(summary_took[1] * 1000, 2),
                    "bare_loop_cpu_ms": round(bare_took[1] * 1000, 2),
                }
            )
        busy = harness.machine_busy(machine, harness.machine_cpu())
        worker_cpu = harness.cpu_seconds(worker) - worker_cpu
        sandbox_cpu = harness.cpu_seconds(sandbox.process.pid) - sandbox_cpu
        received = len(sandbox.received())  # the sandbox keeps the last 2,000
    finally:
        sandbox.clear_faults()
    if received != rounds * (len(summary_calls) + len(bare_calls)):
        raise RuntimeError(f"the sandbox received {received} calls in {rounds} rounds")

    ratios = [entry["ratio"] for entry in entries]
    summary_ms = [entry["summary_ms"] / 1000 for entry in entries]
    bare_ms = [entry["bare_loop_ms"] / 1000 for entry in entries]
    found = {
        "latency_ms": latency_ms,
        "rounds": entries,
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_range": [min(ratios), max(ratios)],
        "summary_ms": harness.summary_ms(summary_ms),
        "bare_loop_ms": harness.summary_ms(bare_ms),
        # All the worker did in the timed rounds (the requests' last steps after their
        # answers included), per request: finer than a round's clock ticks.
        "summary_worker_cpu_ms_per_request": round(worker_cpu / rounds * 1000, 2),
        "summary_worker_cpu_ms_median": round(
            statistics.median(entry["summary_worker_cpu_ms"] for entry in entries), 2
        ),
        "bare_loop_cpu_ms_median": round(
            statistics.median(entry["bare_loop_cpu_ms"] for entry in entries), 2
        ),
        "sandbox_cpu_ms_per_round": round(sandbox_cpu / rounds * 1000, 2),  # both sides
        "upstream_calls": summary_calls,
        "peak_in_flight": peak,
        "machine": busy,
    }
    print(
        f"  {latency_ms} ms injected: summary p50 {found['summary_ms']['p50']:.1f} ms, bare loop"
        f" p50 {found['bare_loop_ms']['p50']:.1f} ms, ratio median {found['ratio_median']:.3f}"
        f" (rounds {min(ratios):.3f}-{max(ratios):.3f}), worker CPU"
        f" {found['summary_worker_cpu_ms_per_request']:.1f} ms a request, {peak} calls in"
        " flight at most",
        flush=True,
    )
    return found


def table(results: dict) -> str:
    lines = [
        f"Summary of {results['client_ref']} ({PORTFOLIO_LOANS} loans, {PORTFOLIO_DEPOSITS}"
        f" deposits, {len(results['levels'][0]['upstream_calls'])} pages of {PER_PAGE}),"
        f" {results['settings']['rounds']} interleaved rounds per latency, ms.",
        f"Measured: {results['measured']}.",
        "",
        f"{'latency':>8} {'summary p50':>12} {'bare p50':>9} {'ratio':>6} {'rounds':>12}"
        f" {'CPU summary':>12} {'CPU bare':>9} {'in flight':>9}",
    ]
    for level in results["levels"]:
        low, high = level["ratio_range"]
        lines.append(
            f"{level['latency_ms']:>6} ms {level['summary_ms']['p50']:>12.1f}"
            f" {level['bare_loop_ms']['p50']:>9.1f} {level['ratio_median']:>6.3f}"
            f" {f'{low:.2f}-{high:.2f}':>12} {level['summary_worker_cpu_ms_per_request']:>12.1f}"
            f" {level['bare_loop_cpu_ms_median']:>9.1f} {level['peak_in_flight']:>9}"
        )
    machine = results["machine"]
    target = results["target"]
    lines += [
        "",
        "CPU summary: the dashboard worker's per request (the rounds' total over their"
        " number); CPU bare: this process's per loop (median).",
        f"Machine: load average {machine['loadavg_before'][0]} at the start, reference loop "
        f"{machine['reference_loop_ms']} ms before and {machine['reference_loop_ms_after']} ms "
        "after (harness.reference_loop_ms: lower is faster)",
        f"Target: ratio median at {target['latency_ms']} ms injected {target['value']}"
        f" {target['limit']}: {'met' if target['met'] else 'NOT met'}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed rounds per latency")
    parser.add_argument(
        "--latency-ms",
        default=",".join(map(str, LATENCIES_MS)),
        help="per-call latencies injected into the sandbox, comma-separated",
    )
    options = parser.parse_args(argv)
    latencies = [int(value) for value in options.latency_ms.split(",")]

    started = time.monotonic()
    machine = harness.machine_facts()
    print("Starting the sandbox and the dashboard…", flush=True)
    DASHBOARD_LOG.unlink(missing_ok=True)
    servers = harness.bench_servers(
        staff={VIEWER: "Viewer"},
        clients=SANDBOX_CLIENTS,
        dashboard_env=DASHBOARD_ENV,
        dashboard_log=DASHBOARD_LOG,
    )
    with servers as (sandbox, dashboard):
        settings = harness.dashboard_settings(
            dashboard,
            "SUMMARY_PAGES_IN_FLIGHT",
            "SUMMARY_MAX_PAGES",
            "SUMMARY_CACHE_SECONDS",
            "API_CONCURRENT_CALLS",
            "CACHES",
        )
        if settings["SUMMARY_CACHE_SECONDS"] != 0:
            raise RuntimeError(
                f"the dashboard keeps summaries {settings['SUMMARY_CACHE_SECONDS']} s:"
                " each request would not read the pages"
            )
        in_flight = settings["SUMMARY_PAGES_IN_FLIGHT"]
        client = sandbox.call("GET", f"/v1/clients/{PORTFOLIO_CLIENT_REF}")
        client.raise_for_status()
        client_id = client.json()["data"]["id"]
        region_url = f"{dashboard.url}/clients/{PORTFOLIO_CLIENT_REF}/summary/?" + urlencode(
            {"client_id": client_id}
        )
        viewer = harness.signed_in(dashboard, VIEWER)
        worker = dashboard.worker_pid()
        print(
            f"Timing the summary of {PORTFOLIO_CLIENT_REF} through its region URL on gunicorn,"
            f" {in_flight} pages in flight, {options.rounds} rounds at"
            f" {', '.join(f'{ms} ms' for ms in latencies)} injected:",
            flush=True,
        )
        levels = [
            measure_level(
                sandbox,
                client_id,
                viewer=viewer,
                region_url=region_url,
                worker=worker,
                latency_ms=latency,
                rounds=options.rounds,
                in_flight=in_flight,
            )
            for latency in latencies
        ]
        workers = harness.children(dashboard.process.pid)
        if workers != [worker]:
            raise RuntimeError(f"gunicorn's workers were {workers}, not only {worker}")

    machine["loadavg_before"] = machine.pop("loadavg")
    machine["loadavg_after"] = [round(value, 2) for value in os.getloadavg()]
    machine["reference_loop_ms_after"] = harness.reference_loop_ms()
    judged = max(levels, key=lambda level: level["latency_ms"])
    results = {
        "client_ref": PORTFOLIO_CLIENT_REF,
        "loans": PORTFOLIO_LOANS,
        "deposits": PORTFOLIO_DEPOSITS,
        "measured": (
            "the summary region through its URL (GET /clients/<ref>/summary/?client_id=…,"
            " HX-Request: true, a signed-in Viewer) on gunicorn, one worker of 8 threads,"
            " DEBUG off, SUMMARY_CACHE_SECONDS=0 so each request reads every page"
            " (api.client_portfolio + summarise + the band's template), against a sandbox"
            " started by the harness; CPU from /proc for the dashboard worker"
        ),
        "bare_loop": (
            "one new requests.Session, the same pages one after another, each page's JSON parsed"
        ),
        "settings": {
            "rounds": options.rounds,
            "warmup_rounds": WARMUP,
            "latencies_ms": latencies,
            "page_size": PER_PAGE,
            "summary_pages_in_flight": in_flight,
            "summary_max_pages": settings["SUMMARY_MAX_PAGES"],
            "summary_cache_seconds": settings["SUMMARY_CACHE_SECONDS"],
            "api_concurrent_calls": settings["API_CONCURRENT_CALLS"],
            "cache_backend": settings["CACHES"]["default"]["BACKEND"],
            "gunicorn_workers": int(DASHBOARD_ENV["WEB_CONCURRENCY"]),
            "gunicorn_threads": int(DASHBOARD_ENV["GUNICORN_THREADS"]),
            "debug": dashboard.env["DEBUG"],
            "signed_in_as": "Viewer",
            "connections": "the Viewer's keep-alive session to the dashboard; a new"
            " Session to the sandbox for each bare loop",
            "cpu_clock_ticks_per_second": os.sysconf("SC_CLK_TCK"),
            "order": "alternating: odd rounds the summary first, even rounds the bare loop",
        },
        "levels": levels,
        "target": {
            "measure": "ratio median (summary / bare loop) at the largest latency injected",
            "latency_ms": judged["latency_ms"],
            "value": judged["ratio_median"],
            "limit": f"<= {RATIO_TARGET}",
            "met": judged["ratio_median"] <= RATIO_TARGET,
        },
        "machine": machine,
    }
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print(
        f"\nWritten to {RESULTS.relative_to(ROOT)} in {results['wall_seconds']} s "
        f"(the dashboard's log: {DASHBOARD_LOG.relative_to(ROOT)})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
