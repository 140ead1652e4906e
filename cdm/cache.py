"""The shared cache (Redis) with one client object per connection pool.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache call, and redis-py
fills a table of ~170 response callbacks in each constructor: 0.2-0.3 ms per call, twice on every
request (the session and the rights version), a tenth of the cheapest page. A `redis.Redis` is safe to
share between threads (each command borrows a connection from the pool) and redis-py's pool notices a
fork, so one client per pool is kept and reused. Everything else is Django's backend.
"""
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class CdmRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
