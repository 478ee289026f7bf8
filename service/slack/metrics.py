"""The bot's Prometheus metrics, beside the service's own (same registry, same /metrics)."""

from __future__ import annotations

import logging
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge

from service.slack.feedback import FeedbackStore

log = logging.getLogger(__name__)

EventKind = Literal["mention", "dm", "command", "feedback", "other"]
# answering: taken by this process; duplicate: delivered again; ignored: bots, edits, subtypes.
EventOutcome = Literal["answering", "duplicate", "ignored"]
AnswerOutcome = Literal["posted", "failed", "cancelled"]


class SlackMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        # registry None: prometheus_client's multiprocess files (see service/metrics.py).
        self.events = Counter(
            "newsqa_slack_events",
            "Slack deliveries by kind and what the bot did with them.",
            ["kind", "outcome"],
            registry=registry,
        )
        self.answers = Counter(
            "newsqa_slack_answers",
            "Answers to Slack, by whether they were posted.",
            ["outcome"],
            registry=registry,
        )
        self.feedback_clicks = Counter(
            "newsqa_slack_feedback_clicks",
            "Clicks on the feedback buttons under answers, by vote.",
            ["vote"],
            registry=registry,
        )
        self.feedback_votes = Gauge(
            "newsqa_slack_feedback_votes",
            "People's current votes on answers, all time (read from the feedback store).",
            ["vote"],
            registry=registry,
            multiprocess_mode="livemostrecent",
        )

    def event(self, kind: EventKind, outcome: EventOutcome) -> None:
        self.events.labels(kind, outcome).inc()

    def read_votes(self, store: FeedbackStore) -> None:
        """Sets the vote gauges from the store (called at each scrape)."""
        try:
            counts = store.counts()
        except Exception:  # a scrape must not fail because the bot's file is busy or gone
            log.exception("cannot read Slack feedback counts")
            return
        for vote, count in counts.items():
            self.feedback_votes.labels(vote).set(count)
