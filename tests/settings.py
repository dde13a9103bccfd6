"""The suite's settings: the local demo's (DEBUG on at import), as `make run` has them.

DEBUG now defaults to False, which would make SECRET_KEY and API_SECRET_KEY
required. pytest-django still runs each test with settings.DEBUG = False, as
Django's test runner does. The variable stays in this process's environment, so
servers the suite starts inherit it unless they set DEBUG themselves (the
production ones in tests/processes.py do).
"""

import os

os.environ.setdefault("DEBUG", "True")

from dashboard.settings import *  # noqa: F403

# The suite tests the direct delete as a lender without four eyes runs it; the approvals'
# own tests (tests/approvals/) turn FOUR_EYES_DELETE on, as production has it.
FOUR_EYES_DELETE = False
