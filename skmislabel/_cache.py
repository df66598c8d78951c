"""A small least-recently-used cache that threads can share.

The package keeps a few costly things per process: the CNN's shared
training networks and Co-teaching's network pairs
(:mod:`skmislabel._keras_runtime`), and out-of-fold probabilities
(:mod:`skmislabel._out_of_fold`). Each is one :class:`LRUCache`.
"""

import threading
from collections import OrderedDict

__all__ = ["LRUCache"]


class LRUCache:
    """At most ``max_entries`` values by key, the least recently used dropped first.

    Every method holds the cache's lock, so that threads may share it;
    :meth:`get_or_create` also builds a missing value under it, so that two
    threads never build the same one.
    """

    def __init__(self, max_entries):
        self.max_entries = max_entries
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self):
        with self._lock:
            return len(self._entries)

    def get(self, key, default=None):
        """The value of ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            if key not in self._entries:
                return default
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key, value):
        """Keep ``value`` under ``key``, dropping the oldest entries beyond the size."""
        with self._lock:
            self._put(key, value)

    def get_or_create(self, key, create):
        """The value of ``key``, built by ``create()`` and kept if missing."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            value = create()
            self._put(key, value)
            return value

    def clear(self):
        """Forget every entry; return how many there were."""
        with self._lock:
            n_cleared = len(self._entries)
            self._entries.clear()
            return n_cleared

    def _put(self, key, value):
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
