"""The embedded sandbox Clients API: its own process, port and SQLite file.

Run it with `python -m dashboard.sandbox`. The dashboard talks to it over HTTP
only, exactly as it talks to the real API; no dashboard module imports this
package (a test keeps it so).
"""

DEMO_API_KEY = "sk_sandbox_demo_2f9c1e7a"  # settings.SANDBOX_DEMO_API_KEY must match
