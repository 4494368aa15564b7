"""What each simulated person does in bench/load.py: asks legal questions, then files; or
(``--script faq``) only asks five free-text questions at once."""

from __future__ import annotations

from bench.core_throughput import FAQ_BURST, JOURNEY
from bench.load_driver import Step

#: Asked in one burst, without waiting: their answers must come back in this order.
QUESTIONS = (
    "I have worked here 5 months and they never gave me a contract, can I ask for double salary?",
    "I quit last week and the company says they will pay my last salary after 3 months",
    "I disagree with the arbitration award, can I appeal?",
)


def person_script() -> list[Step]:
    """/start, three questions at once, the whole filing (screening, intake, submit), /status."""
    steps = [Step(texts=("/start",)), Step(texts=QUESTIONS)]
    for item in JOURNEY[1:]:
        steps.append(Step(texts=(item[2:],)) if item.startswith("> ") else Step(press=item))
    steps.append(Step(texts=("/status",)))
    return steps


def faq_script() -> list[Step]:
    """Five free-text questions in one burst: the FAQ path alone, under load."""
    return [Step(texts=FAQ_BURST)]
