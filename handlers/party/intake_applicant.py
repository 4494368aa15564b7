"""The application, part one: consent to the record, then the applicant (name, phone, ID)."""

from __future__ import annotations

from handlers.casework.claims import EMPLOYER_CLAIMS, WORKER_CLAIMS
from handlers.casework.validators import (
    parse_free_text,
    parse_id_number,
    parse_mobile,
    parse_name,
    parse_uscc,
)
from handlers.conversation.context import Ctx
from handlers.conversation.flow import StepResult, finish, goto, stay
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.intake_form import Field, discard_draft, first_step, is_employer

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
            "contact_name",
            _("(not asked)"),
            _("The name of the person handling this for your unit?"),
            lambda c, s: parse_name(s, max_len=50),
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
            "applicant_address",
            _("(not asked)"),
            _("The unit's address (where it is registered or where its office is)?"),
            lambda c, s: parse_free_text(s, max_len=300),
            max_len=300,
        ),
    ]
}


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
        guess = SCREEN_TO_CLAIM.get(facts.get("category", ""))
        offered = EMPLOYER_CLAIMS if facts.get("role") == "employer" else WORKER_CLAIMS
        if guess in offered and "claims" not in ctx.answers:
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
