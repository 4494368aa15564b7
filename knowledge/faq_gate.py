"""Answer, refer or say unsure: the word lists of ``referrals.toml`` and the learned model.

The word lists (:func:`leaning`) are strong evidence someone wrote down: 工资 makes a question
about work, 房东 an everyday matter, 工伤 a labour-law matter that is referred away only when
the model reads the question as clearly another matter. The
domain model (:mod:`knowledge.domain_model`, trained from the entries' and the routes' own
phrasings) says the same from everything the knowledge base holds, also for words nobody
listed. :func:`fuse` combines the search's decision with the model's:

- an answer is withheld when the model finds the question clearly not labour (``veto``; for
  an answer the search is less sure of, from a little less clearly, ``unsure_veto``), also
  for a question that names a labour term unless it is the way to work (``term_veto``: such a
  question is referred away only when the model reads it as more clearly another matter,
  ``term_refer``); such a question that only a route or an everyday word close behind kept
  from an answer is answered when the model reads it as labour (``term_sure``);
- a question no route outranked is referred to the model's route when the model finds it
  not labour (``refer``), and a route the search chose gives way to the model's when the
  model is sure of its route (``share``);
- a question the search is nearly sure of (from confidence ``low``) is answered when the
  model is sure it is labour (``sure``) and no route or everyday word stands in the way;
  with a word of work, a route close behind does not stand in the way of a surer search
  (``contested_low``) and model (``contested_sure``);
- an asker who names their own job (``Leaning.job``) is sent to the model's route only when
  the model is clearer (``job_refer``, ``job_keep``);
- a question with no word of work at all needs a surer search (``wordless``) or a surer
  model (``wordless_odds``) to be answered;
- a route the word lists chose is withdrawn when the model finds the question labour
  (``keep``): the asker is told the closest topics and offered a person, not sent away.

Thresholds are on the model's log-odds (naive Bayes' per n-gram, averaged with the logistic
regression's since the twenty-second pass), chosen by cross-validation: on ``bench/faq_eval``'s
tuning set (``bench/faq_eval.py --tuning-only --cv 5``) until the twentieth pass, since then on
the model's own examples (``bench/faq_model_cv.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.domain_model import Guess
from knowledge.faq_asker import owes_the_asker, works_as
from knowledge.faq_text import fold, surface


@dataclass(frozen=True)
class GateSettings:
    # chosen on the whole tuning set as bench/faq_cv.py chooses them on K-1 folds (ninth
    # pass, 2026-12-05: 1,396 in-domain and 1,235 non-labour tuning questions). With the
    # tenth pass's 300 non-labour questions it would choose refer -0.3 and share 0.99: 19
    # more everyday questions sent to the right route, but 4 more labour questions sent
    # away from the center; a worker sent away loses more, so these stay.
    # Twenty-second pass: the model's log-odds average naive Bayes with a logistic regression
    # (knowledge/labour_logit.py), a scale of their own, and the thresholds were chosen again
    # on bench/faq_model_cv.py (12,562 questions, each decided by a model that never saw it):
    # veto -0.3 -> 0.0, unsure_veto -0.2 -> 0.0, trust 0.9 -> 0.95, keep 0.2 -> 0.1, refer
    # -0.6 -> -0.5 (and AGREE_ODDS in knowledge/entry_model.py 0.6 -> 0.4). From the twenty-
    # first pass's gate: labour answered 0.901 -> 0.913, sent away 43 -> 34 of 6,164, everyday
    # answered 13 -> 10 of 6,398, referred right 0.940 -> 0.945. (The new model with the old
    # thresholds: 0.914, 41, 17, 0.943. Trust 0.97: one everyday question fewer, the same
    # labour ones, but 我开网约车的时候被人追尾了 (0.955, log-odds -0.05) no longer answered.)
    # Twenty-third pass: trust 0.95 -> 0.97 on the same yardstick grown by the twenty-second
    # pass's tuning questions (14,510): everyday answered 12 -> 10 of 7,476 (where to draw a
    # pension paid in three cities; a small firm's owner closing it) for 1 of 7,034 labour
    # questions fewer answered; sent away (36) and referred right (0.948) the same.
    veto: float = 0.0  # model log-odds (per n-gram) below which no answer is given
    refer: float = -0.5  # ... below which an unreferred question goes to the model's route
    # (``refer`` and ``keep`` weigh the model's log-odds without the most alike texts' vote,
    # Guess.sending_odds: twenty-fifth pass, knowledge/neighbours.py)
    share: float = 0.99  # the model's share of its route from which it replaces the search's
    # Twenty-first pass: refer -1.0 -> -0.6, share 0.95 -> 0.99 and keep (below) 0.3 -> 0.2,
    # chosen together on a larger yardstick: five-fold cross-validation over the 12,562 former
    # tuning questions the model learns from (bench/faq_model_cv.py: each fold decided by the
    # real search with a model trained without it). 58 more of 6,398 everyday questions
    # referred to the right route (0.930 -> 0.940) and 4 fewer of 6,164 labour ones sent away
    # (47 -> 43); nothing answered changed. (refer -0.8 alone: 33 more referred right for 2
    # more sent away; keep 0.2 alone: 10 fewer sent away for 10 fewer referred right.)
    # thirteenth pass: 0.5 / 0.8 -> 0.45 / 1.0, as five-fold cross-validation on the larger
    # tuning set (2,393 labour, 3,866 everyday questions) chose on every fold: 7 -> 6 everyday
    # questions answered, labour answered 0.913 -> 0.911. (It also chose ``wordless`` 0.95 on
    # four folds: one fewer again for 0.008 fewer labour answers; that stays 0.92.)
    low: float = 0.45  # search confidence from which a question sure to be labour is answered
    sure: float = 1.0  # ... when the model's log-odds reach this
    trust: float = 0.97  # a word of work and an entry this sure: the model refers nothing away
    # (no everyday word beside it, or the asker names their job: twenty-fourth pass)
    # ... and from this when the asker says what they work as (works_as: 我开网约车的时候被人
    # 追尾了，平台管不管, 0.955, which the model reads as a traffic accident at log-odds -0.01): the
    # asker's own job, named, is surer evidence than a word of work (twenty-third pass; trust
    # was 0.95 for every question before)
    job_trust: float = 0.95
    # Thirtieth pass: a question whose asker names their own job (works_as: 我是小区保安, 病房
    # 护士，…, 做保洁的 …) goes to the model's route only from a clearer log-odds, and a route
    # the word lists chose is withdrawn from a lower one (``refer`` and ``keep`` for the others):
    # 物业保安 在小区门口指挥车辆被撞了…物业就说要辞退我 had gone to the property-fees route. On
    # bench/faq_model_cv.py (9,524 labour, 9,971 everyday questions) labour questions sent away
    # 69 -> 61, one everyday question fewer referred right (0.9245 -> 0.9244), none answered
    # more; at -1.0 / -0.5: 63 and the same; with no limit: 61 and 0.9240.
    job_refer: float = -1.5
    job_keep: float = -1.0
    floor: float = -1.0  # ... unless its log-odds are below this (clearly another matter)
    # no word of work at all: answered only from this search confidence, or when the model's
    # log-odds reach ``wordless_odds`` (春节档的电影 shares 春节 with holiday pay; 身份证换证要带
    # 什么 shares 身份证 and 带什么 with what to bring to mediation)
    # (twelfth pass: 0.85 / 1.5 -> 0.92 / 1.0, chosen on all five folds of the tuning set with
    # the other thresholds fixed: 9 -> 6 of 3,035 everyday questions answered, 打欠条的格式 among
    # them; labour questions answered 0.939 -> 0.938). Seventeenth pass: 0.92 -> 0.85, as
    # five-fold cross-validation chose on every fold once the model learned from the earlier
    # passes' tuning questions (model_words/examples_*.toml): a model that knows the routes
    # from far more examples finds short labour questions a little less surely labour
    # (调了两次没谈拢 下一部咋办: 1.03 -> 0.88): at 0.92 it answered 1,418 of the 1,628 labour
    # questions of the tuning sets kept, at 0.85 1,447 (the model and thresholds before:
    # 1,435), with 5 everyday ones answered (6) and 1,817 of 2,003 referred to the right
    # route (1,772) — the gate's own figures, before vague questions and the bot's own route.
    wordless: float = 0.85
    wordless_odds: float = 1.0
    # Eighteenth pass: a question the word lists send to a route (an everyday word and no word
    # of work: 健身房, 房租, 美容院, 离婚) that the model reads as labour from this log-odds on
    # stays with the center, as "not sure" (the closest topics and a person): 仲裁开庭美容院
    # 老板根本没来 … 我还等钱交房租 had gone to the medical route, 和物业公司调解没谈成，我下个月
    # 房租还没着落 to tenancy. On the tuning sets (1,928 labour, 2,507 everyday questions) labour
    # questions sent away 81 -> 19 for 2,178 -> 2,172 everyday ones referred right (at 0.5: 38
    # and 2,176; at 0.0: 10 and 2,144); none more answered. Lower, each worker kept costs two
    # or more right referrals. (Twenty-first pass: 0.2, with refer and share above.)
    # Twenty-fifth pass: 0.1 -> 0.05, weighed on the log-odds without the neighbours' vote (see
    # ``refer``): 5 fewer of 7,765 labour questions sent away on bench/faq_model_cv.py (43 ->
    # 38) for 2 fewer of 8,259 everyday ones referred right; 0.0: 34 sent away, 11 fewer right
    keep: float = 0.05
    # Twenty-first pass: an answer the search is less sure of than ``trust`` is withheld from
    # this log-odds on (``veto`` holds for the surer ones). On bench/faq_model_cv.py: 18 -> 13
    # of 6,398 everyday questions answered for 1 fewer of 6,164 labour ones (a kindergarten
    # whose owner ran off with the fees, a property repairman's "加班费"); -0.2 for every
    # answer would cost 8 labour answers for about the same.
    unsure_veto: float = 0.0  # twenty-second pass: the same as ``veto``
    # A labour term keeps a question from being referred away, but a question the model finds
    # clearly another matter is not answered for it either (the closest topics and a person
    # instead) — unless the term is the way to work, which a crash on it is always about
    # (the model reads 骑电动车去上班路上被车撞了 as a traffic accident down to -1.3). On
    # bench/faq_model_cv.py: 1 fewer everyday question answered (商事仲裁…跟劳动仲裁是一回事吗),
    # no labour one; at -1.0 two labour answers went too.
    term_veto: float = -1.2
    # A question that names a labour term and that the search is sure enough of (the answer
    # threshold), kept from an answer only by a route or an everyday word close behind (仲裁
    # 要多久…房租快交不起了), is answered when the model reads it as labour from ``term_sure``
    # (twenty-fourth pass, on bench/faq_model_cv.py, 15,067 questions: 19 more of 7,313 labour
    # questions answered, 18 with the right entry; no everyday one more. From confidence 0.45:
    # 36 more, but 7 with a neighbour's entry.)
    term_sure: float = 0.5
    term_low: float = 0.65
    # Thirty-second pass: ... and a question that names a labour term only in passing, which
    # the model reads as clearly another matter (its log-odds without the neighbours' vote
    # below ``term_refer``), goes to the model's route, as any other question would: 商事仲裁
    # 和劳动仲裁有什么区别？我们是两家公司之间的买卖合同纠纷 (-2.7), 加班费要不要交个税 (-1.2),
    # 办居住证要劳动合同，我是打零工的 (-0.5 stays). On bench/faq_model_cv.py (10,908 labour and
    # 11,110 everyday questions) 28 more everyday questions referred to the right route and one
    # to another; no labour question sent away (at -0.8: 34, 2 and one). A question that names
    # the way to or from work, or the asker's own pay owed, is never sent (Leaning.kept).
    term_refer: float = -1.0
    # Thirtieth pass: a question with a word of work that only a route close behind kept from
    # an answer (我们学校十几个老师都被欠了工资，想一起去告) is answered when the search is this
    # sure and the model reads it as labour from ``contested_sure``. On bench/faq_model_cv.py
    # (9,524 labour questions) 9 more answered, 8 of them with the right entry; no everyday
    # question more. From 0.65: 30 more, but 8 with a neighbour's entry (at odds 0.75, one
    # everyday question more). (Surer than ``low`` and ``sure``, which hold when no route is
    # close behind.)
    # Thirty-fifth pass: contested_sure 1.0 -> 0.5 on bench/faq_model_cv.py (14,310 labour and
    # 14,553 everyday questions): 16 more labour questions answered, 13 of them with the right
    # entry (answered 0.9150 -> 0.9161), no everyday one more, no route changed (0.25: 19 and
    # 16; contested_low 0.8 beside it: 3 everyday questions more answered).
    contested_low: float = 0.85
    contested_sure: float = 0.5
    # Thirty-sixth pass: any question a route close behind or an everyday word kept from an
    # answer, with no word of work too (健身房兼职前台，按小时算钱，这算什么用工？ had no path to
    # an answer), is answered when the search is this sure, or the entry model picks its entry
    # too (Evidence.agreed, from the search's AGREE_FLOOR: a long message the search covers
    # thinly), and the model reads labour from ``blocked_sure``. bench/faq_model_cv.py (15,137
    # labour, 15,322 everyday): 77 + 35 more answered, 59 + 27 right, no everyday one, no route
    # changed (0.55: 14 more, 9 right; odds 0.75: 2 everyday answered).
    blocked_low: float = 0.65
    blocked_sure: float = 1.0
    enabled: bool = True  # False: the word lists alone (the fourth pass's gate)


@dataclass(frozen=True)
class Leaning:
    work: bool  # a word of work (工资, 上班; 老板 only when no everyday matter is named)
    other: bool  # a word of an everyday matter outside work (房东, 离婚, 保险公司)
    term: bool  # a labour-law matter by its name (工伤, 劳动仲裁, 旷工), or the asker's own
    # pay owed (欠我两个月工资): referred only when the model reads it as clearly another
    # matter (GateSettings.term_refer), and never when ``kept``
    way_only: bool = False  # the only such name is the way to or from work (上班路上)
    job: bool = False  # the asker says what they work as (我开网约车的时候…: works_as)
    kept: bool = False  # the asker's own pay owed (owes_the_asker) or the way to or from work
    # named: never referred, whatever the model reads


# 加班费 that a plumber, a mover or a fitter charges the asker (要另收200块加班费, 被收了加班费,
# 搬家公司收加班费, 师傅要我付"加班费") is a fee for a service, not a worker's overtime pay: it
# makes no word of work (收到加班费 still does, and so does 公司要付加班费吗: only the asker is
# charged). The second pattern is read on the text as typed, since folding drops the 我.
_CHARGED_FEE = re.compile(
    r"(?:另收|外收|加收|要收|多收|收了|被收|还收|再收|收取|乱收|收(?![到入回]))"
    r"[^，。,.!?！？；;]{0,8}?加班费"
)
_CHARGED_TO_ME = re.compile(
    r"(?:要|让|叫|找)(?:我|俺)(?:另外|额外|再|多)?(?:付|交|出|掏)[^，。,.!?！？；;]{0,4}?加班费"
)


# 上下班途中 is a labour-law matter (工伤保险条例第十四条第六项: a traffic accident on the way to or
# from work), but 下班路上被人抢了包 is a robbery: beside a crime the way to work is only where
# it happened, so it makes no term and no word of work (工伤 named as well still does).
_COMMUTE = re.compile(r"(?:上下班|上班|下班)(?:的)?(?:路上|途中)")
_CRIME = re.compile(r"[抢偷盗劫扒骗]")
# The same in English, read on the text as typed (twenty-seventh pass: in 16 labour texts and
# one everyday one, a phone snatched on the way home, which the crime beside it keeps out):
# "someone rear-ended me while I was driving to work" had gone to the traffic route.
_EN_COMMUTE = re.compile(
    r"\bon (?:my|the|our|his|her) way (?:to|home from|back from) (?:work|the office|my job)\b"
    r"|\b(?:driving|riding|cycling|walking|going|heading|travell?ing) (?:to|home from) work\b"
    r"|\bcommut(?:e|es|ing)\b",
    re.IGNORECASE,
)
_EN_CRIME = re.compile(
    r"\b(?:snatch\w*|stole|stolen|steal\w*|robbed|robbery|mugged|pickpocket\w*|scam\w*)\b",
    re.IGNORECASE,
)


# A shop's or an app's trial (健身卡有7天试用期, 净水器说试用期免费, 免费试用期到期自动扣费) is not
# probation (劳动合同法第十九条: a month at least, counted in months): a trial counted in days
# or given free makes 试用期 no labour term when nothing else in the question speaks of work
# (twenty-eighth pass: in 5 everyday texts the cross-validation answered with the probation
# entries; the labour texts it matches, 试用期3天 beside 辞职, keep their word of work).
_TRIAL_OFFER = re.compile(
    r"(?<![第最剩了])(?:[0-9]+|[一二三四五六七八九十两几]+)天的?试用期"
    r"|试用期(?:是|有|只有|就)?(?:[0-9]+|[一二三四五六七八九十两几]+)天"
    r"|免费试用期?|试用期(?:内)?免费"
    # a product's trial: 会员说试用期内随时可退; 宽带试用期过了自动续费 (twenty-ninth pass: in 4
    # everyday texts, in no labour one)
    r"|试用期内?(?:随时)?(?:可以?|能)?(?:无理由)?退(?![出休])"
    r"|试用期(?:结束|到期|过了?)?(?:后|以后)?自动(?:续费|扣)"
)


def on_the_way_to_work(question: str) -> bool:
    """The asker was on the way to or from work, said in English and beside no crime: a
    labour-law matter (工伤保险条例第十四条第六项), as 上班路上 is in Chinese."""
    typed = surface(question)
    return bool(_EN_COMMUTE.search(typed)) and not _EN_CRIME.search(typed)


# How long the asker has worked (干了3年, 做了八个月): a word of work (thirtieth pass: in 744
# labour texts and 23 everyday ones, most of which name work too — 在厂里干了两年…公积金; on
# bench/faq_model_cv.py 2 more labour questions answered right, nothing else changed)
_TENURE = re.compile(r"(?:干|做)了?(?:[0-9]+|[一二两三四五六七八九十几半]+)多?(?:年|个多?月)")

# 养老保险公司少交了几年 is the pension insurance the company paid too little of, not a pension
# insurer: the kind of insurance before 公司 keeps 保险公司 (an everyday word) from being read
_INSURANCE_THEN_EMPLOYER = re.compile(r"(养老|医疗|失业|工伤|生育|社会)保险(?=公司)")


def leaning(
    question: str,
    *,
    labour_words: Iterable[str],
    weak_words: Iterable[str],
    labour_terms: Iterable[str],
    other_words: Iterable[str],
) -> Leaning:
    """What the word lists say. Everyday words (``other_words``, longest first) are taken
    out before words of work are looked for: 保险公司 and 中介公司 hold 公司 but are not an
    employer. A weak word of work (老板, 公司: also a shop's owner, any firm) counts only when
    no everyday matter is named: 健身房老板跑路了 is about a gym card."""
    labour_words, labour_terms = tuple(labour_words), tuple(labour_terms)
    folded = _INSURANCE_THEN_EMPLOYER.sub(r"\1保险 ", _CHARGED_FEE.sub(" ", fold(question)))
    if _CHARGED_TO_ME.search(surface(question)):
        folded = folded.replace("加班费", " ")
    if _CRIME.search(folded):
        folded = _COMMUTE.sub(" ", folded)
    words = set(folded.split())
    other = False
    for word in other_words:
        if word in words if word.isascii() else word in folded:
            other = True
            folded = folded.replace(word, " ")
    words = set(folded.split())

    def has(word: str) -> bool:
        return word in words if word.isascii() else word in folded

    if _TRIAL_OFFER.search(folded):
        untried = _TRIAL_OFFER.sub(" ", folded).replace("试用期", " ")
        if not any(w in untried for w in (*labour_words, *labour_terms) if not w.isascii()):
            folded = untried
    named = [w for w in labour_terms if has(w)]
    owed = owes_the_asker(question)
    way_en = on_the_way_to_work(question)
    term = bool(named) or owed or way_en
    way_only = (bool(named) or way_en) and not owed and all(_COMMUTE.fullmatch(w) for w in named)
    kept = owed or way_en or any(_COMMUTE.fullmatch(w) for w in named)
    job = works_as(question)
    work = (
        term
        or any(has(w) for w in labour_words)
        or job
        or bool(_TENURE.search(folded))
        or (not other and any(has(w) for w in weak_words))
    )
    return Leaning(work, other, term, way_only, job, kept)


@dataclass(frozen=True)
class Evidence:
    """What the gate decides on: the search's and word lists' decision and the model's view."""

    answered: bool  # the search is sure and no word list or route stands in the way
    referral: str | None  # the route the search and the word lists chose
    lean: Leaning
    guess: Guess | None  # the domain model's view (None: no model)
    confidence: float  # the best entry's
    blocked: bool  # a route close behind the best entry, or an everyday word and no work
    agreed: bool = False  # the entry model picks the best entry too (EntryReading.agrees)


def fuse(evidence: Evidence, settings: GateSettings) -> tuple[bool, str | None]:
    """The final (answered, route id). A labour-law matter named by its name keeps the word
    lists' decision, unless the model reads it as clearly another matter (``term_refer``)."""
    answered, referral, guess = evidence.answered, evidence.referral, evidence.guess
    if guess is None or not settings.enabled:
        return answered, referral
    if evidence.lean.term:
        if answered and not evidence.lean.way_only and guess.log_odds < settings.term_veto:
            answered = False  # 商事仲裁…跟劳动仲裁是一回事吗: the closest topics and a person
        if (
            not answered
            and referral is None
            and not evidence.lean.kept
            and guess.route is not None
            and guess.sending_odds < settings.term_refer
        ):
            return False, guess.route  # 商事仲裁和劳动仲裁有什么区别？我们是两家公司之间的…
        if (
            not answered
            and evidence.confidence >= settings.term_low
            and guess.log_odds >= settings.term_sure
        ):
            answered = True
        return answered, referral
    odds, sending = guess.log_odds, guess.sending_odds
    keep = settings.job_keep if evidence.lean.job else settings.keep
    if referral is not None and sending >= keep:
        referral = None  # the word lists' route, for what the model reads as the asker's job
    trust = settings.job_trust if evidence.lean.job else settings.trust
    # an everyday word beside the word of work (离职后社保卡还能用吗: 离职, 社保卡) leaves it to
    # the model however sure the search is, unless the asker names their job (twenty-fourth
    # pass: nothing changed on the cross-validation or the tuning set)
    lean = evidence.lean
    plain = lean.work and (lean.job or not lean.other)
    if plain and evidence.confidence >= trust and odds >= settings.floor:
        odds = max(odds, settings.veto, settings.refer)
        sending = max(sending, settings.refer)
    if guess.route is not None:
        refer = settings.job_refer if evidence.lean.job else settings.refer
        if referral is None and sending < refer:
            return False, guess.route
        if referral is not None and guess.route_share >= settings.share:
            referral = guess.route  # one route for another: no labour question is touched
    veto = settings.veto if evidence.confidence >= trust else settings.unsure_veto
    if answered and odds < veto:
        answered = False
    if referral is None and not answered and (evidence.lean.work or not evidence.blocked):
        # a route close behind (blocked) asks a surer search and model, and a word of work
        low, sure = (
            (settings.contested_low, settings.contested_sure)
            if evidence.blocked
            else (settings.low, settings.sure)
        )
        answered = evidence.confidence >= low and odds >= sure
    if referral is None and not answered and evidence.blocked:  # both surer than low and sure
        sure = evidence.confidence >= settings.blocked_low or evidence.agreed
        answered = sure and odds >= settings.blocked_sure
    if (
        answered
        and not evidence.lean.work
        and evidence.confidence < settings.wordless
        and odds < settings.wordless_odds
    ):
        answered = False
    return answered, referral
