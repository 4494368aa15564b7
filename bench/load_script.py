"""What each simulated person does in bench/load.py: asks legal questions, then files; or
(``--script faq``) only asks five free-text questions at once."""

from __future__ import annotations

from bench.core_throughput import JOURNEY
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


#: ``--script faq``: five questions in people's own words, sent at once: labour questions in
#: Chinese and English, one that is referred elsewhere (not labour) and a rambling one.
FAQ_BURST = (
    "老板拖了我三个月工资一直不给，我该怎么办",
    "试用期被辞退了有没有补偿",
    "how many days of annual leave do i get after 3 years",
    "房东扣着租房押金不退怎么办",
    "我在厂里干了五年，上个月厂里说订单少了让我回家，也没说给什么补偿，社保也停了，"
    "我想问一下这种情况我能拿到多少钱，要去哪里申请",
)


def faq_script() -> list[Step]:
    """Five free-text questions in one burst: the FAQ path alone, under load."""
    return [Step(texts=FAQ_BURST)]
