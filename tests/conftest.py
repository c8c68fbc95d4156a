"""Root of the test suite: the shared record builders live in tests/factories.py, the API, reader
and browser fixtures in the conftest.py of their folder."""
