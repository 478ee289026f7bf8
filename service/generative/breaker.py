"""A circuit breaker for the LLM endpoint, one per process.

After `threshold` failed calls in a row no call goes out for `cool_down_s`: answers fall back at
once instead of each waiting out its own timeouts. Then exactly one probe call is let through;
its success closes the breaker, its failure opens it for another cool-down, and calls that arrive
while it is in flight fall back as if the breaker were open.

Hand-written rather than taken from a library: pybreaker guards async code only through
Tornado, purgatory lets every call through while half-open and counts a cancelled request as a
failure, aiobreaker is unmaintained; this one is the behaviour above in 80 lines, on a monotonic
clock, for one event loop (not thread-safe).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from service.generative.errors import CircuitOpenError

State = Literal["closed", "open", "half_open"]
# The numbers /metrics reports for each state.
STATE_VALUES: dict[State, int] = {"closed": 0, "half_open": 1, "open": 2}


class CircuitBreaker:
    def __init__(
        self,
        threshold: int,
        cool_down_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[State], None] | None = None,
    ) -> None:
        if threshold < 1:
            raise ValueError(f"threshold must be at least 1. Currently, it is {threshold}")
        self.threshold = threshold
        self.cool_down_s = cool_down_s
        self._clock = clock
        self._on_change = on_change
        self._state: State = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> State:
        """The state a call arriving now would meet."""
        if self._state == "open" and self._clock() - self._opened_at >= self.cool_down_s:
            return "half_open"
        return self._state

    def admit(self) -> None:
        """Lets a call go out, or raises CircuitOpenError; the caller then reports its outcome."""
        state = self.state
        if state == "closed":
            return
        if state == "half_open" and not self._probe_in_flight:
            self._set("half_open")
            self._probe_in_flight = True
            return
        wait = max(0.0, self._opened_at + self.cool_down_s - self._clock())
        raise CircuitOpenError(
            f"the LLM endpoint failed {self.threshold} times in a row; "
            + (f"no calls for {wait:.1f} s more" if wait else "a probe call is in flight")
        )

    def succeeded(self) -> None:
        self._failures = 0
        self._probe_in_flight = False
        self._set("closed")

    def failed(self) -> None:
        self._probe_in_flight = False
        self._failures += 1
        if self._state == "half_open" or self._failures >= self.threshold:
            self._opened_at = self._clock()
            self._set("open")

    def released(self) -> None:
        """A call ended without saying anything about the endpoint (cancelled by its client)."""
        self._probe_in_flight = False

    def _set(self, state: State) -> None:
        if state != self._state:
            self._state = state
            if self._on_change is not None:
                self._on_change(state)
