"""Login rate limiting: fixed windows counted in memory, or in Redis when REDIS_URL is
set (so several app processes share the count)."""
import threading
import time

import redis


class MemoryStore:
    def __init__(self):
        self._counts = {}
        self._lock = threading.Lock()

    def count(self, key):
        with self._lock:
            entry = self._counts.get(key)
            if entry is None or entry[1] <= time.monotonic():
                return 0
            return entry[0]

    def hit(self, key, window):
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(key, (0, 0))
            if expires <= now:
                count, expires = 0, now + window
            self._counts[key] = (count + 1, expires)
            if len(self._counts) > 100_000:  # a flood of made-up names: drop stale ones
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}

    def clear(self, key):
        with self._lock:
            self._counts.pop(key, None)


class RedisStore:
    def __init__(self, url):
        self._redis = redis.Redis.from_url(url)

    def count(self, key):
        value = self._redis.get(key)
        return int(value) if value else 0

    def hit(self, key, window):
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        pipe.execute()

    def clear(self, key):
        self._redis.delete(key)


def make_store(redis_url):
    return RedisStore(redis_url) if redis_url else MemoryStore()


class LoginLimiter:
    """Counts failed logins per account name and per client address."""

    def __init__(self, store, per_account=5, per_address=30, window=900):
        self.store = store
        self.per_account = per_account
        self.per_address = per_address
        self.window = window

    @staticmethod
    def _keys(username, ip):
        return (f"kontaktbok:login:account:{username.strip().lower()}",
                f"kontaktbok:login:address:{ip}")

    def blocked(self, username, ip):
        account, address = self._keys(username, ip)
        return (self.store.count(account) >= self.per_account
                or self.store.count(address) >= self.per_address)

    def failed(self, username, ip):
        for key in self._keys(username, ip):
            self.store.hit(key, self.window)

    def succeeded(self, username, ip):
        self.store.clear(self._keys(username, ip)[0])
