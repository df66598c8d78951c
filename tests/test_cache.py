"""Tests for skmislabel/_cache.py: the shared least-recently-used cache."""

import threading

from skmislabel._cache import LRUCache


def test_least_recently_used_entries_go_first():
    cache = LRUCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("b", "missing") == "missing"
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)
    assert cache.clear() == 2 and len(cache) == 0


def test_get_or_create_builds_a_missing_value_once_across_threads():
    cache = LRUCache(max_entries=4)
    built = []
    start = threading.Barrier(8)

    def create():
        built.append(1)
        return object()

    results = []

    def worker():
        start.wait()
        results.append(cache.get_or_create("key", create))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert all(result is results[0] for result in results)
    assert cache.get_or_create("key", create) is results[0] and len(built) == 1
