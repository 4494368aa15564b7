"""Numbered choices and message packing for text-only chats (WeChat, WeCom)."""

from __future__ import annotations

from bot.channels.numbered import render, resolve
from bot.channels.wechat import TEXT_LIMIT, pack
from handlers.conversation.messages import Button, Reply

CHOICES = [["申请调解", "m:file"], ["法律咨询", "m:faq"], ["✅ 拖欠工资", "s:claims:pay"]]


def test_buttons_are_numbered_across_replies_with_a_hint_in_the_replies_language() -> None:
    replies = [
        Reply("答复", buttons=((Button("更多", "faq:more"),),)),
        Reply(
            "请问您需要办理什么？",
            buttons=((Button("申请调解", "m:file"), Button("法律咨询", "m:faq")),),
        ),
    ]
    texts, choices = render(replies)
    assert texts[0] == "答复\n1. 更多"
    assert texts[1].startswith("请问您需要办理什么？\n2. 申请调解\n3. 法律咨询")
    assert texts[1].endswith("请回复选项前的数字。")
    assert choices == [["更多", "faq:more"], ["申请调解", "m:file"], ["法律咨询", "m:faq"]]
    english, _ = render([Reply("What now?", buttons=((Button("Done", "s:x:done"),),))])
    assert english[-1].endswith("Reply with the number of your choice.")


def test_what_people_type_for_a_choice() -> None:
    for typed, payload in [
        ("1", "m:file"),
        (" 2 ", "m:faq"),
        ("２", "m:faq"),  # full-width digit from a Chinese keyboard
        ("第3项", "s:claims:pay"),
        ("2.", "m:faq"),
        ("法律咨询", "m:faq"),  # the item's words
        ("✅ 拖欠工资", "s:claims:pay"),
    ]:
        assert resolve(typed, CHOICES) == payload, typed
    for typed in ("0", "4", "12", "13912345678", "申请", "我要申请调解", ""):
        assert resolve(typed, CHOICES) is None, typed


def test_pack_keeps_every_message_under_the_byte_limit_and_loses_nothing() -> None:
    short = pack(["一", "二", "三"])
    assert short == ["一\n\n二\n\n三"]
    long_line = "劳" * 3000  # 9,000 bytes, no line breaks
    lines = "\n".join(f"第{i}条：用人单位应当按时足额支付劳动报酬。" for i in range(200))
    chunks = pack([long_line, lines])
    assert all(len(c.encode()) <= TEXT_LIMIT for c in chunks)
    joined = "".join(chunks).replace("\n", "")
    assert joined == (long_line + lines).replace("\n", "")


def test_hint_follows_the_language_of_the_text_not_the_names_in_it() -> None:
    english = Reply(
        "Hello, this is the 测试调解中心 of 示例区. Mediation here is free of charge. "
        "What would you like to do?",
        buttons=((Button("File a dispute", "m:file"),),),
    )
    assert render([english])[0][-1].endswith("Reply with the number of your choice.")
    chinese = Reply("请选择您所在的街道（LJ-2026-000001）", buttons=((Button("示例街道", "x"),),))
    assert render([chinese])[0][-1].endswith("请回复选项前的数字。")
