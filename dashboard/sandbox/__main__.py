"""Command line of the sandbox API.

    python -m dashboard.sandbox [serve] [--host H] [--port P] [--db FILE]
    python -m dashboard.sandbox seed --clients 100000 [--db FILE] [--fresh]

Settings also come from the environment: SANDBOX_HOST, SANDBOX_PORT,
SANDBOX_DB, SANDBOX_API_KEY, SANDBOX_SEED_CLIENTS (seeded on first start,
default 1000), and the fault switches SANDBOX_LATENCY_MS, SANDBOX_ERROR_RATE,
SANDBOX_ERROR_STATUS, SANDBOX_TIMEOUT_RATE, SANDBOX_HANG_SECONDS,
SANDBOX_GARBAGE_RATE, SANDBOX_RATE_LIMIT_RATE, SANDBOX_RETRY_AFTER,
SANDBOX_ERROR_FIELDS, SANDBOX_PATH_PREFIX, SANDBOX_MIN_PAGE, SANDBOX_MAX_PAGE,
SANDBOX_METHODS, SANDBOX_LOSE_ANSWER_RATE (do the request, answer after
SANDBOX_HANG_SECONDS) and SANDBOX_IGNORE_IDEMPOTENCY.
"""

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from . import DEMO_API_KEY
from .seed import seed, seed_portfolios
from .server import Faults, Sandbox, SandboxServer
from .store import Store

DEFAULT_DB = Path(__file__).resolve().parents[2] / "var" / "sandbox.sqlite3"


def main(argv: list[str] | None = None) -> int:
    environ = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.sandbox",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "seed"])
    parser.add_argument("--db", type=Path, default=Path(environ.get("SANDBOX_DB", DEFAULT_DB)))
    parser.add_argument("--host", default=environ.get("SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(environ.get("SANDBOX_PORT", "8001")))
    parser.add_argument(
        "--clients",
        type=int,
        default=int(environ.get("SANDBOX_SEED_CLIENTS", "1000")),
        help="clients to seed (serve: only into an empty database)",
    )
    parser.add_argument("--fresh", action="store_true", help="seed: delete the database first")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="sandbox: %(message)s", stream=sys.stdout)

    if args.command == "seed":
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        store = Store(args.db)
        started = time.perf_counter()
        seed(store, clients=args.clients)
        seed_portfolios(store)
        print(
            f"Seeded {args.clients:,} clients into {args.db} in "
            f"{time.perf_counter() - started:.1f} s ({store.count_clients():,} in all)."
        )
        return 0

    store = Store(args.db)
    if store.meta("seeded") is None and store.count_clients() == 0:
        started = time.perf_counter()
        seed(store, clients=args.clients)
        seed_portfolios(store)
        print(
            f"Seeded {args.clients:,} demo clients in {time.perf_counter() - started:.1f} s.",
            flush=True,
        )
    api_key = environ.get("SANDBOX_API_KEY") or DEMO_API_KEY
    sandbox = Sandbox(store, api_key=api_key, faults=Faults.from_environment(dict(environ)))
    server = SandboxServer((args.host, args.port), sandbox, verbose=not args.quiet)
    host, port = server.server_address[:2]
    # Tests start the sandbox on port 0 and read the real port from this line.
    print(
        f"Sandbox API listening on http://{host}:{port} ({store.count_clients():,} clients, "
        f"database {args.db})",
        flush=True,
    )

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
