"""Example instances (hand-checkable) and the scripts that build them."""
