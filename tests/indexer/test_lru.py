"""The shared LRU map: least recently used out first, safe across threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from indexer.lru import LockedLRU


def test_least_recently_used_goes_first() -> None:
    cache: LockedLRU[str, int] = LockedLRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None
    assert list(cache.items()) == [("a", 1), ("c", 3)]
    cache.put("a", 10)  # replacing refreshes too
    cache.put("d", 4)
    assert list(cache.items()) == [("a", 10), ("d", 4)]
    assert len(cache) == 2


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"size must be at least 1\. Currently, it is 0"):
        LockedLRU(0)


def test_concurrent_use_keeps_the_bound() -> None:
    cache: LockedLRU[int, int] = LockedLRU(100)

    def work(start: int) -> None:
        for key in range(start, start + 500):
            cache.put(key, key)
            value = cache.get(key - 3)
            assert value is None or value == key - 3

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(0, 4000, 500)))
    assert len(cache) == 100
    assert all(key == value for key, value in cache.items())
