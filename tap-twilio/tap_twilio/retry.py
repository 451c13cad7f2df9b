"""When to try a request again, and how long to wait: the retry policy, apart from HTTP.

``client`` classifies each attempt's outcome; this module decides what a
retryable outcome costs: exponential backoff with jitter, ``Retry-After`` when
Twilio sends one, bounded twice (attempts, and total seconds of waiting).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in total waiting.

    ``Retry-After`` wins over the backoff when Twilio sends it, within the budget.
    """

    max_attempts: int = 8  # per request, the first one included
    max_wait_seconds: float = 600.0  # total sleeping per request before giving up
    base_seconds: float = 1.0  # first backoff; doubles on each retry
    cap_seconds: float = 60.0  # longest single backoff (Retry-After may ask for more)

    def backoff(self, attempt: int) -> float:
        """Wait after failed attempt ``attempt``: half to all of base * 2^(attempt-1), capped."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def wait(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to sleep before attempt ``attempt + 1``."""
        wait = self.backoff(attempt)
        return wait if retry_after is None else max(wait, retry_after)
