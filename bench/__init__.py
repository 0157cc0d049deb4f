"""Benchmarks: what organisers feel (reply latency, bursts, reminder punctuality, start-up, memory),
each measured against a floor taken in the same run on the same throwaway homeserver.

`make bench` (= `python -m bench`) runs everything and prints a table; `--quick` runs tiny sizes.
Results go to `bench/results/latest.json`, the scaling plot to `docs/bench/scaling.png`.
"""
