"""The Matrix side: events read, messages written and sent, rooms, power levels, e2e keys, the login.

Knows nothing of plugins or of the engine that drives it.
"""
