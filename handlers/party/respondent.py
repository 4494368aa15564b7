"""The other side of a case: bind with case number + one-time code, then agree or decline.

```mermaid
stateDiagram-v2
    [*] --> number
    number --> code: looks like a case number
    code --> [*]: code matches (bound; status shown with agree / decline)
    code --> code: wrong code (counted per account: waits 1, 2 min, then a day)
```
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta

from handlers.casework import followups
from handlers.casework.binding import code_hash
from handlers.casework.deadlines import latest_safe_arbitration_date
from handlers.casework.lifecycle import ENDED, IllegalTransition, transition
from handlers.conversation.context import Ctx
from handlers.conversation.flow import Flow, Step, StepResult, finish, goto, stay
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.status import my_cases
from storage.cases import add_event, find_case_by_number
from storage.models import Case

MAX_FAILURES = 5  # wrong codes from one account before it waits a day
FREE_TRIES = 3  # from the third wrong code on, the account waits before the next try
FAILURE_WINDOW = timedelta(hours=24)
CASE_ALERT = 10  # wrong codes for one case (from any accounts) that alert the work group
CASE_NUMBER = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{6}$")


async def ask_number(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            ctx.t(
                "Please send the case number you were given, for example LJ-2026-000123. "
                "Type /cancel to stop."
            )
        )
    ]


async def handle_number(ctx: Ctx) -> StepResult:
    number = ctx.text.upper().replace(" ", "").replace("—", "-")
    if not CASE_NUMBER.match(number):
        return stay(
            Reply(
                ctx.t(
                    "That does not look like a case number. It looks like "
                    "LJ-2026-000123. Please check it."
                )
            )
        )
    ctx.set_answer("number", number)
    return goto("code")


async def ask_code(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.t("Now send the 6-digit code the center gave you for this case."))]


def _pause(failures: int) -> timedelta:
    """How long an account waits after `failures` wrong codes: nothing after the first two,
    then 1 and 2 minutes, then (at MAX_FAILURES) a day. Only this account waits, never the
    case: the real party, on another account, can still link."""
    if failures < FREE_TRIES:
        return timedelta(0)
    if failures >= MAX_FAILURES:
        return FAILURE_WINDOW
    return timedelta(minutes=2 ** (failures - FREE_TRIES))


def _attempts(ctx: Ctx) -> tuple[int, datetime | None]:
    """This account's wrong codes in the last day, and when the latest was sent."""
    state = ctx.answers.get("_bind") or {}
    last = datetime.fromisoformat(state["last"]) if state.get("last") else None
    if last is None or ctx.now() - last >= FAILURE_WINDOW:
        return 0, None
    return int(state.get("failures", 0)), last


async def handle_code(ctx: Ctx) -> StepResult:
    failures, last = _attempts(ctx)
    if last is not None and ctx.now() < last + _pause(failures):
        return _wait(ctx, failures, last + _pause(failures))
    code = re.sub(r"\s", "", ctx.text)
    case = await find_case_by_number(ctx.session, ctx.answers.get("number", ""))

    def matches(stored: str | None) -> bool:
        return stored is not None and hmac.compare_digest(
            stored, code_hash(case.number or "", code) if case else ""
        )

    as_applicant = case is not None and matches(case.applicant_code_hash)
    ok = case is not None and (as_applicant or matches(case.respondent_code_hash))
    if not ok or case is None:
        failures += 1
        ctx.set_answer("_bind", {"failures": failures, "last": ctx.now().isoformat()})
        if case is not None:
            await _count_case_failure(ctx, case)
        if _pause(failures):
            return _wait(ctx, failures, ctx.now() + _pause(failures))
        return stay(
            Reply(
                ctx.t(
                    "The case number and code do not match. Please check both and "
                    "send the code again, or type /cancel."
                )
            )
        )
    if as_applicant:  # registered for the party at the desk: they follow it from now on
        case.applicant_person_id = ctx.person.id
        case.applicant_code_hash = None
        await add_event(ctx.session, case, actor=ctx.actor, action="applicant_bound")
        ctx.drop_answer("_bind")
        linked = Reply(ctx.t("Linked. You can now follow case {number}.", number=case.number))
        return finish(linked, *await my_cases(ctx))
    if case.applicant_person_id == ctx.person.id:
        return finish(Reply(ctx.t("You filed this case yourself; it is already in /status.")))
    if case.respondent_person_id not in (None, ctx.person.id):
        return finish(
            Reply(
                ctx.t(
                    "This case is already linked to someone else. If that is "
                    "wrong, please contact the center."
                )
            )
        )
    case.respondent_person_id = ctx.person.id
    case.respondent_code_hash = None  # one-time
    await add_event(ctx.session, case, actor=ctx.actor, action="respondent_bound")
    ctx.drop_answer("_bind")
    replies = [Reply(ctx.t("Linked. You can now follow case {number}.", number=case.number))]
    return finish(*replies, *await my_cases(ctx))


def _wait(ctx: Ctx, failures: int, until: datetime) -> StepResult:
    """Slow down guessing from this account; other accounts (the real party) are not held."""
    if failures >= MAX_FAILURES:
        return finish(
            Reply(
                ctx.t(
                    "Too many wrong codes from this account. For safety, linking from this "
                    "account is locked until {when}. If you lost the code, contact the center: "
                    "staff can give you a new one.",
                    when=ctx.t.datetime(until),
                )
            )
        )
    return stay(
        Reply(
            ctx.t(
                "Too many wrong codes. Please check the code and wait until {when} before "
                "sending it again, or type /cancel.",
                when=ctx.t.datetime(until),
            )
        )
    )


async def _count_case_failure(ctx: Ctx, case: Case) -> None:
    """Every wrong code for a case is in its history (who tried, for /code to tell them);
    the work group hears once when a case draws many, as a sign someone is guessing."""
    case.respondent_code_failures += 1
    await add_event(
        ctx.session, case, actor=ctx.actor, action="bind_failed", note=f"#P{ctx.person.id}"
    )
    if case.respondent_code_failures == CASE_ALERT:
        await ctx.notify_staff(
            f"case:{case.number}:bind_failures",
            _(
                "Case {number} has had {count} wrong linking codes. If its party cannot link, "
                "/code {number} issues a new code (the old one stops working)."
            ),
            number=case.number,
            site=case.site,
            count=CASE_ALERT,
        )


BIND_FLOW = Flow(
    name="bind",
    start="number",
    steps={"number": Step(ask_number, handle_number), "code": Step(ask_code, handle_code)},
)


async def on_case_button(ctx: Ctx, payload: str) -> list[Reply]:
    """Respondent's agree / decline; only the bound respondent may press them."""
    number, _, action = payload.rpartition(":")
    case = await find_case_by_number(ctx.session, number)
    t = ctx.t
    if case is None or case.respondent_person_id != ctx.person.id:
        return [Reply(t("You can only respond to cases linked to you. Use /bind first."))]
    if case.respondent_response is not None or case.state in ENDED:
        return [Reply(t("You have already responded to case {number}.", number=case.number))]
    if action == "agree":
        case.respondent_response = "agreed"
        await add_event(ctx.session, case, actor=ctx.actor, action="respondent_agreed")
        await _tell_applicant_agreed(ctx, case)
        return [
            Reply(
                t(
                    "Thank you. You agreed to mediation of case {number}; staff will "
                    "contact you to arrange a session.",
                    number=case.number,
                )
            )
        ]
    if action == "decline":
        return [
            Reply(
                t(
                    "Mediation is voluntary. If you decline, mediation of case {number} ends and "
                    "the applicant may apply for arbitration. Decline?",
                    number=case.number,
                ),
                buttons=grid(
                    [
                        Button(t("Yes, decline"), f"case:{case.number}:decline_yes"),
                        Button(t("No, go back"), "m:status"),
                    ]
                ),
            )
        ]
    if action == "decline_yes":
        try:
            await transition(
                ctx.session,
                case,
                "declined_by_respondent",
                actor=ctx.actor,
                note="declined by the respondent",
            )
        except IllegalTransition:
            return [Reply(t("Case {number} can no longer be declined.", number=case.number))]
        case.respondent_response = "declined"
        case.outcome_at = ctx.now()
        await followups.schedule_after_outcome(ctx, case)
        await _tell_applicant_declined(ctx, case)
        return [
            Reply(
                t(
                    "You declined mediation of case {number}. The applicant has been told.",
                    number=case.number,
                )
            )
        ]
    return [Reply(t("That button is no longer in use."))]


async def _tell_applicant_agreed(ctx: Ctx, case: Case) -> None:
    if case.applicant_person_id is None:
        return
    t = await ctx.core.person_translator(ctx.session, case.applicant_person_id)
    text = t(
        "The other side of case {number} has agreed to mediation. Staff will "
        "contact you to arrange it.",
        number=case.number,
    )
    await ctx.push_to_person(case.applicant_person_id, f"case:{case.number}:agreed", [Reply(text)])
    await ctx.notify_staff(
        f"case:{case.number}:agreed:staff",
        _("The respondent of case {number} agreed to mediation."),
        number=case.number,
        site=case.site,
    )


async def _tell_applicant_declined(ctx: Ctx, case: Case) -> None:
    """Declining ends mediation: the applicant hears that arbitration is the next route."""
    if case.applicant_person_id is None:
        return
    t = await ctx.core.person_translator(ctx.session, case.applicant_person_id)
    deadline = latest_safe_arbitration_date(ctx.settings, case) or ctx.today()
    text = t(
        "The other side of case {number} has declined mediation, so mediation at the center "
        "has ended. You may apply for labour dispute arbitration to the labour and personnel "
        "dispute arbitration commission; arbitration is free of charge (Labour Dispute "
        "Mediation and Arbitration Law, art. 53). The one-year time limit was interrupted when "
        "you applied for mediation (art. 27); to be safe, apply no later than {deadline}. "
        "Bring your evidence and this case number.",
        number=case.number,
        deadline=t.date(deadline),
    )
    await ctx.push_to_person(
        case.applicant_person_id, f"case:{case.number}:declined", [Reply(text)]
    )
    await ctx.notify_staff(
        f"case:{case.number}:declined:staff",
        _(
            "The respondent of case {number} declined mediation; the applicant has "
            "been told that arbitration is the next route."
        ),
        number=case.number,
        site=case.site,
    )
