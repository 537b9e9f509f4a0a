"""Prometheus metrics of one service process (own registry: tests can run several)."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "jiazhan_updates_handled_total", "Updates handled, by handler", ["handler"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "jiazhan_handler_latency_seconds", "Time to handle one update",
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "jiazhan_outbox_depth", "Outbox messages waiting to be sent", registry=self.registry
        )
        self.sent = Counter(
            "jiazhan_messages_sent_total", "Outbox deliveries by outcome", ["outcome"],
            registry=self.registry,
        )
        self.throttled = Counter(
            "jiazhan_telegram_429_total", "429 Too Many Requests answers from the Bot API",
            registry=self.registry,
        )

        self.webhook_refused = Counter(
            "jiazhan_webhook_refused_total", "Webhook calls refused, by reason (secret, malformed)",
            ["reason"], registry=self.registry,
        )

    def handled(self, handler: str, seconds: float) -> None:
        self.updates.labels(handler).inc()
        self.latency.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
