"""Surface text for FAQ retrieval, the same for questions and knowledge-base phrasings.

:func:`fold` makes the surface every later step works on: NFKC (full-width letters and
digits become ASCII), lower case, traditional -> simplified characters (``zhconv``),
first/second person pronouns dropped, English contractions expanded and words lightly
stemmed. Then jieba (initialised once, quietly) cuts words; :func:`is_content` drops stop
words, numbers and amounts; :func:`rarity` says how unusual a word is in Chinese at large.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

CONCEPT_MARK = "⟨{}⟩"
RARITY_COMMON, RARITY_RARE = 7.0, 12.0  # -log(word frequency) of an everyday and a rare word

# Particles, pronouns, greetings and question frames that say nothing about the topic, also
# in Cantonese and other regional speech (唔, 咗, 点算, 啥子, 阿拉).
# Question words that do (多久, 哪里, 多少钱) are synonym groups instead.
_ZH_STOP_TEXT = """
的 了 吗 呢 吧 啊 呀 么 嘛 哦 哈 噢 嗯 喔 哎 唉 啦 咯 呗 哟 诶 地 得 着 之 其 所 而 嘞 哇 滴
我 你 您 他 她 它 我们 你们 他们 她们 咱 咱们 自己 本人 人家 俺 偶 这 那 这个 那个 这些 那些
是 在 和 与 及 或 或者 就 都 也 还 又 再 才 只 很 太 挺 非常 特别 比较 真的 已经 一直 到底 究竟
被 把 让 对 向 跟 从 为 为了 因为 所以 但 但是 可是 如果 要是 的话 然后 而且 那么 这么 那样 这样
可以 可能 应该 应当 能否 能不能 可不可以 是否 是不是 有没有 会不会 请 请问 问 问一下 问下 想问
想问一下 咨询 咨询一下 一下 怎么办 怎么样 怎样 如何 怎么弄 咋 咋办 咋整 咋弄 啥 什么 为什么 为啥
你好 您好 哈喽 嗨 早上好 中午好 下午好 晚上好 晚安 谢谢 谢谢你 感谢 多谢 好的 嗯嗯 对的
是的 没事 没关系 不客气 在吗 在不在 有人吗 在么 收到 明白 了解 知道 哈哈 呵呵 嘿嘿 麻烦 帮忙
好 一个 个 些 一些 有些 一点 现在 当时 情况 问题 事情 东西 等 等等 怎么 能 会 要 想 有 了解一下
今天 明天 昨天 前天 后天 今年 去年 明年 前年 上周 下周 本周 这周 上个月 下个月 这个月 本月
每个月 每月 每天 每年 早上 上午 中午 下午 晚上 最近 之前 以前 以后 后来 刚才 刚刚 时候
听说 觉得 就是 只是 其实 反正 结果 突然 好像 大概 一般 具体 那边 这边 我该 我能 我要 我想
自个儿 俺们 咱家 人家 有个 一家 这家 那家
唔 咗 冇 俾 嘅 系 喺 啲 咁 嘢 咩 点 点解 点算 点样 点办 乜 乜嘢 佢 佢哋 哋 喇 囉 噉 咪
而家 边度 几时 系咪 有冇 唔该 定系 嚟 睇 揾 同埋 嗰 呢个 嗰个 啱 仲 成个
啥子 莫得 咋个 噻 撒 嘎哈 阿拉 侬 勿 哪能 伐 恁 中不中 咋整啊
"""

# Month and weekday names say when, not what (i didnt get my salary for march went to an entry
# whose English phrasing has "march"): like the amounts and dates the Chinese side drops.
# Saturday and Sunday stay: the synonym table reads them as rest days.
_EN_STOP_TEXT = """
a an the and or but if then so of to in on at by for with from into about as than
i me my mine we us our you your he him his she her it its they them their this that these
those there here what which who whom whose when where why how is am are was were be been
being do does did doing done have has had having can could will would shall should may
might must not no yes ok okay please thank thanks hi hello hey dear sir madam just also
very really still any some all get got getting want need know tell ask question
many much more most kind sort per after before since until right away back even ever every
each other another same such only own again ago around way thing something anything nothing
say says said tell told
day days week weeks month months year years time times yuan rmb now today yesterday tomorrow
january february march april june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday
"""

_EN_CONTRACTIONS = (
    ("won't", "will not"),
    ("can't", "can not"),
    ("cannot", "can not"),
    ("n't", " not"),
    ("'ve", " have"),
    ("'re", " are"),
    ("'m", " am"),
    ("'ll", " will"),
    ("'d", " would"),
    ("'s", ""),
)

# the same typed without the apostrophe, as on a phone (my boss hasnt paid me, i didnt get
# my salary): twenty-eighth pass, "hasnt paid my salary for 3 months" found the owed-wages
# entry at 0.54 where "has not" finds it at 1.0
_BARE_NOT = re.compile(
    r"\b(has|have|had|did|does|do|is|was|are|were|could|would|should|must|need)nt\b"
)
_BARE_WILL_NOT = re.compile(r"\bwont\b")
_BARE_CAN_NOT = re.compile(r"\bcant\b")
_WORD = re.compile(r"[a-z]+")
_PRONOUNS = re.compile(r"[我俺咱你您]们?")
_CJK = re.compile(r"[\u3400-\u9fff]")
_HAS_CONTENT = re.compile(r"[\u3400-\u9fffa-z0-9]")
_DIGITS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# Amounts and counts (八千多, 三十多个, 两万块, 5000元): no topic in them. 三倍 and 十级 stay.
_NUMERAL = re.compile(
    r"[0-9零〇一二两三四五六七八九十百千万几半多]+[多余来]?"
    r"(个月|个|块钱|块|元|天|年|月|日|号|次|周|岁|层|只|位|名|人|家|份|回|遍|点|分钟|分|小时|钟头|钟)?"
    r"[多余]?(左右)?"
)


def stem(word: str) -> str:
    """A very light English stemmer: plurals, -ing, -ed. Same on both sides is all we need."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    return word


def _word_set(text: str, normalise: Callable[[str], str] = str) -> frozenset[str]:
    return frozenset(normalise(w) for w in text.split())


_ZH_STOP = _word_set(_ZH_STOP_TEXT)
_EN_STOP = _word_set(_EN_STOP_TEXT) | _word_set(_EN_STOP_TEXT, stem)  # checked after stemming


class _Simplifier:
    """Traditional -> simplified Chinese with zhconv's tables, loaded once, quietly."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._convert: Callable[[str, str], str] | None = None

    def _load(self) -> Callable[[str, str], str]:
        with self._lock:
            if self._convert is None:
                with warnings.catch_warnings():
                    # zhconv imports pkg_resources (deprecated) when it is installed
                    warnings.simplefilter("ignore")
                    import zhconv
                    import zhconv.zhconv as zhconv_impl

                    # Load the table ourselves so that the file is closed properly.
                    table = Path(zhconv_impl.__file__).with_name("zhcdict.json")
                    zhconv_impl.loaddict(str(table))
                    self._convert = zhconv.convert
            return self._convert

    def __call__(self, text: str) -> str:
        if not _CJK.search(text):
            return text
        convert = self._convert or self._load()
        return convert(text, "zh-cn")


simplify = _Simplifier()

_jieba_lock = threading.Lock()
_jieba: Any = None


def _tokenizer() -> Any:
    """jieba's shared tokenizer (``jieba.dt``), imported and initialised once, quietly."""
    global _jieba
    if _jieba is None:
        with _jieba_lock, warnings.catch_warnings():
            if _jieba is None:
                # jieba imports pkg_resources and has old escape sequences: keep that quiet
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.dt.initialize()
                _jieba = jieba.dt
    return _jieba


@functools.lru_cache(maxsize=64)
def surface(text: str) -> str:
    """Width, case and script folded, nothing taken out: what :func:`fold` starts from, and
    what reads a message as typed (knowledge/to_the_bot.py: 你会加班吗 keeps its 你; the gate's
    ``owes_the_asker``: 欠我工资 keeps its 我). Kept for the last few texts, as :func:`fold`:
    one question is read as typed by each of them in turn."""
    return simplify(unicodedata.normalize("NFKC", text).lower())


@functools.lru_cache(maxsize=64)
def fold(text: str) -> str:
    """Width, case, script, pronouns and English word forms: what every later step works on.

    First and second person pronouns go, so 没给我交社保 reads like 没给交社保. Kept for the
    last few texts: one question is folded by the search, the re-ranking, the gate and the
    domain model in turn.
    """
    text = _PRONOUNS.sub("", surface(text))
    if "'" in text or "’" in text:
        text = text.replace("’", "'")
        for short, full in _EN_CONTRACTIONS:
            text = text.replace(short, full)
    if "nt" in text:
        text = _BARE_NOT.sub(r"\1 not", text)
        text = _BARE_CAN_NOT.sub("can not", _BARE_WILL_NOT.sub("will not", text))
    return _WORD.sub(lambda m: stem(m.group()), text)


def is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def is_content(word: str) -> bool:
    """Worth matching on: not a stop word, number, amount or stray letter."""
    return bool(
        word
        and _HAS_CONTENT.search(word)
        and word not in _ZH_STOP
        and word not in _EN_STOP
        and not _DIGITS.fullmatch(word)
        and not _NUMERAL.fullmatch(word)
        and not (word.isascii() and len(word) < 2)
    )


def rarity(word: str) -> float:
    """How unusual a word is in Chinese at large, 0 (出来, 觉得) to 1 (房东, 护照).

    From jieba's dictionary frequencies; words jieba only guessed count as 0.5, and so do
    English words. Used to weigh question words the knowledge base never uses.
    """
    freq = _tokenizer().FREQ.get(word)
    if not freq:
        return 0.5
    surprise = math.log(_tokenizer().total / freq)
    return min(1.0, max(0.0, (surprise - RARITY_COMMON) / (RARITY_RARE - RARITY_COMMON)))


def is_word(text: str) -> bool:
    """In jieba's dictionary."""
    return bool(_tokenizer().FREQ.get(text))


def word_frequency(text: str) -> int:
    """How often jieba's dictionary counts it as a word (0: not a word)."""
    return int(_tokenizer().FREQ.get(text) or 0)


def cut(text: str) -> list[str]:
    return _tokenizer().lcut(text)


def subwords(word: str) -> list[str]:
    """Dictionary words of 2 and 3 characters inside a longer word (jieba's search mode)."""
    if len(word) <= 2 or word.isascii():
        return []
    freq = _tokenizer().FREQ
    out = []
    for size in (2, 3):
        if len(word) > size:
            out += [
                word[i : i + size]
                for i in range(len(word) - size + 1)
                if freq.get(word[i : i + size]) and word[i : i + size] not in _ZH_STOP
            ]
    return out


def is_trivial(text: str) -> bool:
    """Empty, a bare number, punctuation or emoji: nothing to search for."""
    folded = unicodedata.normalize("NFKC", text).lower()
    content = "".join(_HAS_CONTENT.findall(folded))
    return len(content) < 2 or _DIGITS.fullmatch(content) is not None
