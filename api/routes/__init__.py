"""Routers of the API service, one per resource."""
