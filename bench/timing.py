"""Timing one page in process, shared by the benchmarks in bench/."""
import statistics
import time
import uuid
from contextlib import contextmanager

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


@contextmanager
def database_url(url, tmp, keep=False):
    """The URL to benchmark on: an SQLite file in `tmp`, or a PostgreSQL schema of its
    own in `url`, dropped afterwards (unless `keep`: then where it is is printed)."""
    from models import db as dbmod
    if not (url and url.startswith("postgres")):
        yield url or f"sqlite:///{tmp}/bench.db"
        if keep:
            print(f"kept: {tmp}")
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = dbmod.open_database(url)
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    admin.close()
    admin.close_all()  # psycopg 3 warns of a pooled connection left open
    try:
        yield f"{url}?schema={schema}"
    finally:
        dbmod.close_all()
        if keep:
            print(f"kept: schema {schema}")
        else:
            admin = dbmod.open_database(url)
            admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.close()
            admin.close_all()  # psycopg 3 warns of a pooled connection left open
