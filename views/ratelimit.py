"""Login rate limiting: fixed windows counted in memory, or in Redis when REDIS_URL is
set (so several app processes share the count)."""
import threading
import time

import redis


class MemoryStore:
    def __init__(self):
        self._counts = {}
        self._lock = threading.Lock()

    def hit(self, key, window):
        """Count one more; returns the new count."""
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(key, (0, 0))
            if expires <= now:
                count, expires = 0, now + window
            self._counts[key] = (count + 1, expires)
            if len(self._counts) > 100_000:  # a flood of made-up names: drop stale ones
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            return count + 1

    def undo(self, key):
        with self._lock:
            count, expires = self._counts.get(key, (0, 0))
            if count > 0:
                self._counts[key] = (count - 1, expires)

    def clear(self, key):
        with self._lock:
            self._counts.pop(key, None)


class RedisStore:
    def __init__(self, url):
        self._redis = redis.Redis.from_url(url)

    def hit(self, key, window):
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        return pipe.execute()[0]

    def undo(self, key):
        self._redis.decr(key)

    def clear(self, key):
        self._redis.delete(key)


def make_store(redis_url):
    return RedisStore(redis_url) if redis_url else MemoryStore()


class LoginLimiter:
    """Counts login attempts per account name and per client address.

    An attempt is counted before the password is checked, atomically, so that many
    attempts sent at once cannot all slip through before the first one is counted. A
    successful login takes its attempts back. The memory store counts per process:
    with several app processes, set REDIS_URL so they share one count."""

    def __init__(self, store, per_account=5, per_address=30, window=900):
        self.store = store
        self.per_account = per_account
        self.per_address = per_address
        self.window = window

    @staticmethod
    def _keys(username, ip):
        return (f"kontaktbok:login:account:{username.strip().lower()}",
                f"kontaktbok:login:address:{ip}")

    def attempt(self, username, ip):
        """Count this attempt; True when it is within the limits and may go ahead."""
        account, address = self._keys(username, ip)
        within_account = self.store.hit(account, self.window) <= self.per_account
        within_address = self.store.hit(address, self.window) <= self.per_address
        return within_account and within_address

    def succeeded(self, username, ip):
        account, address = self._keys(username, ip)
        self.store.clear(account)
        self.store.undo(address)
