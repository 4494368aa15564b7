"""/publish: a typical case drafted from a closed case, anonymised, edited and approved by staff
before /broadcast can send it (issue 22)."""

from __future__ import annotations

from sqlalchemy import select

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.office.publications import draft_publication, render
from handlers.office.typical_case import draft_from_case
from handlers.staff.cases import case_or_reply
from handlers.staff.registry import DESK, command, log_access, usage
from knowledge.publications import AUDIENCES, load_publications
from storage.models import Case, PublicationDraft, Staff

PUBLISHABLE = {"agreement", "failed", "withdrawn", "closed"}
FIELDS = {
    "title": "title_zh",
    "title_en": "title_en",
    "text": "text_zh",
    "text_en": "text_en",
    "law": "law",
    "audience": "audience",
}


@command(
    "publish",
    "/publish CASE | list | show tc-N | edit tc-N FIELD TEXT | approve tc-N",
    "draft a typical case from a closed case (anonymised), edit it "
    "(fields: title, title_en, text, text_en, law, audience) and approve it for /broadcast",
    roles=DESK,
)
async def publish(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    word, _, rest = arg.strip().partition(" ")
    if not word:
        return [usage(ctx, "publish")]
    if word == "list":
        return [await _list(ctx)]
    if word in ("show", "edit", "approve"):
        ref, _, more = rest.strip().partition(" ")
        row = await _draft(ctx, ref)
        if row is None:
            return [Reply(ctx.t("No draft {ref}. /publish list shows them.", ref=ref[:20]))]
        if word == "show":
            return _show(ctx, row)
        if word == "edit":
            return _edit(ctx, row, more)
        return await _approve(ctx, staff, row)
    case = await case_or_reply(ctx, arg.strip(), "publish")
    if isinstance(case, Reply):
        return [case]
    if case.state not in PUBLISHABLE:
        return [
            Reply(
                ctx.t(
                    "Case {number} is not closed yet: only a finished case can become "
                    "a typical case.",
                    number=case.number,
                )
            )
        ]
    core = ctx.core
    row = draft_from_case(
        ctx.settings, core.translator("zh_CN"), core.translator("en"), case, ctx.actor
    )
    ctx.session.add(row)
    await ctx.session.flush()
    await log_access(ctx, "publish_draft", case.id, f"tc-{row.id}")
    return [
        Reply(
            ctx.t(
                "Draft tc-{id} made from case {number}, without names, numbers or "
                "places finer than the street; amounts are rounded.",
                id=row.id,
                number=case.number,
            )
        ),
        *_show(ctx, row),
    ]


async def _draft(ctx: Ctx, ref: str) -> PublicationDraft | None:
    raw = ref.removeprefix("tc-")
    return await ctx.session.get(PublicationDraft, int(raw)) if raw.isdecimal() else None


def _show(ctx: Ctx, row: PublicationDraft) -> list[Reply]:
    state = ctx.t("approved") if row.status == "approved" else ctx.t("draft")
    preview = render(ctx.t, draft_publication(row), buttons=False)
    head = ctx.t(
        "tc-{id} ({state}), audience: {audience}", id=row.id, state=state, audience=row.audience
    )
    steps = ctx.t(
        "Change a field: /publish edit tc-{id} FIELD TEXT; when it is right: "
        "/publish approve tc-{id}",
        id=row.id,
    )
    return [Reply(f"{head}\n\n{preview.text}\n\n{steps}")]


def _edit(ctx: Ctx, row: PublicationDraft, rest: str) -> list[Reply]:
    field, _, text = rest.strip().partition(" ")
    text = text.strip()
    if field not in FIELDS or not text:
        return [
            Reply(
                ctx.t(
                    "Write /publish edit tc-{id} FIELD TEXT, FIELD one of: {fields}.",
                    id=row.id,
                    fields=", ".join(FIELDS),
                )
            )
        ]
    if field == "audience" and text not in AUDIENCES:
        return [Reply(ctx.t("The audience is one of: {choices}.", choices=", ".join(AUDIENCES)))]
    setattr(row, FIELDS[field], text[:4000] if field.startswith("text") else text[:200])
    if row.status == "approved":  # an edit needs a new approval
        row.status, row.approved_by, row.approved_at = "draft", None, None
    return [Reply(ctx.t("Saved. It is a draft again until approved.")), *_show(ctx, row)]


async def _approve(ctx: Ctx, staff: Staff, row: PublicationDraft) -> list[Reply]:
    if staff.role != "admin":
        return [Reply(ctx.t("Only an admin can approve a publication."))]
    if not row.law.strip():
        return [
            Reply(
                ctx.t(
                    "Cite the law first: /publish edit tc-{id} law TEXT (the articles "
                    "checked against the official text).",
                    id=row.id,
                )
            )
        ]
    case = await ctx.session.get(Case, row.case_id) if row.case_id else None
    if case is not None and (found := leaks(case, row, ctx.settings.center.streets)):
        return [
            Reply(
                ctx.t(
                    "Not approved: the text names something of the case ({what}). "
                    "Edit it out first.",
                    what=", ".join(found),
                )
            )
        ]
    row.status, row.approved_by, row.approved_at = "approved", ctx.actor, ctx.now()
    return [
        Reply(
            ctx.t("Approved: tc-{id} can now be sent with /broadcast tc-{id} AUDIENCE.", id=row.id)
        )
    ]


def leaks(case: Case, row: PublicationDraft, streets: list[str]) -> list[str]:
    """Which personal details of the case an (edited) draft contains (a place of work that is
    just a street's name may be named: the draft names the street)."""
    text = " ".join((row.title_zh, row.title_en, row.text_zh, row.text_en, row.law))
    found = []
    for label, value in (
        ("applicant", case.applicant_name),
        ("respondent", case.respondent_name),
        ("credit code", case.applicant_uscc),
        ("credit code", case.respondent_uscc),
        ("phone", case.applicant_phone),
        ("phone", case.respondent_phone),
        ("ID number", case.applicant_id_number),
        ("address", case.respondent_address),
        ("place of work", None if case.work_place in streets else case.work_place),
        ("case number", case.number),
    ):
        if value and len(value) >= 2 and value in text and label not in found:
            found.append(label)
    return found


async def _list(ctx: Ctx) -> Reply:
    lines = [ctx.t("Publications (send with /broadcast ID AUDIENCE):")]
    for pub in load_publications().values():
        lines.append(f"{pub.id} — {pub.field('title', ctx.t.locale)}")
    rows = (
        (
            await ctx.session.execute(
                select(PublicationDraft).order_by(PublicationDraft.id.desc()).limit(20)
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        state = ctx.t("approved") if row.status == "approved" else ctx.t("draft")
        lines.append(f"tc-{row.id} ({state}) — {row.title_zh}")
    return Reply("\n".join(lines))
