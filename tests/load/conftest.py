"""Load and endurance tests (issue 4): the real binary under sustained traffic, worker kills, slow clients,
huge uploads, shutdown under load, recycling and a soak.  Run by tests/load-suite.sh (make check), which
keeps the whole directory under about three minutes; LOAD_SOAK_REQUESTS sets the soak's size (default 20000).

The Server helpers and fixtures are tests/http/conftest.py's, loaded under another module name (both files
are "conftest" to pytest); the user scripts are tests/http/scripts.  Figures the tests measure (requests/s,
latencies, RSS) are printed with a "LOAD:" prefix: run with -s to see them.
"""
import importlib.util
import sys
from pathlib import Path

_HTTP_DIR = Path(__file__).resolve().parents[1] / "http"
if str(_HTTP_DIR) not in sys.path:
    sys.path.insert(0, str(_HTTP_DIR))      # for failure_helpers (it imports this module as conftest)
_spec = importlib.util.spec_from_file_location("hookhost_http_conftest", _HTTP_DIR / "conftest.py")
_http = importlib.util.module_from_spec(_spec)
sys.modules["hookhost_http_conftest"] = _http
_spec.loader.exec_module(_http)

from hookhost_http_conftest import *                      # noqa: E402,F401,F403 - helpers and fixtures
from hookhost_http_conftest import (                      # noqa: E402,F401 - fixtures by name, for pytest
    server_factory, module_server_factory, session_server_factory, pytest_configure)


def report(name, **figures):
    """Prints one line of measured figures (visible with pytest -s, and in the suite's log on failure)."""
    print("LOAD: %s %s" % (name, " ".join("%s=%s" % (key, value) for key, value in figures.items())), flush=True)
