"""Timing one page in process, shared by the benchmarks in bench/."""
import statistics
import time

from playhouse.test_utils import count_queries


def timed(client, url, runs, headers=None):
    """(median ms, 95th percentile ms, SQL queries, body) of `runs` requests, after one
    to warm up."""
    client.get(url, headers=headers)
    latencies, queries = [], None
    for _ in range(runs):
        with count_queries() as counter:
            began = time.perf_counter()
            response = client.get(url, headers=headers)
            latencies.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = counter.count
    latencies.sort()
    return (statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1],
            queries, response.get_data())
