"""Intake steps (受理登记): collect the record fields of domain.md, asking only what applies.

Each text field is one row of FIELDS: the prompt for a worker and for an employer, the
validator, and whether it may be skipped. `next_step` walks ORDER and skips what does not
apply; while the person is changing one field from the summary, it returns to the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from handlers.casework.claims import CATEGORIES, CONTACT_TIMES
from handlers.casework.validators import (
    ValidationError,
    parse_amount,
    parse_count,
    parse_date,
    parse_free_text,
    parse_id_number,
    parse_mobile,
    parse_name,
    parse_uscc,
)
from handlers.conversation.context import Ctx
from handlers.conversation.flow import DRAFT, Step, StepResult, finish, goto, kept_answers, stay
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply, grid
from storage.drafts import delete_unfiled_attachments
from storage.models import Attachment

# Claim categories: stored as codes on the case, shown through the catalog.
ERRORS: dict[str, str] = {
    "phone.format": _(
        "That is not a mainland mobile number. Please send the 11 digits, for example 13812345678."
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


def _date(ctx: Ctx, text: str) -> str:
    return parse_date(text, today=ctx.today()).value.isoformat()


def _end_date(ctx: Ctx, text: str) -> str:
    value = parse_date(text, today=ctx.today()).value
    start = ctx.answers.get("employment_start")
    if start and value < date.fromisoformat(start):
        raise ValidationError("date.order")
    return value.isoformat()


FIELDS: dict[str, Field] = {
    f.key: f
    for f in [
        Field(
            "applicant_name",
            _("What is your full name?"),
            _("What is the full name of your unit (company or organisation)?"),
            lambda c, s: parse_name(s, max_len=100),
        ),
        Field(
            "phone",
            _("Your mobile number? Staff will use it to contact you."),
            _("A mobile number of the person handling this for your unit?"),
            lambda c, s: parse_mobile(s),
        ),
        Field(
            "id_number",
            _(
                "Your ID card number (optional; it helps staff confirm who you are). "
                "Press Skip to leave it out."
            ),
            _("The unit's unified social credit code (optional). Press Skip to leave it out."),
            lambda c, s: parse_uscc(s) if is_employer(c) else parse_id_number(s),
            optional=True,
        ),
        Field(
            "respondent_name",
            _(
                "What is the full name of the employer (company or person "
                "you worked for)? Write it as on your contract or pay slip "
                "if you can."
            ),
            _("What is the worker's full name?"),
            lambda c, s: parse_name(s, max_len=100),
        ),
        Field(
            "respondent_address",
            _("The employer's address (where it is registered or where its office is)?"),
            _("The worker's address (optional)."),
            lambda c, s: parse_free_text(s, max_len=300),
            optional=True,
        ),
        Field(
            "respondent_uscc",
            _(
                "The employer's unified social credit code, if you know it "
                "(18 characters, printed on its business licence). "
                "Otherwise press Skip."
            ),
            _("(not asked)"),
            lambda c, s: parse_uscc(s),
            optional=True,
        ),
        Field(
            "respondent_phone",
            _("A phone number for the employer, if you know one (optional)."),
            _("The worker's mobile number, if you know it (optional)."),
            lambda c, s: parse_mobile(s),
            optional=True,
        ),
        Field(
            "claims_text",
            _(
                "In a sentence or two: what do you ask for? For example "
                "\u201cpay my wages for March to May\u201d."
            ),
            _("In a sentence or two: what does your unit ask for?"),
            lambda c, s: parse_free_text(s, max_len=500),
        ),
        Field(
            "amount",
            _(
                "How much money do you claim in total, in yuan? If you are not "
                "claiming money, press \u201cNo amount\u201d."
            ),
            _("How much money is in dispute, in yuan? If none, press \u201cNo amount\u201d."),
            lambda c, s: str(parse_amount(s)),
            optional=True,
            skip_label=_("No amount"),
        ),
        Field(
            "employment_start",
            _("When did you start working there? (for example 2023-05 or 2023-05-10)"),
            _("When did the worker start working for your unit?"),
            _date,
            optional=True,
            skip_label=_("I don't remember"),
        ),
        Field(
            "employment_end",
            _(
                "When did the job end? If you still work there, press "
                "\u201cStill working there\u201d."
            ),
            _(
                "When did the job end? If the worker is still employed, press "
                "\u201cStill working there\u201d."
            ),
            _end_date,
            optional=True,
            skip_label=_("Still working there"),
        ),
        Field(
            "facts",
            _(
                "Please describe what happened in your own words: what, when, and "
                "what you have already tried. (at most 2000 characters)"
            ),
            _("Please describe what happened in your own words. (at most 2000 characters)"),
            lambda c, s: parse_free_text(s, max_len=2000),
        ),
        Field(
            "workers_count",
            _("How many workers are making this claim together?"),
            _("How many workers are involved?"),
            lambda c, s: parse_count(s, minimum=2, maximum=100000),
        ),
    ]
}

ORDER = [
    "applicant_name",
    "phone",
    "id_number",
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


def applies(ctx: Ctx, key: str) -> bool:
    facts = ctx.answers.get("result", {}).get("facts", {})
    if key == "respondent_uscc":
        return not is_employer(ctx)
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


def field_step(field: Field) -> Step:
    async def ask(ctx: Ctx) -> list[Reply]:
        prompt = field.employer_prompt if is_employer(ctx) else field.worker_prompt
        items = [Button(ctx.t(field.skip_label), f"s:{field.key}:skip")] if field.optional else []
        current = ctx.answers.get(field.key)
        text = ctx.t(prompt)
        if current:
            text += "\n" + ctx.t("(now: {value})", value=display_value(ctx, field.key))
            items.append(Button(ctx.t("Keep as it is"), f"s:{field.key}:keep"))
        return [Reply(text, buttons=grid(items, per_row=2))]

    async def handle(ctx: Ctx) -> StepResult:
        if ctx.choice == "keep" and ctx.answers.get(field.key):
            return goto(next_step(ctx, field.key))
        if ctx.choice == "skip" and field.optional:
            ctx.set_answer(field.key, None)
            return goto(next_step(ctx, field.key))
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
        except ValidationError as err:
            return stay(Reply(error_text(ctx, err)))
        ctx.set_answer(field.key, value)
        return goto(next_step(ctx, field.key))

    return Step(ask, handle)


def display_value(ctx: Ctx, key: str) -> str:
    value = ctx.answers.get(key)
    t = ctx.t
    if value is None:
        if key == "employment_end" and "employment_end" in ctx.answers:
            return t("still employed")
        return t("not given")
    if key == "amount":
        from decimal import Decimal

        return t.money(Decimal(value))
    if key in ("employment_start", "employment_end"):
        return t.date(date.fromisoformat(value))
    if key == "claims":
        return "、".join(t(CATEGORIES[c]) for c in value if c in CATEGORIES)
    if key == "contact_time":
        return t(CONTACT_TIMES.get(value, value))
    if key == "workers_count":
        return t.number(value)
    return str(value)


# --- consent -----------------------------------------------------------------------------
async def ask_consent(ctx: Ctx) -> list[Reply]:
    if ctx.answers.get("desk"):
        text = ctx.t(
            "Before registering: tell the party what the center collects and why, that "
            "only staff and the mediating departments see it, and that the ID number is "
            "optional (Personal Information Protection Law). Does the party agree?"
        )
        buttons = grid(
            [
                Button(ctx.t("The party agrees"), "s:consent:yes"),
                Button(ctx.t("The party does not agree"), "s:consent:no"),
            ]
        )
        return [Reply(text, buttons=buttons)]
    text = ctx.t(
        "Before you file: to handle your dispute the center needs your name, mobile number, "
        "the employer's details, what happened and any evidence you send. Your ID number is "
        "optional; it is sensitive personal information. Only staff of the center and the "
        "departments that mediate your case see these details, only to handle it, and they "
        "are kept with the case file as the law requires (Personal Information Protection "
        "Law). Do you agree?"
    )
    buttons = grid(
        [Button(ctx.t("I agree"), "s:consent:yes"), Button(ctx.t("I do not agree"), "s:consent:no")]
    )
    return [Reply(text, buttons=buttons)]


# The screening's main category, as a first guess for the claims list.
SCREEN_TO_CLAIM = {
    "wages": "pay",
    "social_insurance": "social_insurance",
    "injury_treatment": "injury",
    "labour_relationship": "relationship",
    "working_conditions": "hours_leave",
}


async def handle_consent(ctx: Ctx) -> StepResult:
    if ctx.choice == "yes":
        ctx.set_answer("consent", ctx.now().isoformat())
        facts = ctx.answers.get("result", {}).get("facts", {})
        if facts.get("category") in SCREEN_TO_CLAIM and "claims" not in ctx.answers:
            ctx.set_answer("claims", [SCREEN_TO_CLAIM[facts["category"]]])
        end = facts.get("end_date", "unknown")
        if end != "unknown" and "employment_end" not in ctx.answers:
            ctx.set_answer("employment_end", end)
        return goto(first_step())
    if ctx.choice == "no":
        await discard_draft(ctx)
        return finish(
            Reply(
                ctx.t(
                    "Understood. Nothing has been stored. You can still ask legal questions "
                    "without giving any personal details, or visit the center in person."
                ),
                buttons=((Button(ctx.t("Main menu"), "m:home"),),),
            )
        )
    return stay(Reply(ctx.t("Please choose one of the buttons.")), reask=True)


# --- claims (multiple choice) ------------------------------------------------------------
async def ask_claims(ctx: Ctx) -> list[Reply]:
    chosen = set(ctx.answers.get("claims") or [])
    items = [
        Button(("✅ " if code in chosen else "") + ctx.t(label), f"s:claims:{code}")
        for code, label in CATEGORIES.items()
    ]
    items.append(Button(ctx.t("Done"), "s:claims:done"))
    text = ctx.t("What is the dispute about? Choose all that apply, then press Done.")
    return [Reply(text, buttons=grid(items, per_row=2))]


async def handle_claims(ctx: Ctx) -> StepResult:
    chosen: list[str] = list(ctx.answers.get("claims") or [])
    if ctx.choice == "done" or (ctx.choice is None and ctx.text in ("完成", "done", "Done")):
        if not chosen:
            return stay(Reply(ctx.t("Please choose at least one.")), reask=True)
        return goto(next_step(ctx, "claims"))
    if ctx.choice in CATEGORIES:
        if ctx.choice in chosen:
            chosen.remove(ctx.choice)
        else:
            chosen.append(ctx.choice)
        ctx.set_answer("claims", chosen)
        return stay(reask=True)
    return stay(Reply(ctx.t("Please choose with the buttons, then press Done.")), reask=True)


# --- evidence ----------------------------------------------------------------------------
async def ask_evidence(ctx: Ctx) -> list[Reply]:
    count = await _evidence_count(ctx)
    text = ctx.t(
        "Evidence helps: photos or files of your contract, pay slips, bank records, chat "
        "records, attendance records. Send them now (up to {mb} MB each), then press Done. "
        "You can also bring them to the center later.",
        mb=ctx.settings.storage.max_attachment_mb,
    )
    if count:
        text += "\n" + ctx.t.n(
            "{count} file received so far.", "{count} files received so far.", count
        )
    buttons = grid([Button(ctx.t("Done"), "s:evidence:done")])
    return [Reply(text, buttons=buttons)]


async def handle_evidence(ctx: Ctx) -> StepResult:
    inbound = ctx.inbound
    replies: list[Reply] = []
    for refused in inbound.refused:
        if refused.reason == "too_large":
            replies.append(
                Reply(
                    ctx.t(
                        "That file is too large (the limit is {mb} MB). Please send a smaller "
                        "photo, or bring the original to the center.",
                        mb=ctx.settings.storage.max_attachment_mb,
                    )
                )
            )
        else:
            replies.append(
                Reply(
                    ctx.t("I could not receive that file. Please send it as a photo or a document.")
                )
            )
    for att in inbound.attachments:
        ctx.session.add(
            Attachment(
                conversation_id=ctx.conv.id,
                person_id=ctx.person.id,
                kind=att.kind,
                file_name=att.file_name[:255],
                mime_type=att.mime_type[:100],
                size=att.size,
                sha256=att.sha256,
                path=att.path,
            )
        )
    if inbound.attachments:
        await ctx.session.flush()
        count = await _evidence_count(ctx)
        replies.append(
            Reply(
                ctx.t.n(
                    "Received. {count} file so far; send more or press Done.",
                    "Received. {count} files so far; send more or press Done.",
                    count,
                ),
                buttons=grid([Button(ctx.t("Done"), "s:evidence:done")]),
            )
        )
        return stay(*replies)
    if replies:
        return stay(*replies)
    if ctx.choice == "done" or ctx.text.lower() in ("完成", "done", "没有", "无", "none"):
        return goto(next_step(ctx, "evidence"))
    return stay(Reply(ctx.t("Send photos or files, or press Done to go on.")), reask=True)


async def _evidence_count(ctx: Ctx) -> int:
    rows = await ctx.session.execute(
        select(Attachment.id).where(
            Attachment.conversation_id == ctx.conv.id, Attachment.case_id.is_(None)
        )
    )
    return len(rows.all())


# --- preferred contact time --------------------------------------------------------------
async def ask_contact_time(ctx: Ctx) -> list[Reply]:
    items = [
        Button(ctx.t(label), f"s:contact_time:{code}") for code, label in CONTACT_TIMES.items()
    ]
    text = ctx.t("When is it best for staff to call you? Choose, or type a time.")
    return [Reply(text, buttons=grid(items, per_row=2))]


async def handle_contact_time(ctx: Ctx) -> StepResult:
    if ctx.choice in CONTACT_TIMES:
        ctx.set_answer("contact_time", ctx.choice)
    elif ctx.text:
        try:
            ctx.set_answer("contact_time", parse_free_text(ctx.text, max_len=100))
        except ValidationError as err:
            return stay(Reply(error_text(ctx, err)))
    else:
        return stay(reask=True)
    return goto(next_step(ctx, "contact_time"))


async def discard_draft(ctx: Ctx) -> None:
    """Forget an unfinished application (the one in progress and a parked one): its answers
    and any evidence already sent. Only the person's confirmed cancel, refusing consent or
    starting over call this; detours park the draft instead (FlowRegistry.park)."""
    await delete_unfiled_attachments(ctx.session, ctx.conv.id)
    answers = kept_answers(ctx.conv.answers) if ctx.conv.flow == "dispute" else ctx.conv.answers
    ctx.conv.answers = {k: v for k, v in answers.items() if k != DRAFT}
