"""The roster's records for the annual assessment: `/mediators training MEMBER DATE TOPIC`
(a training attended, seed 000 §六(五)) and `/mediators time MEMBER full|part` (专职 or 兼职,
seed 000 §七(一)); both for admins."""

from __future__ import annotations

from sqlalchemy import select

from handlers.casework.validators import ValidationError, parse_date
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from storage.models import Staff, Training


async def _mediator(ctx: Ctx, member: str) -> Staff | None:
    stmt = select(Staff).where(Staff.member == member, Staff.role == "mediator")
    return (await ctx.session.execute(stmt)).scalar_one_or_none()


async def record_training(ctx: Ctx, member: str, when: str, topic: str) -> Reply:
    row = await _mediator(ctx, member)
    if row is None:
        return Reply(ctx.t("{member} is not on the roster.", member=member[:40]))
    try:
        day = parse_date(when, today=ctx.today()).value
    except ValidationError:
        return Reply(
            ctx.t(
                "I could not read the date. Example: /mediators training {member} 2026-11-20 "
                "工资支付争议调解技巧",
                member=member[:40],
            )
        )
    if not topic.strip():
        return Reply(ctx.t("Please add the topic of the training after the date."))
    ctx.session.add(
        Training(staff_id=row.id, day=day, topic=topic.strip()[:200], recorded_by=ctx.actor)
    )
    return Reply(
        ctx.t(
            "Training recorded for {name}: {date}, {topic}.",
            name=row.name,
            date=ctx.t.date(day),
            topic=topic.strip()[:200],
        )
    )


async def set_time(ctx: Ctx, member: str, kind: str) -> Reply:
    row = await _mediator(ctx, member)
    if row is None:
        return Reply(ctx.t("{member} is not on the roster.", member=member[:40]))
    row.full_time = kind == "full"
    label = ctx.t("full-time") if row.full_time else ctx.t("part-time")
    return Reply(ctx.t("{name} is now {kind}.", name=row.name, kind=label))
