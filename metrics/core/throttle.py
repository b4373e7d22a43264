"""Failed-login rate limiting, per account and per address (a sliding window of failures).

An account is locked after ``max_failures`` failures within ``window`` seconds; an address after four
times as many (one address trying many accounts). The clock is injected so tests need no waiting.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

ADDRESS_FACTOR = 4


class LoginThrottle:
    def __init__(self, max_failures: int = 5, window: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window, self.clock = max_failures, window, clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, account: str, address: str | None) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("account", account.strip().lower()), ("address", address or "local")

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, account: str, address: str | None) -> float:
        """Seconds until a login for ``account`` from ``address`` is accepted again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = []
            for key, limit in zip(self._keys(account, address), (self.max_failures, self.max_failures * ADDRESS_FACTOR)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[-limit] + self.window - now)
            return max(waits, default=0.0)

    def failed(self, account: str, address: str | None) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(account, address):
                self._recent(key, now).append(now)

    def succeeded(self, account: str, address: str | None) -> None:
        """A good password clears the account's failures (not the address's)."""
        with self._lock:
            self._failures.pop(self._keys(account, address)[0], None)
