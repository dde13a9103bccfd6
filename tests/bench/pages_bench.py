"""`make bench`: what the dashboard's pages add to the Clients API calls behind them.

For five pages (the client list with 25 and 100 rows, a client's detail page, its
Deposits tab as htmx asks for it, and a search), a signed-in Viewer's request to the
dashboard is timed against the same upstream call(s) sent straight to the sandbox with
its key: the two in turn, request by request, after a warm-up. Reported: p50/p90/p99 of
each, the time the dashboard adds, and the CPU its gunicorn workers spend per page (from
/proc). Then the list page's throughput at 1, 4, 8 and 16 concurrent clients against the
sandbox's own list call at the same concurrency.

Every client, on both sides, keeps one HTTP connection open (a requests.Session), as a
browser does and as the dashboard does towards the API: connection set-up is in neither
figure.

Targets, all on the list page: CPU per page <= 8 ms (25 rows) and <= 15 ms (100 rows);
added p50 <= 8 ms (25 rows) and <= 16 ms (100 rows); added p99 <= 25 ms (25 rows), "added"
read from the per-pair differences (see `targets`); 100 req/s at 8 clients. Not a test:
figures go to stdout and var/bench-pages.json, the dashboard's log to var/.

    python -m tests.bench.pages_bench [--workers 2] [--threads 8] [--requests 300]
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from tests.bench import harness
from tests.processes import ROOT, DashboardProcess, SandboxProcess

RESULTS = ROOT / "var" / "bench-pages.json"
DASHBOARD_LOG = ROOT / "var" / "bench-pages-dashboard.log"  # one line a request: kept apart
CLIENTS = 1000  # seeded into a fresh sandbox each run
VIEWER = "bench-viewer"
WARMUP = 30
SEARCH_TERM = "Mensah"  # a surname of the seed: some clients, not all, and no reference
CONCURRENCY = (1, 4, 8, 16)
THROUGHPUT_SECONDS = 5.0
TIMEOUT = 30

# The production defaults of dashboard/gunicorn_conf.py. tests/processes.py starts one
# worker for the tests; the benchmark serves as production does unless told otherwise.
WORKERS = 2
THREADS = 8


@dataclass
class PageCase:
    """A dashboard page and the upstream calls it makes, to be sent bare the same way."""

    name: str
    path: str
    bare: Callable[[requests.Session], int]  # sends the calls; returns the bytes received
    headers: dict[str, str] = field(default_factory=dict)


def api_session(sandbox: SandboxProcess) -> requests.Session:
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {sandbox.api_key}", "Accept": "application/json"}
    )
    return session


def answered(response: requests.Response) -> requests.Response:
    # A failing call is fast and would flatter either side: stop rather than time it.
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url} answered {response.status_code}")
    return response


def pick_client(api: requests.Session, url: str) -> dict:
    """The newest client with both loans and deposits, so every tab has rows to show."""
    listed = answered(api.get(f"{url}/v1/clients", params={"perPage": 25}, timeout=TIMEOUT))
    for client in listed.json()["data"]:
        totals = {}
        for kind in ("loans", "deposits"):
            answer = api.get(
                f"{url}/v1/clients/{client['id']}/{kind}", params={"perPage": 1}, timeout=TIMEOUT
            )
            totals[kind] = answered(answer).json()["meta"]["total"]
        if all(totals.values()):
            return {"ref": client["clientRef"], "id": client["id"], **totals}
    raise RuntimeError("no client among the newest 25 has both loans and deposits")


def page_cases(sandbox: SandboxProcess, client: dict) -> list[PageCase]:
    """Each page with its upstream calls, as dashboard/api/clients.py sends them."""
    url = sandbox.url

    def get(session: requests.Session, path: str, **params: int) -> requests.Response:
        return answered(session.get(url + path, params=params or None, timeout=TIMEOUT))

    def client_list(per_page: int) -> Callable[[requests.Session], int]:
        # client_list: GET /v1/clients?page=1&perPage=N
        return lambda session: len(get(session, "/v1/clients", page=1, perPage=per_page).content)

    def detail(session: requests.Session) -> int:
        # client_get, then client_loans (the default tab) by the id the first answer gave:
        # any client of this API must read that id before it can ask for the loans.
        profile = get(session, f"/v1/clients/{quote(client['ref'], safe='')}")
        client_id = profile.json()["data"]["id"]
        loans = get(session, f"/v1/clients/{client_id}/loans", page=1, perPage=25)
        return len(profile.content) + len(loans.content)

    def deposits_tab(session: requests.Session) -> int:
        # client_deposits; the id comes from the dashboard's cache (clients/lookups.py),
        # filled by the detail page's visit, so the fragment makes this one call.
        deposits = get(session, f"/v1/clients/{client['id']}/deposits", page=1, perPage=25)
        return len(deposits.content)

    def search(session: requests.Session) -> int:
        # client_search: GET /v1/clients/{term}
        return len(get(session, f"/v1/clients/{quote(SEARCH_TERM, safe='')}").content)

    ref = client["ref"]
    return [
        PageCase("list-25", "/clients/", client_list(25)),
        PageCase("list-100", "/clients/?perPage=100", client_list(100)),
        PageCase("detail", f"/clients/{ref}/", detail),
        PageCase(
            "deposits-tab", f"/clients/{ref}/deposits/", deposits_tab, {"HX-Request": "true"}
        ),
        PageCase("search", f"/clients/?q={SEARCH_TERM}", search),
    ]


def upstream_calls(sandbox: SandboxProcess, send: Callable[[], object]) -> list[list]:
    """The /v1 calls the sandbox received while `send` ran: method, path and query."""
    sandbox.forget_received()
    send()
    return [[call["method"], call["path"], call["query"]] for call in sandbox.received()]


def measure_page(
    case: PageCase,
    *,
    viewer: requests.Session,
    api: requests.Session,
    dashboard: DashboardProcess,
    sandbox: SandboxProcess,
    count: int,
) -> dict:
    dashboard_bytes = 0

    def dashboard_page() -> None:
        nonlocal dashboard_bytes
        response = viewer.get(dashboard.url + case.path, headers=case.headers, timeout=TIMEOUT)
        dashboard_bytes = len(answered(response).content)

    sides = {"dashboard": dashboard_page, "bare": lambda: case.bare(api)}
    harness.interleaved(sides, count=WARMUP)
    # After the warm-up: the dashboard's caches are as a returning visitor finds them.
    calls = upstream_calls(sandbox, dashboard_page)
    bare_calls = upstream_calls(sandbox, lambda: case.bare(api))
    if calls != bare_calls:
        raise RuntimeError(f"{case.name}: the dashboard called {calls}, bare {bare_calls}")

    before = harness.workers_cpu(dashboard.process.pid)
    machine = harness.machine_cpu()
    durations = harness.interleaved(sides, count=count)
    cpu = harness.cpu_used(before, harness.workers_cpu(dashboard.process.pid))
    busy = harness.machine_busy(machine, harness.machine_cpu())
    return {
        "path": case.path,
        "headers": case.headers,
        "upstream_calls": calls,
        "dashboard_ms": harness.summary_ms(durations["dashboard"]),
        "bare_ms": harness.summary_ms(durations["bare"]),
        "added_ms": harness.added_time_ms(durations["dashboard"], durations["bare"]),
        # Only the dashboard's requests reach its workers: the bare calls go to the sandbox.
        "cpu_ms_per_page": round(cpu / count * 1000, 2),
        "machine": busy,  # all CPUs, this benchmark and anything else running
        "dashboard_bytes": dashboard_bytes,
        "bare_bytes": case.bare(api),
    }


def measure_throughput(
    *,
    viewers: list[requests.Session],
    apis: list[requests.Session],
    dashboard: DashboardProcess,
    sandbox: SandboxProcess,
    seconds: float,
) -> list[dict]:
    """The 25-row list page against the sandbox's own list call, level by level."""
    list_url = f"{dashboard.url}/clients/"
    api_url = f"{sandbox.url}/v1/clients"
    dashboard_side = {
        "call": lambda session: session.get(list_url, timeout=TIMEOUT),
        "sessions": viewers,
    }
    sandbox_side = {
        "call": lambda session: session.get(
            api_url, params={"page": 1, "perPage": 25}, timeout=TIMEOUT
        ),
        "sessions": apis,
    }
    levels = []
    for clients in CONCURRENCY:
        level = {"clients": clients}
        for name, side in (("dashboard", dashboard_side), ("sandbox", sandbox_side)):
            sessions = side["sessions"][:clients]
            # New connections for each level, opened before the clock starts: a level
            # times requests, not connection set-up, and the workers share the clients.
            harness.reconnect(sessions, side["call"])
            workers = harness.workers_cpu(dashboard.process.pid)
            sandbox_cpu = harness.cpu_seconds(sandbox.process.pid)
            load_cpu = time.process_time()  # this process: the load generator's own share
            machine = harness.machine_cpu()
            found = harness.throughput(sessions, side["call"], seconds=seconds)
            busy = harness.machine_busy(machine, harness.machine_cpu())
            used = harness.workers_cpu(dashboard.process.pid)
            served = max(found["requests"], 1)
            worker_seconds = [used[pid] - workers[pid] for pid in sorted(used)]
            found["cpu_ms_per_request"] = {
                "dashboard_workers": round(harness.cpu_used(workers, used) / served * 1000, 2),
                "sandbox": round(
                    (harness.cpu_seconds(sandbox.process.pid) - sandbox_cpu) / served * 1000, 2
                ),
                "load_generator": round((time.process_time() - load_cpu) / served * 1000, 2),
            }
            # How the clients' connections fell across the workers: one worker's CPU is
            # bounded by its GIL, so a level served by one worker is that worker's ceiling.
            found["dashboard_cpu_seconds_by_worker"] = [round(cpu, 2) for cpu in worker_seconds]
            found["machine"] = busy
            level[name] = found
        levels.append(level)
        print(
            f"  {clients:>2} clients: dashboard {level['dashboard']['requests_per_second']} req/s,"
            f" sandbox {level['sandbox']['requests_per_second']} req/s",
            flush=True,
        )
    return levels


def targets(pages: dict, levels: list[dict]) -> list[dict]:
    """The targets and where each figure comes from. "Added" is the per-pair difference
    (each dashboard request minus the bare call(s) timed right after it): a pair shares
    the machine's moment, so a hiccup of this shared host that slows both cancels out,
    while the difference of two p99s subtracts tails that may come from different
    moments. Both are stored; the targets read the per-pair figures."""
    at_8 = next(level for level in levels if level["clients"] == 8)
    checks = [
        ("CPU per page, list 25 rows (ms)", pages["list-25"]["cpu_ms_per_page"], 8),
        ("CPU per page, list 100 rows (ms)", pages["list-100"]["cpu_ms_per_page"], 15),
        ("added p50, list 25 rows (ms)", pages["list-25"]["added_ms"]["per_pair_p50"], 8),
        ("added p50, list 100 rows (ms)", pages["list-100"]["added_ms"]["per_pair_p50"], 16),
        ("added p99, list 25 rows (ms)", pages["list-25"]["added_ms"]["per_pair_p99"], 25),
    ]
    found = [
        {"target": name, "value": value, "limit": f"<= {limit}", "met": value <= limit}
        for name, value, limit in checks
    ]
    rate = at_8["dashboard"]["requests_per_second"]
    found.append(
        {"target": "list req/s at 8 clients", "value": rate, "limit": ">= 100", "met": rate >= 100}
    )
    return found


PERCENTILES = ("p50", "p90", "p99")


def row(cells: list, widths: list[int]) -> str:
    """One line of a table: the first cell to the left, the figures to the right."""
    return " ".join(
        f"{cell:<{width}}" if index == 0 else f"{cell:>{width}}"
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def header(text: str, widths: list[int]) -> str:
    """Column names, "|" between them."""
    return row(text.split("|"), widths)


def groups(text: str, widths: list[int]) -> str:
    """Labels over groups of columns: "label:columns" each, "|" between them."""
    parts, first = [], 0
    for group in text.split("|"):
        label, span = group.rsplit(":", 1)
        columns = widths[first : first + int(span)]
        parts.append(f"{label:^{sum(columns) + len(columns) - 1}}")
        first += int(span)
    return " ".join(parts)


def table(results: dict) -> str:
    settings = results["settings"]
    widths = [13, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 9, 6]
    lines = [
        f"Pages, ms: the dashboard vs the bare upstream call(s), {settings['requests_per_page']}"
        " interleaved pairs each; added = dashboard minus bare",
        groups(":1|dashboard:3|bare:3|added, per pair:2|Δ of the pNN:2|CPU/page:1|busy:1", widths),
        header("page|p50|p90|p99|p50|p90|p99|p50|p99|p50|p99|ms|%", widths),
    ]
    for name, page in results["pages"].items():
        board, bare, added = page["dashboard_ms"], page["bare_ms"], page["added_ms"]
        figures = [board[key] for key in PERCENTILES] + [bare[key] for key in PERCENTILES]
        figures += [added["per_pair_p50"], added["per_pair_p99"]]
        figures += [added["p50_difference"], added["p99_difference"]]
        cells = [name, *(f"{figure:.1f}" for figure in figures)]
        cells += [f"{page['cpu_ms_per_page']:.2f}", f"{page['machine']['busy_percent']:.0f}"]
        lines.append(row(cells, widths))

    widths = [7, 9, 6, 6, 8, 14, 6, 9, 6, 6, 6, 6]
    lines += [
        "",
        f"Throughput, the 25-row list, {settings['throughput_seconds']:g} s per level"
        " (busy: all CPUs of the machine)",
        groups(":1|dashboard:3|CPU/req:1|CPU s:1|busy:1|sandbox:3|busy:1|:1", widths),
        header("clients|req/s|p50|p99|ms|by worker|%|req/s|p50|p99|%|errors", widths),
    ]
    for level in results["throughput"]:
        board, api = level["dashboard"], level["sandbox"]
        errors = sum(board["errors"].values()) + sum(api["errors"].values())
        cells = [
            level["clients"],
            f"{board['requests_per_second']:.1f}",
            f"{board['latency_ms']['p50']:.1f}",
            f"{board['latency_ms']['p99']:.1f}",
            f"{board['cpu_ms_per_request']['dashboard_workers']:.2f}",
            " / ".join(f"{cpu:.1f}" for cpu in board["dashboard_cpu_seconds_by_worker"]),
            f"{board['machine']['busy_percent']:.0f}",
            f"{api['requests_per_second']:.1f}",
            f"{api['latency_ms']['p50']:.1f}",
            f"{api['latency_ms']['p99']:.1f}",
            f"{api['machine']['busy_percent']:.0f}",
            errors,
        ]
        lines.append(row(cells, widths))

    machine = results["machine"]
    lines += [
        "",
        f"Machine: load average {machine['loadavg_before'][0]} at the start, reference loop "
        f"{machine['reference_loop_ms']} ms before and {machine['reference_loop_ms_after']} ms "
        "after (harness.reference_loop_ms: lower is faster)",
    ]
    lines += ["", "Targets (added = percentiles of the per-pair difference):"]
    for target in results["targets"]:
        verdict = "met" if target["met"] else "NOT met"
        lines.append(
            f"  {target['target']:<34} {target['value']:>8} {target['limit']:>7}  {verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per worker")
    parser.add_argument("--requests", type=int, default=300, help="timed pairs per page")
    parser.add_argument("--seconds", type=float, default=THROUGHPUT_SECONDS, help="per level")
    options = parser.parse_args(argv)

    started = time.monotonic()
    machine = harness.machine_facts()
    gunicorn = {"WEB_CONCURRENCY": str(options.workers), "GUNICORN_THREADS": str(options.threads)}
    print(f"Starting the sandbox ({CLIENTS} clients) and the dashboard…", flush=True)
    DASHBOARD_LOG.unlink(missing_ok=True)
    with harness.bench_servers(
        staff={VIEWER: "Viewer"},
        clients=CLIENTS,
        dashboard_env=gunicorn,
        dashboard_log=DASHBOARD_LOG,
    ) as (sandbox, dashboard):
        api = api_session(sandbox)
        client = pick_client(api, sandbox.url)
        searched = answered(api.get(f"{sandbox.url}/v1/clients/{SEARCH_TERM}", timeout=TIMEOUT))
        matches = len(searched.json()["data"])
        if not matches:
            raise RuntimeError(f"the search term {SEARCH_TERM!r} matches no client")

        # One session per concurrent client, each its own sign-in; the first also serves
        # the interleaved timings.
        viewers = [harness.signed_in(dashboard, VIEWER) for _ in range(max(CONCURRENCY))]
        pages = {}
        for case in page_cases(sandbox, client):
            print(f"Timing {case.name}: {WARMUP} + {options.requests} pairs…", flush=True)
            pages[case.name] = measure_page(
                case,
                viewer=viewers[0],
                api=api,
                dashboard=dashboard,
                sandbox=sandbox,
                count=options.requests,
            )
        print("Throughput, list 25 rows:", flush=True)
        levels = measure_throughput(
            viewers=viewers,
            apis=[api_session(sandbox) for _ in range(max(CONCURRENCY))],
            dashboard=dashboard,
            sandbox=sandbox,
            seconds=options.seconds,
        )
        worker_count = len(harness.children(dashboard.process.pid))

    machine["loadavg_before"] = machine.pop("loadavg")
    machine["loadavg_after"] = [round(value, 2) for value in os.getloadavg()]
    machine["reference_loop_ms_after"] = harness.reference_loop_ms()
    results = {
        "machine": machine,
        "settings": {
            "gunicorn_workers": options.workers,
            "gunicorn_workers_seen": worker_count,
            "gunicorn_threads": options.threads,
            "gunicorn_worker_class": "gthread",
            "debug": dashboard.env["DEBUG"],
            "sandbox_clients": CLIENTS,
            "signed_in_as": "Viewer",
            "client": client,
            "search_term": SEARCH_TERM,
            "search_matches": matches,
            "warmup_pairs": WARMUP,
            "requests_per_page": options.requests,
            "throughput_seconds": options.seconds,
            "concurrency": list(CONCURRENCY),
            "connections": "one keep-alive requests.Session per client, both sides",
            "percentiles": "linear interpolation between nearest ranks",
            "added_time_for_targets": "per-pair difference (dashboard minus the bare calls "
            "timed right after it)",
        },
        "pages": pages,
        "throughput": levels,
    }
    results["targets"] = targets(pages, levels)
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
