"""The shared cache production runs on (cdm.cache.CdmRedisCache): a real Redis where one is configured
(CI's PostgreSQL + Redis run), with one client per connection pool instead of one per call."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore

from cdm.cache import CdmRedisCache

pytestmark = pytest.mark.skipif(not (settings.CELERY_BROKER_URL or "").startswith("redis://"),
                                reason="no Redis configured (embedded default)")


@pytest.fixture
def redis_cache():
    # Database 3 of the broker's Redis: apart from the broker's queues (database 0).
    location = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/3"
    cache = CdmRedisCache(location, {"KEY_PREFIX": "cdm-test-cache"})
    cache.clear()
    yield cache
    cache.clear()
    cache.close()


def test_values_round_trip_expire_and_are_deleted(redis_cache):
    redis_cache.set("rights:7", {"view": [1, 2]}, timeout=60)
    assert redis_cache.get("rights:7") == {"view": [1, 2]}
    assert redis_cache.add("version", 1) and redis_cache.incr("version") == 2
    redis_cache.delete("rights:7")
    assert redis_cache.get("rights:7", "gone") == "gone"


def test_one_client_object_serves_every_call(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    redis_cache.set("a", 1)
    assert redis_cache._cache.get_client("a") is client


@pytest.mark.django_db
def test_a_session_survives_a_lost_cache_entry(redis_cache, monkeypatch):
    import django.contrib.sessions.backends.cached_db as cached_db

    monkeypatch.setattr(cached_db, "caches", {settings.SESSION_CACHE_ALIAS: redis_cache})
    store = SessionStore()
    store["agent"] = 42
    store.create()
    assert SessionStore(store.session_key)["agent"] == 42  # from Redis
    redis_cache.clear()
    assert SessionStore(store.session_key)["agent"] == 42  # from the database
