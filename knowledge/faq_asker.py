"""What the asker says of themselves: their own pay owed or docked (欠我工资, 从我工资里扣) and
the job they do (我是小区保安, 我开网约车). Read on the text as typed (:func:`surface`): folding
drops the 我 that makes the pay or the job the asker's. The gate (:mod:`knowledge.faq_gate`)
takes them as a labour-law matter and a word of work."""

from __future__ import annotations

import re

from knowledge.faq_text import surface

_ME = "(?:我|我们|俺|俺们|咱|咱们|阿拉)"
_HOW_MUCH = "[0-9一二两三四五六七八九十几半个月年天周星期的份多块万千百元来快近整]{0,8}"
_PAY = "(?:工资|工钱|薪水|薪资)(?!卡)"  # not 工资卡: a bank card
_EN_COUNT = r"(?:\d+|a|one|two|three|four|five|six|several|a few)"
_EN_HOW_MUCH = rf"(?:{_EN_COUNT} (?:months?|weeks?|days?)'?s? (?:of )?)?"
_EN_PAY = r"(?:my |our |the )?(?:wages?|salary|salaries|pay)\b"
_OWED_TO_ASKER = re.compile(
    rf"欠了?{_ME}{_HOW_MUCH}(?:{_PAY}|人工)"  # 人工: pay, in Cantonese (not 转人工 here)
    rf"|{_ME}的?{_PAY}[^，。,.!?！？；;]{{0,4}}(?:没发|不发|没给|不给|拖|没结|不结|发不出|没到账|被克扣)"
    # (拖了我三个月工资, 压了我们一个月工资: thirtieth pass, 27 more labour texts, no everyday one)
    rf"|(?:没发|不发|拖欠|克扣|少发|不给|没给|拖了|压了|押了|欠着){_ME}{_HOW_MUCH}{_PAY}"
    rf"|(?:不给|没给|不肯给|不肯){_ME}(?:发|结){_HOW_MUCH}{_PAY}"  # 不给我发工资
    r"|拖粮"  # Cantonese: pay day put off
    # taken out of the asker's pay (物业要从我们几个值班保安的工资里各扣1000): deductions from
    # wages, a labour matter (工资支付暂行规定第十六条) wherever the loss arose (twenty-ninth
    # pass: in 47 labour texts, in no everyday one; 在我的工资里扣个税 is the tax office's)
    # (and in Cantonese: 要喺我人工度扣500蚊, thirtieth pass)
    rf"|(?:从|喺){_ME}[^，。,.!?！？；;]{{0,8}}?(?:{_PAY}|人工)(?:里|度|入面)?[^，。,.!?！？；;]{{0,2}}(?:扣|罚)"
    # pay owed with no one named (工资也欠了四个月, 工资一直拖着): the asker's (not 他工资拖了)
    rf"|(?<![他她])(?<!他的)(?<!她的){_PAY}(?:也|都|又|还|已经|一直)?被?(?:欠|拖)"
    rf"|\bowe[sd]? (?:me|us) {_EN_HOW_MUCH}{_EN_PAY}"
    r"|\b(?:hasn'?t|has not|haven'?t|have not|didn'?t|did not|won'?t|will not|refuses? to) "
    r"pa(?:y|id) (?:me|us) (?:my |our )?(?:wages?|salary)\b"
    r"|\b(?:my|our) (?:unpaid|owed|withheld) (?:wages?|salary)\b"
)


# The asker (or the asker's family) works as a driver or rider on a platform, or teaches
# (我开网约车, 我是跑外卖的, 我老公开网约车, 我在镇上的小学当代课老师), or a message or clause opens
# with it, which in Chinese is the asker's own (送外卖时被车撞了): a word of work, read on the text
# as typed (folding drops the 我). Inside a clause these name someone else (被送外卖的电动车撞了,
# 房东是当老师的): an everyday matter.
# Thirtieth pass: the asker's own job among the trades that meet the public (_JOBS): 我是小区
# 保安, 我在养老院当护理员, or a message that opens with it (物业保安 在小区门口…, 病房护士，…,
# 做保洁的 …) — not someone the asker hired, complains of or is not (奶奶住院请了护工，, 投诉出租
# 车司机，, 我是她嫂子不是保姆) nor a firm (我们是做保洁外包的公司), and "we, the trade" (我们这些
# 老保安). Of the texts the bot is tuned on, with the English below, 642 labour ones and 6
# everyday ones match (128 and 5 before). With GateSettings.job_refer and job_keep
# (knowledge/faq_gate.py) bench/faq_model_cv.py sent 70 -> 61 labour questions away, and
# "we, the trade" with 拖了我…工资 (above) 57 -> 54.
_KIN = "(?:老公|老婆|丈夫|妻子|爱人|儿子|女儿|爸|妈|哥|弟|姐|妹)"
_TRADES = (
    "(?:保安|保洁员?|清洁工|护工|护士|护理员|保姆|月嫂|育儿嫂|住家阿姨|司机|维修工|水电工|电工"
    "|厨师|服务员|教练|快递员|骑手|外卖员|收银员|店员|导购|门卫|焊工|木工|学徒|普工|搬运工|装卸工)"
)
_TEACHERS = "(?:老师|教师|幼师)"
_JOBS = f"(?:{_TRADES}|{_TEACHERS})"
_NOT_A_FIRM = "(?!外包|公司)"  # 我们是做保洁外包的公司: the firm, not its worker
_ASKER_WORKS_AS = re.compile(
    rf"{_ME}{_KIN}?(?:是|也是|平时|现在|以前)?(?:在[^，。,.!?！？；;]{{1,10}})?"
    rf"(?:开|跑|送|当|做|干)(?:网约车|滴滴|外卖|快递|代课|{_TEACHERS})"
    r"|(?:^|[，。,.!?！？；;\s])(?:开|跑|送)(?:网约车|滴滴|外卖|快递)(?!的(?!时))"
    rf"|{_ME}(?:是|系|也是|现在是|以前是)(?:一名|一个|个)?[^，。,.!?！？；;\s不告退]{{0,6}}?{_JOBS}{_NOT_A_FIRM}"
    rf"|{_ME}(?:是|也是)?(?:在[^，。,.!?！？；;]{{1,10}})?(?:当|做|干){_JOBS}{_NOT_A_FIRM}"
    rf"|^[^，。,.!?！？；;\s是在不请告诉]{{0,6}}?{_JOBS}(?:的)?(?:[，,\s]|[做干]了)"
    # we, the trade (我们这些老保安, 欠我们厨师工资): not 我们老师, a pupil's teacher
    rf"|(?:我们|俺们|咱们|我哋)(?:这些|几个|[0-9一二两三四五六七八九十几]+个)?老?{_TRADES}{_NOT_A_FIRM}"
)


# The same in English, read on the text as typed, lower-cased: "I'm a security guard at…",
# "bus driver here.", "Coach driver. …" — not a firm that supplies them ("we're a staffing
# agency supplying workers"). Thirtieth pass: 76 labour texts, no everyday one.
_EN_JOBS = (
    r"(?:security guard|guard|cleaner|nurse|driver|carer|caregiver|care worker|nanny|courier"
    r"|rider|cook|chef|waiter|waitress|cashier|teacher|tutor|repairman|electrician|welder"
    r"|plumber|worker|labou?rer|receptionist|shop assistant|maintenance (?:guy|man|worker))s?"
)
_EN_ASKER_WORKS_AS = re.compile(
    r"\b(?:i'?m|i am|we'?re|we are|i work as|i worked as|i was) (?:an? |the )?"
    rf"(?:(?!agency|company|firm)[a-z-]+ ){{0,3}}?{_EN_JOBS}\b"
    rf"|^(?:[a-z-]+ ){{0,2}}{_EN_JOBS}(?: here)?[.,:;]"
)


def works_as(question: str) -> bool:
    """The asker says what they work as (我开网约车的时候被追尾, 我是小区保安, I'm a bus driver)."""
    typed = surface(question)
    return bool(_ASKER_WORKS_AS.search(typed) or _EN_ASKER_WORKS_AS.search(typed))


def owes_the_asker(question: str) -> bool:
    """The message says the asker's own pay is owed or held back (老板欠我们三个月工资, 我的工钱
    一直拖着不给, 老細成日拖糧, my boss owes me two months of wages): unpaid wages, a labour
    matter (劳动法第五十条), whatever else the message names — the rent due, a child's school
    fees — so it is never referred away. Read on the text as typed: folding drops the 我 that
    makes the pay the asker's. A friend who owes 我 money until his 工资 comes, a bank that
    takes it from a 工资卡, stay everyday matters."""
    return bool(_OWED_TO_ASKER.search(surface(question)))
