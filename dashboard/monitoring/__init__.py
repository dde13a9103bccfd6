"""Operating the dashboard: request ids, the access line and Server-Timing (`tracing.py`),
log formats that keep personal data out (`logs.py`), and the health probes (`health.py`)."""
