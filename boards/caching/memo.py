"""The one bounded, thread-safe memory a process keeps beside the cache.

Renderings, their compressed copies and the fast path's learned answers are each kept in
a `Memo`: at most `size` entries, the least recently used dropped first, every read and
write under one lock. gunicorn's gthread workers run requests on several threads at
once, and an OrderedDict's "read, then mark as recently used" is two steps another
thread can come between (dropping the entry just read); the lock makes them one.

`OneAtATime` lets one thread make what a key names while the others asking for it wait,
then find it made: a new worker's threads that all miss the same board render it once.
"""

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator


class Memo[K: Hashable, V]:
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class OneAtATime[K: Hashable]:
    """A lock per key, held by one thread at a time; kept only while a thread holds or
    waits for it, so it never grows past the threads there are."""

    def __init__(self) -> None:
        self._locks: dict[K, tuple[threading.Lock, list[int]]] = {}
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def hold(self, key: K) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if not users[0]:
                    del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)
