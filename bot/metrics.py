"""The process' own figures for /metrics (bot/health.py adds the database's at each scrape).

Counters live in one registry per process; several BotApps in one process (the tests) add
to the same counters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.process_collector import ProcessCollector

from handlers.conversation import events, log_context
from handlers.conversation.messages import Inbound, Reply

log = logging.getLogger(__name__)
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # memory, CPU, open files of this process

UPDATES = Counter(
    "mediation_updates_handled",
    "Messages and button presses handled, per channel",
    ["channel"],
    registry=REGISTRY,
)
HANDLING = Histogram(
    "mediation_update_handling_seconds",
    "Time to handle one message or button press (database work included), per channel",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0),
    registry=REGISTRY,
)
FAQ_OUTCOMES = ("answered", "refused", "referred")
FAQ = Counter(
    "mediation_faq_questions",
    "Legal questions: answered from the FAQ, refused as unsure, or referred to a person",
    ["outcome"],
    registry=REGISTRY,
)
DELIVERY_FAILURES = Counter(
    "mediation_delivery_failures",
    "Push deliveries that failed (each attempt; retried with backoff until outbox.max_attempts)",
    ["channel"],
    registry=REGISTRY,
)
WECHAT_LATE = Counter(
    "mediation_wechat_late_replies",
    "WeChat calls not answered within wechat.reply_budget_seconds: the reply went as a push",
    registry=REGISTRY,
)
for _outcome in FAQ_OUTCOMES:  # every outcome shows from the start, at 0
    FAQ.labels(_outcome)

Handler = Callable[[Inbound], Awaitable[list[Reply]]]


def faq_outcome(outcome: str) -> None:
    """Count a legal question by what became of it (one of FAQ_OUTCOMES)."""
    FAQ.labels(outcome).inc()


events.subscribe(events.FAQ_OUTCOME, faq_outcome)  # handlers report; bot counts


def instrumented(handle: Handler) -> Handler:
    """The core's handler, counted and timed per channel; its log lines name the update."""

    async def wrapped(inbound: Inbound) -> list[Reply]:
        started = time.perf_counter()
        with log_context.handling(inbound.channel, inbound.update_key):
            try:
                return await handle(inbound)
            finally:
                took = time.perf_counter() - started
                UPDATES.labels(inbound.channel).inc()
                HANDLING.labels(inbound.channel).observe(took)
                log.debug("handled in %.0f ms", took * 1000)

    return wrapped


def known_channels(names: list[str]) -> None:
    """Show every configured channel in the per-channel figures, at 0 until it has some."""
    for name in names:
        UPDATES.labels(name)
        DELIVERY_FAILURES.labels(name)
