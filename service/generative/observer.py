"""What the generative layer reports as it works (service/metrics.py turns it into /metrics)."""

from __future__ import annotations

from typing import Protocol

from service.generative.breaker import State


class Observer(Protocol):
    def upstream_attempt(self, outcome: str) -> None:
        """One request to the endpoint ended: "ok", "cancelled", or an error's reason."""

    def circuit_changed(self, state: State) -> None: ...

    def fell_back(self, reason: str) -> None:
        """An answer went without the LLM, or on without it, for this reason."""

    def tokens_used(self, prompt: int, completion: int) -> None: ...


class NullObserver:
    def upstream_attempt(self, outcome: str) -> None:
        pass

    def circuit_changed(self, state: State) -> None:
        pass

    def fell_back(self, reason: str) -> None:
        pass

    def tokens_used(self, prompt: int, completion: int) -> None:
        pass
