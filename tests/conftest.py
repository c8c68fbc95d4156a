"""Root of the test suite: the shared record builders live in tests/factories.py, the API, reader
and browser fixtures in the conftest.py of their folder. Here: browser tests never skip quietly."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A banner when browser tests were skipped (no Chromium or Playwright), so no run that
    looks green hides untested pages; in CI they fail instead (tests/api/web/conftest.py)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in r.keywords]
    if skipped:
        terminalreporter.write_sep(
            "!", f"{len(skipped)} BROWSER TESTS SKIPPED", red=True, bold=True
        )
        terminalreporter.write_line(str(skipped[0].longrepr[-1]) if skipped[0].longrepr else "")
        terminalreporter.write_line(
            "the web pages were NOT tested; install chromium (.ci/run does)"
        )
