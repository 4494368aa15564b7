"""Issue 18, twenty-first pass: everyday questions in the words of work, and the bot spoken to.

- an answer the search is less than sure of needs the model a little surer it is labour
  (``unsure_veto``); a labour term keeps a question from being referred away, but not answered
  when the model finds it clearly another matter (``term_veto``), and sent to the model's route
  when it is clearer still (``term_refer``, thirty-second pass) — the way to work excepted;
- 加班费 charged by a mover or a repairman is a fee, not overtime pay;
- the asker who drives or rides for a platform, or teaches, names a job;
- a message that speaks to the bot twice (你…你, 你…机器人) is about the bot.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge.domain_model import Guess
from knowledge.faq_gate import Evidence, GateSettings, Leaning, fuse, works_as
from tests.kb_asserts import answered, referred


def evidence(confidence: float, odds: float, lean: Leaning) -> Evidence:
    """The search sure enough to answer, the model at ``odds``, sure of the tenancy route."""
    return Evidence(
        answered=True,
        referral=None,
        lean=lean,
        guess=Guess(0.4, odds, "tenancy", 1.0),
        confidence=confidence,
        blocked=False,
    )


WORK = Leaning(work=True, other=False, term=False)


def test_an_answer_the_search_is_unsure_of_is_withheld_when_the_model_doubts_it() -> None:
    gate = GateSettings()
    assert fuse(evidence(0.8, gate.unsure_veto - 0.05, WORK), gate) == (False, None)
    assert fuse(evidence(0.8, gate.unsure_veto + 0.05, WORK), gate) == (True, None)
    # the same doubt beside a word of work and a search sure of its entry: answered
    assert fuse(evidence(gate.trust, gate.veto - 0.05, WORK), gate) == (True, None)
    # ... unless the model finds the question clearly another matter
    assert fuse(evidence(gate.trust, gate.floor - 0.05, WORK), gate)[0] is False


def test_a_word_of_work_that_only_a_route_close_behind_held_back_is_answered() -> None:
    # thirtieth pass: the search sure, the model reading it as labour, a route close behind
    gate = GateSettings()

    def contested(confidence: float, odds: float, lean: Leaning = WORK) -> Evidence:
        return replace(evidence(confidence, odds, lean), answered=False, blocked=True)

    assert fuse(contested(gate.contested_low, gate.contested_sure), gate) == (True, None)
    assert fuse(contested(gate.contested_low - 0.05, gate.contested_sure), gate)[0] is False
    assert fuse(contested(gate.contested_low, gate.contested_sure - 0.1), gate)[0] is False
    # no word of work: the route close behind holds it back unless the model reads labour
    # clearly and the search, or the entry model too, is sure (thirty-sixth pass)
    nothing = Leaning(work=False, other=False, term=False)
    assert fuse(contested(0.99, gate.blocked_sure - 0.1, nothing), gate)[0] is False
    assert fuse(contested(gate.blocked_low, gate.blocked_sure, nothing), gate) == (True, None)
    thin = contested(gate.blocked_low - 0.05, gate.blocked_sure + 1, nothing)
    assert fuse(thin, gate)[0] is False
    assert fuse(replace(thin, agreed=True), gate) == (True, None)


def test_the_asker_naming_their_own_job_is_trusted_from_a_lower_confidence() -> None:
    # twenty-third pass: trust 0.97, but 0.95 still when the asker says what they work as
    gate = GateSettings()
    between = (gate.job_trust + gate.trust) / 2
    doubt = gate.veto - 0.05
    assert fuse(evidence(between, doubt, WORK), gate) == (False, None)
    job = Leaning(work=True, other=False, term=False, job=True)
    assert fuse(evidence(between, doubt, job), gate) == (True, None)
    assert fuse(evidence(gate.job_trust - 0.01, doubt, job), gate) == (False, None)
    assert fuse(evidence(between, gate.floor - 0.05, job), gate)[0] is False  # another matter


def test_a_labour_term_is_not_answered_for_a_question_clearly_about_another_matter() -> None:
    gate = GateSettings()
    term = Leaning(work=True, other=False, term=True)
    # clearly another matter (商事仲裁和劳动仲裁有什么区别…两家公司的买卖合同): the model's route
    assert fuse(evidence(0.95, gate.term_veto - 0.1, term), gate) == (False, "tenancy")
    # only the most alike texts make it look like one: not answered, and not sent away either
    alike = replace(
        evidence(0.95, gate.term_veto - 0.1, term),
        guess=Guess(0.4, gate.term_veto - 0.1, "tenancy", 1.0, plain_odds=gate.term_refer + 0.1),
    )
    assert fuse(alike, gate) == (False, None)
    assert fuse(evidence(0.95, gate.term_veto + 0.1, term), gate) == (True, None)
    # the asker's own pay owed, or the way to work named beside another term, stays with the
    # center however the model reads the rest (老板跑了，欠我们两个月工资，房东天天催房租)
    kept = Leaning(work=True, other=True, term=True, kept=True)
    assert fuse(evidence(0.95, gate.term_refer - 2, kept), gate) == (False, None)
    # a crash on the way to work is a work-injury question however sure the model is
    way = Leaning(work=True, other=False, term=True, way_only=True)
    assert fuse(evidence(0.95, gate.term_veto - 1, way), gate) == (True, None)


def test_commercial_arbitration_is_not_answered_with_labour_arbitration(kb) -> None:  # type: ignore[no-untyped-def]
    result = kb.search("商事仲裁和劳动仲裁是一回事吗，我们两家公司的买卖合同有仲裁条款")
    assert not result.answered
    result = kb.search("The company that sold us parts lost a commercial arbitration and won't pay")
    assert not result.answered
    assert result.referral is not None and result.referral.id == "business"


@pytest.mark.parametrize(
    ("question", "route"),
    [("搬家师傅另外收加班费合理吗", "consumer"), ("装修师傅周末来干活要我付加班费", "consumer")],
)
def test_a_tradesmans_overtime_fee_is_not_overtime_pay(kb, question: str, route: str) -> None:  # type: ignore[no-untyped-def]
    assert not kb._leaning(question).term
    result = kb.search(question)
    assert not result.answered
    assert result.referral is not None and result.referral.id == route


@pytest.mark.parametrize("question", ["周末加班公司要付加班费吗", "我没收到加班费怎么办"])
def test_overtime_pay_owed_to_the_asker_stays_labour(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert kb._leaning(question).term
    assert kb.search(question).answered


@pytest.mark.parametrize(
    ("question", "job"),
    [
        ("我开网约车的时候被人追尾了，平台管不管", True),
        ("我老婆送外卖时摔伤了，平台有保障吗", True),
        ("送外卖时被车撞了，平台有什么保障", True),  # a clause opening with it: the asker's
        ("送快递的时候被电动车撞了，平台管吗", True),
        ("我在镇上的小学当代课老师，年年签一年的合同", True),
        ("被一个送外卖的电动车撞了，他说让平台赔", False),  # someone else's job
        ("房东是当老师的，退房要扣我押金", False),
        # thirtieth pass: the trades that meet the public, in Chinese, Cantonese and English
        ("我是小区保安，晚上巡逻被业主的狗咬了", True),
        ("小区保洁，扫楼道的时候摔了一跤", True),  # a message that opens with the job
        ("小区保洁做了两年，物业换了新公司", True),
        ("小区换物业了，新物业不要我们这些老保安", True),  # we, the trade
        ("我们老师布置的作业太多了", False),  # a pupil's teacher
        ("我在养老院当护理员，扶老人的时候闪了腰", True),
        ("我係公司請嘅司機，撞到人公司要我自己賠", True),
        ("I'm a security guard at a housing estate and got hurt at the gate", True),
        ("bus driver here. the company wants me to sign a resignation letter", True),
        ("奶奶住院请了护工，护工费能报销吗", False),  # someone the asker hired
        ("投诉出租车司机，绕路多收了我三十块", False),  # someone complained of
        ("我是她嫂子不是保姆，天天让我带孩子", False),  # what the asker is not
        ("我们是做保洁外包的公司，甲方不给服务费", False),  # a firm
        ("我是退休的老师，户口本上的生日错了", False),
        ("we're a staffing agency supplying workers to a factory", False),
    ],
)
def test_the_asker_naming_their_job_is_read(question: str, job: bool) -> None:
    assert works_as(question) is job


@pytest.mark.parametrize(
    ("question", "work"),
    [
        ("物业说合同到期不续了 我干了3年 有补偿吗", True),  # thirtieth pass: how long worked
        ("在这家店做了八个月，老板说下周不用来了", True),
        ("这套房子租了三年，房东要涨租", False),
    ],
)
def test_how_long_the_asker_has_worked_is_a_word_of_work(kb, question: str, work: bool) -> None:  # type: ignore[no-untyped-def]
    assert kb._leaning(question).work is work


def test_an_estate_workers_contract_not_renewed_is_answered(kb) -> None:  # type: ignore[no-untyped-def]
    # 物业 had made it the property-fees route's; 干了3年 makes it work (thirtieth pass)
    result = kb.search("物业说合同到期不续了 我干了3年 有补偿吗")
    assert result.answered and result.referral is None
    assert result.best is not None
    assert result.best.id == "termination.contract_expiry_nonrenewal"


@pytest.mark.parametrize(
    "question",
    [
        "小区保洁做了两年，物业换了新公司，说我们要重新签合同",
        "我是小区保安，晚上巡逻的时候被业主的狗咬了，物业让我自己去打针",
        "小区保洁，扫楼道的时候摔了一跤，物业说不算他们的事",
        "物业维修工，修电梯的时候手被夹伤了，物业不给报医药费",
        "我是医院的护工，被病人家属推倒扭伤了腰，医院说找家属赔",
    ],
)
def test_a_guards_or_carers_own_injury_is_not_sent_away(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    # thirtieth pass: the estate's words (小区, 物业) and the hospital's had sent these to the
    # property-fees and medical routes; the asker's own job keeps them with the center
    # (knowledge/faq_asker.py works_as; knowledge/faq_gate.py job_refer and job_keep)
    result = kb.search(question)
    assert result.referral is None


def test_a_platform_drivers_crash_is_answered_and_a_riders_victim_referred(kb) -> None:  # type: ignore[no-untyped-def]
    result = kb.search("我开网约车的时候被人追尾了，平台管不管")
    assert result.answered and result.referral is None
    assert result.best is not None and result.best.id == "work.platform_injury"
    result = kb.search("被一个送外卖的电动车撞了，他说让平台赔")
    assert not result.answered
    assert result.referral is not None and result.referral.id == "traffic"


@pytest.mark.parametrize("question", ["培训班关门了老板跑了，交的学费怎么办", "早教中心老板跑路了"])
def test_a_school_whose_owner_ran_off_is_not_a_boss_who_owes_wages(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    result = kb.search(question)
    assert not result.answered
    assert result.referral is not None and result.referral.id == "education"


@pytest.mark.parametrize(
    "question",
    [
        "你会不会被开除啊？以后没人用你了咋办",
        "你试用期转正了没有？领导对你好不好",  # 试用期, a labour term, is the bot's here
        "你交社保吗？机器人也要养老吧",
        "你一天回答这么多问题，你们公司给你发工资吗",  # the bot's company is not the asker's
        "你们单位给你交社保没",  # 你们 first, then 你 alone: the bot's own people
        "你加班有加班费吗哈哈",  # a short message opening with 你: a labour term is the bot's too
        "机器人也要过试用期吗",  # the bot called first, then 也 or 你
        "机器人你也交社保吗",
        "你们机器人加班有没有加班费哈哈",  # 你们机器人: the bot named as it is spoken to
        "你们机器人周末放假吗？还是跟我们一样单休",  # 跟我们一样: a comparison, not the asker's
        "你是不是跟我一样天天加班",
        "你有老板吗？你的工资谁给你发 😂",  # what the bot has is its own (was: maternity pay)
    ],
)
def test_a_message_that_speaks_to_the_bot_twice_is_about_the_bot(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    result = kb.search(question)
    assert not result.answered
    assert result.referral is not None and result.referral.id == "about_bot"


@pytest.mark.parametrize(
    "question",
    [
        "老板说你明天别来了，你的工资下月发",  # reported speech: it does not open with 你
        "你试用期过了没有，我试用期被辞了",  # 我: the asker's own matter
        "你好，你知道工伤怎么认定吗",  # a greeting, then a request
        "你了解工伤认定吗",  # what the bot knows: a real question (你懂工伤吗 too)
        "机器人操作工加班费怎么算",  # a job that works with robots
        "机器人让我填电话，老板会看到吗",  # 我: the asker's own matter
    ],
)
def test_a_labour_question_with_you_in_it_stays_labour(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    result = kb.search(question)
    assert result.answered and result.referral is None


def test_what_the_bot_is_asked_to_have_of_the_askers_is_not_small_talk(kb) -> None:  # type: ignore[no-untyped-def]
    # 你有我…: the asker's own (his boss's number), not something the bot has
    result = kb.search("你有我老板的电话吗？你帮我催他发工资")
    assert result.referral is None or result.referral.id != "about_bot"


def test_the_centers_fees_asked_of_you_are_never_sent_away(kb) -> None:  # type: ignore[no-untyped-def]
    # 你们 twice: the center. Answered until the twenty-fifth pass; since then the texts most like
    # it are everyday matters put to the center (房东不退押金，你们这里能调解吗), so the bot may be
    # unsure, but the fee entry comes first and nobody is sent elsewhere (knowledge/neighbours.py)
    result = kb.search("你们这里能调解吗？你们收不收费")
    assert result.referral is None
    assert result.best is not None and result.best.id == "process.free_voluntary"


def test_the_centers_own_hours_are_not_sent_to_the_bots_route(kb) -> None:  # type: ignore[no-untyped-def]
    # 你们 twice: the center. No entry gives its hours, so the bot may be unsure (and offer a
    # person), but it sends the asker nowhere else (answered until the twenty-third pass, with
    # what the center does, before the model learned more everyday offices' hours)
    result = kb.search("你们这里能调解吗？你们周末上班吗")
    assert result.referral is None and result.best is not None
    assert result.best.id == "process.what_center_does"


def test_a_death_at_work_is_never_referred_away(kb) -> None:  # type: ignore[no-untyped-def]
    assert kb._leaning("因工死亡的丧葬补助金和抚恤金怎么算").term
    result = kb.search("因工死亡的丧葬补助金和抚恤金怎么算")
    assert result.referral is None
    assert result.best is not None and result.best.id == "injury.death_benefits"


@pytest.mark.parametrize("question", ["交钱帮你讨薪的中介是骗子吗", "代讨工资要先交服务费，靠谱吗"])
def test_a_wage_recovery_scam_gets_the_entry_on_it(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    # 讨薪, 代讨 are labour terms: the entry says what such offers are and where to go instead
    assert kb._leaning(question).term
    result = kb.search(question)
    assert result.referral is None
    assert result.best is not None and result.best.id == "help.wage_recovery_scams"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # twenty-sixth pass: was answered with deductions from pay, whose one long phrasing
        # shares 家政公司, 保洁 and 客户 with it (knowledge/faq/phrasings/own_words11.toml)
        ("我是家政公司的员工，公司派我去客户家做保洁，公司拖欠我两个月工资", "pay.arrears"),
        ("我在一家家政公司做保洁，打碎了客户的杯子，公司要扣我工资", "pay.deductions"),
    ],
)
def test_a_domestic_service_company_worker_gets_the_entry_for_her_matter(
    kb, question: str, entry: str
) -> None:  # type: ignore[no-untyped-def]
    result = kb.search(question)
    assert result.answered and result.best is not None and result.best.id == entry


@pytest.mark.parametrize(
    "question",
    [
        # twenty-seventh pass: the way to work in English is a labour term too (it had gone to
        # the traffic route), and a crash on it gets the commuting-accident entry
        "a truck rear-ended me while I was driving to work this morning, the driver admitted it",
        "I was knocked off my bike on my way home from work, is that covered",
    ],
)
def test_a_crash_on_the_way_to_work_in_english_stays_with_the_center(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert kb._leaning(question).term and kb._leaning(question).way_only
    result = kb.search(question)
    assert result.referral is None
    assert result.best is not None and result.best.id == "injury.commute_accident"


def test_a_theft_on_the_way_home_in_english_is_still_a_police_matter(kb) -> None:  # type: ignore[no-untyped-def]
    question = "someone snatched my bag on my way home from work, where do I report it"
    assert not kb._leaning(question).term
    assert referred(kb, question).id == "police"


def test_pay_put_off_until_the_customers_money_comes_in_is_answered(kb) -> None:  # type: ignore[no-untyped-def]
    # twenty-seventh pass: 货款 is a business word, and the owed-pay entries came first at a
    # confidence far below the answer's (knowledge/faq/phrasings/own_words13.toml)
    for question in (
        "公司欠着我工资，说等货款一到账就发，都拖了四个月",
        "工资欠了两个月，公司说等货款收回来再发",
    ):
        assert answered(kb, question).id == "pay.employer_no_money"  # "no money" is no reason
    # a firm owed 货款 by its customer still goes to the business route
    assert referred(kb, "客户欠我们公司三十万货款不给").id == "business"


@pytest.mark.parametrize(
    "question",
    [
        "健身卡说有七天试用期，过了就不给退",
        "app的免费试用期到了自动扣了我的钱",
        "网上买的会员说试用期内随时可退，现在又不给退",  # twenty-ninth pass
        "网店会员试用期过了自动扣费，能退吗",
    ],
)
def test_a_shops_trial_is_not_probation(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    # twenty-eighth pass: a trial counted in days or given free makes no labour term
    assert not kb._leaning(question).term
    assert referred(kb, question).id == "consumer"


def test_probation_counted_in_days_beside_a_word_of_work_stays_probation(kb) -> None:  # type: ignore[no-untyped-def]
    question = "试用期三天就被辞退了，有补偿吗"
    assert kb._leaning(question).term
    assert answered(kb, question).id == "termination.probation_dismissal"


def test_english_typed_without_apostrophes_is_understood(kb) -> None:  # type: ignore[no-untyped-def]
    # twenty-eighth pass: "hasnt" found the owed-wages entry at 0.54, "has not" at 1.0
    assert answered(kb, "my boss hasnt paid my salary for two months").id == "pay.arrears"


@pytest.mark.parametrize("question", ["i didn't get my wages", "I didnt get paid for march"])
def test_not_getting_ones_wages_in_english_is_owed_wages(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    # twenty-ninth pass: get and not are stop words, and "wages" alone was too vague to answer
    assert answered(kb, question).id == "pay.arrears"


def test_english_words_the_synonyms_do_not_read_weigh_less(kb) -> None:  # type: ignore[no-untyped-def]
    # twenty-ninth pass (faq_index.ENGLISH_WORD), a question of its tuning set: "anything" and
    # "start" outweighed the fee and went to the overview of arbitration
    question = "do I have to pay anything to start a labour arbitration case?"
    assert answered(kb, question).id == "arbitration.free"


def test_pay_taken_from_the_askers_wages_is_never_referred_away(kb) -> None:  # type: ignore[no-untyped-def]
    # twenty-ninth pass: 物业 and 业主 made it the residents' matter (property fees)
    question = "业主家丢了电动车，物业要从我们几个夜班保安的工资里各扣800赔偿，合理吗"
    assert kb._leaning(question).term
    result = kb.search(question)
    assert result.referral is None
    assert result.best is not None and result.best.id == "pay.deductions"
    # income tax deducted through payroll stays the tax office's
    assert referred(kb, "个税的大病医疗扣除能放在我的工资里扣吗").id == "tax"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # twenty-eighth pass (knowledge/faq/phrasings/own_words14.toml)
        ("找老板要工资，他叫人把我堵在厂门口打了一顿", "help.threatened_safety"),
        ("公司每个月从工资里扣两百块停车费，这合法吗", "pay.deductions"),
    ],
)
def test_threats_and_everyday_charges_taken_from_pay_get_their_entries(  # type: ignore[no-untyped-def]
    kb, question: str, entry: str
) -> None:
    assert answered(kb, question).id == entry
