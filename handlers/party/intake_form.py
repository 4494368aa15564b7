"""Intake (受理登记), the frame: collect the record fields of domain.md, asking only what applies.

Each text field is one row of FIELDS (intake.py, from the four parts of the form): the
prompt for a worker and for an employer, the validator, and whether it may be skipped.
`next_step` walks ORDER and skips what does not apply; while the person is changing one
field from the summary, it returns to the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from handlers.casework.answer_dates import first_day, is_month
from handlers.casework.claims import CATEGORIES, CONTACT_TIMES
from handlers.casework.validators import (
    ValidationError,
)
from handlers.conversation.context import Ctx
from handlers.conversation.flow import (
    DRAFT,
    EARLIER,
    Step,
    StepResult,
    goto,
    kept_answers,
    stay,
)
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply, grid
from storage.drafts import delete_unfiled_attachments

# Claim categories: stored as codes on the case, shown through the catalog.
ERRORS: dict[str, str] = {
    "phone.format": _(
        "That is not a mainland mobile number. Please send the 11 digits, for example 13812345678."
    ),
    "phone.landline_format": _(
        "I could not read that phone number. Please send a mobile (11 digits) or a landline "
        "with its area code, for example 0772-1234567 or 0772-1234567 转 123."
    ),
    "id.length": _("An ID number has 18 characters. Please check it, or press Skip."),
    "id.format": _(
        "An ID number has 17 digits and a last digit or X. Please check it, or press Skip."
    ),
    "id.checksum": _(
        "That ID number does not add up (its last character is wrong). "
        "Please check it, or press Skip."
    ),
    "id.birthdate": _(
        "The birth date inside that ID number is not valid. Please check it, or press Skip."
    ),
    "uscc.length": _(
        "A unified social credit code has 18 characters. Please check it, or press Skip."
    ),
    "uscc.charset": _(
        "That code contains characters a unified social credit code cannot "
        "have. Please check it, or press Skip."
    ),
    "uscc.checksum": _(
        "That unified social credit code does not add up (its last character "
        "is wrong). Please check it, or press Skip."
    ),
    "amount.format": _("Please send the amount in yuan as a number, for example 12000 or 1.2万."),
    "amount.negative": _("The amount cannot be negative."),
    "amount.zero": _(
        "The amount must be more than zero; press \u201cNo amount\u201d if you "
        "are not claiming money."
    ),
    "amount.too_large": _(
        "That amount is larger than this form accepts. Please check it, or tell staff in the facts."
    ),
    "date.format": _("I could not read that date. Please write it like 2025-03-01 or 2025年3月."),
    "date.no_such_day": _(
        "There is no such date as {text}. Please check the month and the day and send it again."
    ),
    "date.future": _("That date is in the future. Please check it."),
    "date.too_old": _("That date is too long ago. Please check it."),
    "date.order": _("The end date cannot be before the start date. Please check it."),
    "count.format": _("Please send the number of workers as a number, for example 12."),
    "count.range": _("Please send a number between {min} and {max}."),
    "name.empty": _("Please type the name."),
    "name.too_long": _("That is too long for a name (at most {max} characters)."),
    "name.charset": _("That name contains characters I cannot store. Please type it again."),
    "name.no_letters": _(
        "That looks like a number or a date, not a name: a name has letters or characters. "
        "Please type the name."
    ),
    "name.symbols_only": _(
        "A name is written in characters or letters, not only emoji or punctuation. "
        "Please type the name."
    ),
    "name.has_number": _(
        "Please type only the name here, without a phone, ID or card number; "
        "you can give a phone number in a later step."
    ),
    "text.empty": _("Please type a few words."),
    "text.too_long": _(
        "That is {length} characters; please keep it under {max}. You can "
        "shorten it, or tell staff the rest later."
    ),
}


def error_text(ctx: Ctx, err: ValidationError) -> str:
    template = ERRORS.get(err.code, _("That answer is not valid. Please try again."))
    params = getattr(err, "params", None) or {}
    text = ctx.t(template)
    try:
        return text.format(
            **{k: ctx.t.number(v) if isinstance(v, int) else v for k, v in params.items()}
        )
    except (KeyError, IndexError):
        return text


def role(ctx: Ctx) -> str:
    return ctx.answers.get("result", {}).get("facts", {}).get("role", "worker")


def is_employer(ctx: Ctx) -> bool:
    return role(ctx) == "employer"


@dataclass(frozen=True)
class Field:
    key: str
    worker_prompt: str
    employer_prompt: str
    parse: Callable[[Ctx, str], Any]
    optional: bool = False
    skip_label: str = _("Skip")
    employer_skip_label: str | None = None  # when the employer's side reads differently
    max_len: int | None = None  # what parse accepts at most, said when a message is longer
    #: A remark on an accepted answer (None: nothing to say), e.g. that it contradicts what
    #: the screening was told; the answer is kept and the person told, never silently.
    note: Callable[[Ctx, Any], str | None] | None = None


ORDER = [
    "applicant_name",
    "contact_name",
    "phone",
    "id_number",
    "applicant_address",
    "respondent_name",
    "respondent_address",
    "respondent_uscc",
    "respondent_phone",
    "claims",
    "claims_text",
    "amount",
    "employment_start",
    "employment_end",
    "facts",
    "workers_count",
    "evidence",
    "contact_time",
    "confirm",
]


#: What only an employer is asked: who handles it for the unit, and the unit's address.
EMPLOYER_ONLY = ("contact_name", "applicant_address")


def applies(ctx: Ctx, key: str) -> bool:
    facts = ctx.answers.get("result", {}).get("facts", {})
    if key == "respondent_uscc":
        return not is_employer(ctx)
    if key in EMPLOYER_ONLY:
        return is_employer(ctx)
    if key == "employment_end":
        return facts.get("employment_status") != "employed"
    if key == "workers_count":
        return facts.get("workers_count", "one") != "one"
    return True


def next_step(ctx: Ctx, current: str) -> str:
    if ctx.answers.get("editing"):
        ctx.drop_answer("editing")
        return "confirm"
    i = ORDER.index(current) + 1
    while not applies(ctx, ORDER[i]):
        i += 1
    return ORDER[i]


def first_step() -> str:
    return ORDER[0]


def _noted(ctx: Ctx, field: Field, value: Any) -> list[Reply]:
    note = field.note(ctx, value) if field.note else None
    return [Reply("⚠️ " + note)] if note else []


def earlier_answer(ctx: Ctx, key: str) -> Any:
    """The answer given before /back undid it (None when there is none)."""
    return (ctx.answers.get(EARLIER) or {}).get(key)


def field_buttons(ctx: Ctx, field: Field) -> tuple[tuple[Button, ...], ...]:
    """Skip (when the field may be skipped) and Keep (when there is an answer to keep)."""
    label = (is_employer(ctx) and field.employer_skip_label) or field.skip_label
    items = [Button(ctx.t(label), f"s:{field.key}:skip")] if field.optional else []
    if ctx.answers.get(field.key) or earlier_answer(ctx, field.key):
        items.append(Button(ctx.t("Keep as it is"), f"s:{field.key}:keep"))
    return grid(items, per_row=2)


def field_step(field: Field) -> Step:
    async def ask(ctx: Ctx) -> list[Reply]:
        prompt = field.employer_prompt if is_employer(ctx) else field.worker_prompt
        text = ctx.t(prompt)
        shown = ctx.answers.get(field.key) or earlier_answer(ctx, field.key)
        if shown:
            now = excerpt(display_value(ctx, field.key, shown))
            text += "\n" + ctx.t("(now: {value})", value=now)
        return [Reply(text, buttons=field_buttons(ctx, field))]

    async def handle(ctx: Ctx) -> StepResult:
        earlier = earlier_answer(ctx, field.key)
        if ctx.choice == "keep" and not ctx.answers.get(field.key) and earlier:
            ctx.set_answer(field.key, earlier)
        if ctx.choice == "keep" and ctx.answers.get(field.key):
            return goto(next_step(ctx, field.key))
        if ctx.choice == "skip" and field.optional:
            ctx.set_answer(field.key, None)
            return goto(next_step(ctx, field.key), *_noted(ctx, field, None))
        if ctx.inbound.attachments and not ctx.text:
            return stay(
                Reply(
                    ctx.t(
                        "Thank you; files can be added a little later, at the "
                        "evidence question. For now please answer in text."
                    )
                ),
                reask=True,
            )
        if not ctx.text:
            return stay(reask=True)
        try:
            value = field.parse(ctx, ctx.text)
        except ValidationError as err:  # the step's buttons again: "or press Skip" needs one
            return stay(Reply(error_text(ctx, err), buttons=field_buttons(ctx, field)))
        ctx.set_answer(field.key, value)
        return goto(next_step(ctx, field.key), *_noted(ctx, field, value))

    return Step(ask, handle, max_text=field.max_len)


EXCERPT = 60  # characters of a long answer shown back in "(now: …)"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of a long answer, on one line: enough to recognise it, not to re-read it."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def display_value(ctx: Ctx, key: str, value: Any = None) -> str:
    """An answer as the person reads it (`value`, or the answer to `key` given so far)."""
    value = ctx.answers.get(key) if value is None else value
    t = ctx.t
    if value is None:
        if key == "employment_end" and "employment_end" in ctx.answers:
            return t("still employed")
        return t("not given")
    if key == "amount":
        return t.money(Decimal(value))
    if key in ("employment_start", "employment_end"):
        return t.month(first_day(value)) if is_month(value) else t.date(first_day(value))
    if key == "claims":
        return "、".join(t(CATEGORIES[c]) for c in value if c in CATEGORIES)
    if key == "contact_time":
        return t(CONTACT_TIMES.get(value, value))
    if key == "workers_count":
        return t.number(value)
    return str(value)


async def discard_draft(ctx: Ctx) -> None:
    """Forget an unfinished application (the one in progress and a parked one): its answers
    and any evidence already sent. Only the person's confirmed cancel, refusing consent or
    starting over call this; detours park the draft instead (FlowRegistry.park)."""
    await delete_unfiled_attachments(ctx.session, ctx.conv.id)
    answers = kept_answers(ctx.conv.answers) if ctx.conv.flow == "dispute" else ctx.conv.answers
    ctx.conv.answers = {k: v for k, v in answers.items() if k != DRAFT}
