"""Fault suites: crashes, outages, network and database faults, hostile input, secrets."""
