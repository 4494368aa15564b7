"""Messages that ask the bot about itself: 你会加班吗, 你有工资吗, 你几点下班.

Folding drops the pronouns (``knowledge.faq_text.fold``), so to the search and the domain
model 你会加班吗 reads like 会加班吗, a question about overtime. These are recognised on the
text as typed, before folding: a short message that opens by addressing the bot (你, 您), is
not a request about the asker's own matter (你知道…, 你能帮…, 你们: the center) and names no
one of the asker's side (我, 孩子, 员工). A short message that names the bot (这个机器人能干嘛,
What can this chatbot do?) is one too, unless it names the asker's side or a word of work:
then it is a question about work (工业机器人操作工加班费) — but not when the name itself speaks to
the bot (你们机器人加班有没有加班费). English is read word by word (``bot``
is not ``both``), up to ``max_words`` words; there a word of work does not count (how does
this bot work), the asker words hold my, boss, wage. The ``[to_the_bot]`` table of
``referrals.toml`` holds the words; its route (about_bot) answers with what the bot is and how
to reach a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import dropwhile
from typing import Any

from knowledge.faq_text import surface
from knowledge.table_checks import names_one, unknown_keys, whole_number, word_lists

KEYS = frozenset(
    {"route", "openings", "not_then", "asker_words", "names", "max_chars", "max_words"}
    | {"office_openings", "office_words", "office_unless", "english_openings", "small_talk"}
)
_NOT_TEXT = re.compile(r"[\W_]+")
_ENGLISH_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ROBOT = "机器人"  # after an opening 你: the bot, spoken to again (你交不交社保？机器人老了怎么办)
# "like us" compares the bot with people and brings in nothing of the asker's own (你们机器人
# 周末放假吗？还是跟我们一样单休; twenty-third pass)
# the asker in person, never what the bot "has" (你有我的电话吗)
_FIRST_PERSON = ("我", "俺", "咱", "本人", "自己")
_THEMSELVES = frozenset({"i", "i'm", "me"})  # what can you do for me: no matter of the asker's
_LIKE_US = re.compile(r"(?:跟|和|同|像)(?:我|我们|俺|俺们|咱|咱们)(?:一样|似的)")


@dataclass(frozen=True)
class ToTheBot:
    route: str  # the route id such messages are referred to
    openings: tuple[str, ...]  # how a message addressed to the bot starts: 你, 您
    not_then: tuple[str, ...]  # right after the opening, a request or the center: 们, 知道, 能
    asker_words: tuple[str, ...]  # the asker's side named anywhere: 我, 孩子, 员工, my
    max_chars: int  # longer messages tell a story: never taken for small talk
    names: tuple[str, ...] = ()  # what people call the bot: 机器人, chatbot
    max_words: int = 0  # the same for English, in words (0: English is never matched by name)
    # the center asked about as an office (你们几点下班, 调解中心地址在哪): opens with one of
    # ``office_openings``, names one of ``office_words`` (twenty-seventh pass)
    office_openings: tuple[str, ...] = ()
    office_words: tuple[str, ...] = ()
    office_unless: tuple[str, ...] = ()  # the center's work asked about too: 你们这里能调解吗
    # English (thirty-sixth pass): how a message to the bot opens (who are you, what can you),
    # and the words a message of small talk is made of (hi there, ok thanks bye)
    english_openings: tuple[str, ...] = ()
    small_talk: tuple[str, ...] = ()

    def matches(self, question: str, *, work: bool = False, term: bool = False) -> bool:
        """Whether ``question`` asks the bot about itself; ``work``: it has a word of work
        (only a message that addresses the bot as 你 may, 你会加班吗); ``term``: it names a
        labour-law matter, which only a message that addresses the bot as 你 may (你加班有加班费
        吗; 你懂工伤吗 is a real question, kept by ``not_then``: 懂, 了解), not one that only
        names it (这个机器人懂工伤吗)."""
        typed = surface(question)
        text = _NOT_TEXT.sub("", typed)
        if not text:
            return False
        if self._addressed_twice(text) or self._called_first(text):
            return True
        words = _ENGLISH_WORD.findall(typed)
        if self._asks_the_office(text, words):
            return True
        if not term and self._names_the_bot(text, words, work):
            return True
        if not (term or work) and self._english_to_the_bot(typed, words):
            return True
        if len(text) > self.max_chars or self._after_opening(text) is None:
            return False
        return not self._asker(text, words)

    def _after_opening(self, text: str) -> str | None:
        """The rest of a message that opens by addressing the bot (你会加班吗: 会加班吗); None
        when it does not, or when a request or the center follows (你知道…, 你们)."""
        opening = next((o for o in self.openings if text.startswith(o)), None)
        if opening is None:
            return None
        rest = text[len(opening) :]
        if not rest or any(rest.startswith(word) for word in self.not_then):
            return None
        return rest

    def _names_the_bot(self, text: str, words: list[str], work: bool) -> bool:
        # English: a word of work does not count ("how does this bot work": the verb); my,
        # boss, wage are among the asker words instead
        if words and text.isascii():
            named = len(words) <= self.max_words and any(w in self.names for w in words)
        else:
            here = [n for n in self.names if not n.isascii() and n in text]
            named = any(self._addressed(n, text) for n in here) or bool(
                here and not work and len(text) <= self.max_chars
            )
        return named and not self._asker(text, words)

    def _english_to_the_bot(self, typed: str, words: list[str]) -> bool:
        """An English message of at most ``max_words`` words that is small talk alone (hi
        there, ok thanks bye now) or opens, after any greeting, by asking the bot about
        itself (what can you do for me, hi who are you) and names nothing of the asker's but
        themselves (my, boss, wage do). Without a rule these had no word the search weighs
        and got "tell me a little more"."""
        if not words or not typed.isascii() or len(words) > self.max_words:
            return False
        if all(w in self.small_talk for w in words):
            return True
        opening = " ".join(dropwhile(self.small_talk.__contains__, words))  # hi, who are you
        if not any(opening.startswith(o + " ") or opening == o for o in self.english_openings):
            return False
        return not self._asker("", [w for w in words if w not in _THEMSELVES])

    def _addressed(self, name: str, text: str) -> bool:
        """A name that speaks to the bot (你们机器人, 你这机器人) makes even a word of work the
        bot's: 你们机器人加班有没有加班费哈哈 is a joke about the bot, not a question about
        overtime (工业机器人操作工 names a robot, not the bot). The name is not counted in
        ``max_chars``."""
        direct = any(name.startswith(o) for o in self.openings)
        return direct and len(text) - len(name) <= self.max_chars

    def _addressed_twice(self, text: str) -> bool:
        """A message that opens by addressing the bot (你, not followed by one of ``not_then``;
        or 你们) and speaks to it again (你 alone once more; after 你 also 机器人) is about the
        bot whatever words of work or labour terms it holds, up to three times ``max_chars``:
        你试用期过了没有？领导对你表现满意不, 你交不交社保啊？机器人老了怎么办, 你们单位给你交社保
        没. So is one that opens with 你们机器人 (你们机器人加班有没有加班费哈哈: 加班费 is a
        labour term, which blocks a name found further on). The bot's own (你们公司, 你老板)
        is not the asker's side; anyone else of it (我, 孩子) still makes it the asker's
        matter; nor is what the bot is asked whether it has (你有老板吗？你的工资谁给你发, which
        had been answered with maternity pay; thirty-fourth pass), but 你有我的电话吗 names the
        asker. (Twenty-first pass: of the 14,197 labour texts the knowledge base, the model
        and the tuning sets hold, none opens with 你 as above (or with 你们 and 你 again
        later); 120 everyday ones do, every one of them to the bot.)"""
        if len(text) > 3 * self.max_chars:
            return False
        rest = self._after_opening(text)
        # or 你们 (the bot's own people, 你们单位给你交社保没), then 你 alone
        plural = next((o + "们" for o in self.openings if text.startswith(o + "们")), "")
        if rest is None and not plural:
            return False
        after = rest if rest is not None else text[len(plural) :]
        # 你 alone again (你们 again: the center)
        again = re.search(rf"(?:{'|'.join(map(re.escape, self.openings))})(?![们哋])", after)
        # or the bot named: anywhere after 你, right after 你们 (你们机器人有没有五险一金)
        robot = _ROBOT in rest if rest is not None else after.startswith((_ROBOT, "的" + _ROBOT))
        if not again and not robot:
            return False
        own = "|".join(re.escape(w) for w in self.asker_words if not w.isascii())
        # 你有老板吗 too (thirty-fourth pass), but not 你有我 (你有我的电话吗: the asker's)
        had = "|".join(
            re.escape(w)
            for w in self.asker_words
            if not w.isascii() and not w.startswith(_FIRST_PERSON)
        )
        openings = "|".join(self.openings)
        theirs = re.sub(rf"(?:{openings})(?:们|哋)?(?:的?(?:{own})|有(?:{had}))", "", text)
        return not own or not self._asker(theirs, [])

    def _called_first(self, text: str) -> bool:
        """A message that calls the bot before anything else — 机器人, then 你 or 也 — is about
        the bot whatever words of work or labour terms it holds, up to three times
        ``max_chars``, unless it names the asker's side: 机器人也要过试用期吗, 机器人你有老板吗
        (机器人操作工 is a job; 机器人让我填电话 names 我). (Twenty-first pass: 10 everyday texts
        open so, every one to the bot, and no labour text.)"""
        called = text.startswith(_ROBOT) and text[len(_ROBOT) : len(_ROBOT) + 1] in {"你", "也"}
        return called and len(text) <= 3 * self.max_chars and not self._asker(text, [])

    def _asks_the_office(self, text: str, words: list[str]) -> bool:
        """The center asked about as an office, whatever words of work it holds: 你们几点下班,
        你们周六周日上班吗, 调解中心地址在哪 — it opens with one of ``office_openings`` (你们: the
        center, as in ``not_then``), names its hours, days, address or telephone (one of
        ``office_words``), is at most twice ``max_chars`` long and names none of the asker's
        side (你们周末加班吗，我们公司… is the asker's matter) nor of ``office_unless`` outside
        the names of the center among ``office_openings`` (调解中心 holds 调解; 你们这里能调解吗？
        你们周末上班吗 asks about mediation too: the search answers that). The reply (about_bot)
        gives the center's address, hours and telephone where configured."""
        return (
            len(text) <= 2 * self.max_chars
            and text.startswith(self.office_openings)
            and any(w in text for w in self.office_words)
            and not self._names_the_centers_work(text)
            and not self._asker(text, words)
        )

    def _names_the_centers_work(self, text: str) -> bool:
        """One of ``office_unless`` outside the center's names (longest first: 调解中心
        before 中心)."""
        for name in sorted(self.office_openings, key=len, reverse=True):
            text = text.replace(name, "")
        return any(w in text for w in self.office_unless)

    def _asker(self, text: str, words: list[str]) -> bool:
        """The asker's side is named: 我, 孩子 anywhere (not in 跟我们一样: a comparison); my,
        boss as English words."""
        text = _LIKE_US.sub("", text)
        return any(w in words if w.isascii() else w in text for w in self.asker_words)


def parse_to_the_bot(raw: Any) -> ToTheBot | None:
    """The table, or None when it is missing or unusable (:func:`to_the_bot_problems` says why)."""
    if not isinstance(raw, Mapping) or to_the_bot_problems(raw):
        return None
    return ToTheBot(
        route=raw["route"],
        openings=tuple(raw["openings"]),
        not_then=tuple(raw.get("not_then", ())),
        asker_words=tuple(raw.get("asker_words", ())),
        max_chars=raw["max_chars"],
        names=tuple(raw.get("names", ())),
        max_words=raw.get("max_words", 0),
        office_openings=tuple(raw.get("office_openings", ())),
        office_words=tuple(raw.get("office_words", ())),
        office_unless=tuple(raw.get("office_unless", ())),
        english_openings=tuple(raw.get("english_openings", ())),
        small_talk=tuple(raw.get("small_talk", ())),
    )


def to_the_bot_problems(
    raw: Any, route_ids: frozenset[str] | None = None, name: str = "referrals.toml"
) -> list[str]:
    """What is wrong with the ``[to_the_bot]`` table, one readable line each."""
    where = f"{name}: [to_the_bot]"
    if not isinstance(raw, Mapping):
        return [f"{where} should be a table (route, openings, not_then, asker_words, max_chars)"]
    lists = (
        *("openings", "not_then", "asker_words", "names"),
        *("office_openings", "office_words", "office_unless", "english_openings", "small_talk"),
    )
    return [
        *unknown_keys(raw, KEYS, where),
        *names_one(
            raw, "route", route_ids, where, kind="a route", like="about_bot", of_any="[[route]]"
        ),
        *word_lists(raw, lists, "openings", where, like='["你", "您"]'),
        *whole_number(raw, "max_chars", where, minimum=2, unit="characters", like=14),
        *whole_number(raw, "max_words", where, minimum=0, unit="words", like=8, default=0),
    ]
