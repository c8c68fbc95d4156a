"""The Alembic environment of the store's schema (env.py, versions/): run by `Store.migrate`."""
