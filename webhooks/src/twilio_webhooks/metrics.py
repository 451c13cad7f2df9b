"""Prometheus text exposition for ``GET /metrics``, with no client library.

Counters and one histogram, updated from the event loop; the store's commit
counters come from the writer thread (``CommitStats``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

from .store import CommitStats

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

# Why a request was turned away: the label of twilio_webhooks_rejected_total.
REJECT_REASONS = (
    "bad_signature",
    "malformed",
    "unsupported_media_type",
    "too_large",
    "body_timeout",
    "store_unavailable",
)


class Histogram:
    """Observed and rendered on the event loop only: no lock needed."""

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(BUCKETS, value)] += 1  # the last slot counts only in +Inf
        self.total += 1
        self.sum += value

    def lines(self, name: str) -> list[str]:
        out, running = [], 0
        for bound, count in zip(BUCKETS, self.counts, strict=False):
            running += count
            out.append(f'{name}_bucket{{le="{bound}"}} {running}')
        out.append(f'{name}_bucket{{le="+Inf"}} {self.total}')
        out.append(f"{name}_sum {self.sum:.6f}")
        out.append(f"{name}_count {self.total}")
        return out


class Metrics:
    def __init__(self) -> None:
        self.received: dict[str, int] = defaultdict(int)  # by endpoint
        self.stored: dict[str, int] = defaultdict(int)  # new events, by endpoint
        self.duplicates: dict[str, int] = defaultdict(int)  # events, by endpoint
        self.rejected: dict[str, int] = dict.fromkeys(REJECT_REASONS, 0)
        self.store_seconds = Histogram()

    def render(self, commits: CommitStats) -> str:
        lines = [
            "# HELP twilio_webhooks_received_total Webhook requests received, by endpoint.",
            "# TYPE twilio_webhooks_received_total counter",
            *_series("twilio_webhooks_received_total", "endpoint", self.received),
            "# HELP twilio_webhooks_stored_total Events committed for the first time.",
            "# TYPE twilio_webhooks_stored_total counter",
            *_series("twilio_webhooks_stored_total", "endpoint", self.stored),
            "# HELP twilio_webhooks_duplicates_total Events already stored (answered 200).",
            "# TYPE twilio_webhooks_duplicates_total counter",
            *_series("twilio_webhooks_duplicates_total", "endpoint", self.duplicates),
            "# HELP twilio_webhooks_rejected_total Requests refused (nothing stored), by reason.",
            "# TYPE twilio_webhooks_rejected_total counter",
            *_series("twilio_webhooks_rejected_total", "reason", self.rejected),
            "# HELP twilio_webhooks_store_seconds Time a request waited for its commit.",
            "# TYPE twilio_webhooks_store_seconds histogram",
            *self.store_seconds.lines("twilio_webhooks_store_seconds"),
        ]
        with commits.lock:
            lines += [
                "# HELP twilio_webhooks_store_commits_total Store transactions committed.",
                "# TYPE twilio_webhooks_store_commits_total counter",
                f"twilio_webhooks_store_commits_total {commits.commits}",
                "# HELP twilio_webhooks_store_commit_events_total Events written by commits.",
                "# TYPE twilio_webhooks_store_commit_events_total counter",
                f"twilio_webhooks_store_commit_events_total {commits.events}",
                "# HELP twilio_webhooks_store_commit_seconds_total Time spent committing.",
                "# TYPE twilio_webhooks_store_commit_seconds_total counter",
                f"twilio_webhooks_store_commit_seconds_total {commits.seconds:.6f}",
                "# HELP twilio_webhooks_store_failures_total Commits that failed (answered 503).",
                "# TYPE twilio_webhooks_store_failures_total counter",
                f"twilio_webhooks_store_failures_total {commits.failures}",
                "# HELP twilio_webhooks_store_probes_total Health probes (a heartbeat commit).",
                "# TYPE twilio_webhooks_store_probes_total counter",
                f"twilio_webhooks_store_probes_total {commits.probes}",
                "# HELP twilio_webhooks_store_probe_failures_total Probes that could not commit "
                "(/healthz answered 503).",
                "# TYPE twilio_webhooks_store_probe_failures_total counter",
                f"twilio_webhooks_store_probe_failures_total {commits.probe_failures}",
            ]
        return "\n".join(lines) + "\n"


def _series(name: str, label: str, values: dict[str, int]) -> list[str]:
    return [f'{name}{{{label}="{key}"}} {value}' for key, value in sorted(values.items())]
