"""/stats and /export for staff, and the monthly report to the work group (seed 000 §六(四))."""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_percent
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.claims import CATEGORIES
from handlers.casework.lifecycle import STATE_LABELS
from handlers.casework.references import DEPARTMENTS
from handlers.conversation.context import Ctx
from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from handlers.office.charts import chart_file, site_chart_file
from handlers.office.ledger import build_ledger, write_xlsx
from handlers.office.risk_levels import current_summary
from handlers.office.risk_text import summary_text
from handlers.office.site_figures import multi_site, rank_sites, site_lines, site_name, site_names
from handlers.office.stats import (
    MonthFigures,
    add_months,
    month_figures,
    month_label,
    month_start,
    parse_month,
    previous_month,
)
from handlers.office.trend import month_trend
from handlers.staff import broadcast
from handlers.staff.registry import command, log_access
from settings import Settings
from storage.models import Staff

SOURCES = {"telegram": _("Telegram"), "wechat": _("WeChat"), "console": _("console")}
UNKNOWN = _("unknown")
NO_DEPARTMENT = _("the center itself")


def reports_dir(settings: Settings) -> Path:
    return Path(settings.storage.files_dir) / "reports"


# --- the figures as text ---------------------------------------------------------------
def _counts(t: Translator, counts: dict[str, int], labels: dict[str, str], other: str) -> str:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return " · ".join(
        f"{t(labels[k]) if k in labels else (k or t(other))} {t.number(v)}" for k, v in ordered
    )


def _decimal(t: Translator, value: float | None) -> str:
    return "—" if value is None else t.number(Decimal(str(round(value, 1))))


def _percent(t: Translator, value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=t.locale)


def figures_text(
    t: Translator, fig: MonthFigures, *, current: bool = False, settings: Settings | None = None
) -> str:
    """The month's figures as a message; `current` for a month not yet over. With `settings`
    of a district with several sites: the site the figures are of, or the sites ranked."""
    lines = _figures_lines(t, fig, current=current)
    if settings is not None and fig.site is not None and multi_site(settings, fig):
        lines[0] += " · " + site_name(settings, fig.site, t.locale)
    if settings is not None:
        lines += site_lines(t, settings, fig)
    return "\n".join(lines)


def _figures_lines(t: Translator, fig: MonthFigures, *, current: bool) -> list[str]:
    month = month_label(t.locale, fig.month)
    if current:
        head = t("Figures for {month}, so far (to {date})", month=month, date=t.date(fig.as_of))
        at_end = t("now")
    else:
        head = t("Figures for {month}", month=month)
        at_end = t("at the end of the month")
    lines = [
        head,
        t(
            "Cases received: {count} (collective: {collective})",
            count=t.number(fig.received),
            collective=t.number(fig.collective),
        ),
    ]
    if fig.received:
        lines += [
            t("By category: {list}", list=_counts(t, fig.by_category, CATEGORIES, UNKNOWN)),
            t(
                "Where they stand {when}: {list}",
                when=at_end,
                list=_counts(t, fig.by_outcome, STATE_LABELS, UNKNOWN),
            ),
            t("By channel: {list}", list=_counts(t, fig.by_source, SOURCES, UNKNOWN)),
        ]
        if fig.by_entry_source:
            sites = _counts(t, fig.by_entry_source, {}, UNKNOWN)
            lines.append(t("From QR sites: {list}", list=sites))
        depts = _counts(t, fig.by_department, DEPARTMENTS, NO_DEPARTMENT)
        lines.append(t("By department: {list}", list=depts))
        lines.append(t("Amount claimed: {amount}", amount=t.money(fig.amount_claimed)))
    lines.append(
        t(
            "Concluded in the month: {count} ({list})",
            count=t.number(fig.concluded),
            list=_counts(t, fig.concluded_by_outcome, STATE_LABELS, UNKNOWN) or "—",
        )
    )
    if fig.concluded:
        lines += [
            t("Agreement rate: {rate}", rate=_percent(t, fig.agreement_rate)),
            t("Amount agreed: {amount}", amount=t.money(fig.amount_agreed)),
            t(
                "Days from receipt to outcome: mean {mean}, median {median}",
                mean=_decimal(t, fig.mean_days),
                median=_decimal(t, fig.median_days),
            ),
        ]
    lines.append(t("Overdue {when}: {count}", when=at_end, count=t.number(fig.overdue)))
    lines.append(
        t(
            "Satisfaction: {mean} of 5 ({count} answers)",
            mean=_decimal(t, fig.satisfaction_mean),
            count=t.number(fig.satisfaction_count),
        )
    )
    kept = fig.fulfilment_counts
    lines.append(
        t(
            "Agreements carried out: {rate} (yes {yes} · partly {partly} · no {no})",
            rate=_percent(t, fig.fulfilment_rate),
            yes=t.number(kept.get("yes", 0)),
            partly=t.number(kept.get("partly", 0)),
            no=t.number(kept.get("no", 0)),
        )
    )
    return lines


async def text_and_chart(
    session: AsyncSession, settings: Settings, t: Translator, fig: MonthFigures, name: str
) -> tuple[str, list[Path]]:
    """The figures as text, and the chart (with the 12-month trend) at `reports/{name}.png`;
    for a district with several sites, also the sites' chart at `reports/{name}-sites.png`."""
    trend = await month_trend(session, fig.month, settings.tz, site=fig.site)
    current = fig.as_of < month_start(add_months(fig.month, 1), settings.tz)
    paths = [await chart_file(fig, trend, t, reports_dir(settings) / f"{name}.png")]
    if fig.site is None and multi_site(settings, fig):
        ranks = rank_sites(settings, fig, t.locale)
        target = settings.center.site_agreement_target
        where = reports_dir(settings) / f"{name}-sites.png"
        paths.append(await site_chart_file(fig.month, ranks, target, t, where))
    return figures_text(t, fig, current=current, settings=settings), paths


# --- commands ----------------------------------------------------------------------------
def _month_arg(ctx: Ctx, arg: str, *, default: date | None) -> date | Reply | None:
    """The month asked for, the default when none, or a reply explaining what was wrong."""
    word = arg.split()[0] if arg.split() else ""
    if not word:
        return default
    month = parse_month(word)
    if month is None:
        return Reply(
            ctx.t(
                "I could not read “{text}” as a month. Write the year and month, like {example}.",
                text=word[:20],
                example=previous_month(ctx.now(), ctx.settings.tz).strftime("%Y-%m"),
            )
        )
    if month_start(month, ctx.settings.tz) > ctx.now():
        return Reply(ctx.t("{month} has not begun yet.", month=month_label(ctx.t.locale, month)))
    return month


def _site_arg(ctx: Ctx, arg: str) -> tuple[str | None, str] | Reply:
    """(the site asked for or None, the rest of `arg`), or a reply naming the known sites.

    A first word that is not a month is a site id; a single-site install has only "center".
    """
    words = arg.split()
    if not words or parse_month(words[0]) is not None:
        return None, arg
    known = site_names(ctx.settings, ctx.t.locale)
    if words[0] in known:
        return words[0], " ".join(words[1:])
    if len(words) == 1 and (not multi_site(ctx.settings) or any(c.isdecimal() for c in arg)):
        return None, arg  # "/stats 2026-13", "/stats March": the month's error message
    return Reply(
        ctx.t(
            "There is no site “{site}”. The sites are: {sites}.",
            site=words[0][:40],
            sites=ctx.t.join(f"{code} ({name})" for code, name in known.items()),
        )
    )


@command(
    "stats",
    "/stats [SITE] [YYYY-MM]",
    "monthly figures with a chart (default: last month; a site's own with SITE)",
)
async def stats(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    site = _site_arg(ctx, arg)
    if isinstance(site, Reply):
        return [site]
    month = _month_arg(ctx, site[1], default=previous_month(ctx.now(), ctx.settings.tz))
    if isinstance(month, Reply):
        return [month]
    assert month is not None
    fig = await month_figures(ctx.session, month, ctx.settings.tz, now=ctx.now(), site=site[0])
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", site[0] or "all")
    name = f"stats-{month:%Y-%m}-{safe}-{ctx.t.locale}"
    text, paths = await text_and_chart(ctx.session, ctx.settings, ctx.t, fig, name)
    caption = month_label(ctx.t.locale, month)
    text += "\n" + await broadcast.figures_text(ctx)  # subscriptions (issue 22), all time
    return [Reply(text), *(Reply(caption, image=str(path)) for path in paths)]


@command(
    "export",
    "/export [YYYY-MM]",
    "the case ledger as an Excel file (all cases, or those received in a month); "
    "names masked in the group, full details for admins in a private chat",
)
async def export(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    month = _month_arg(ctx, arg, default=None)
    if isinstance(month, Reply):
        return [month]
    full = ctx.inbound.chat_kind == "private" and staff.role == "admin"
    sites = site_names(ctx.settings, ctx.t.locale) if multi_site(ctx.settings) else None
    ledger = await build_ledger(
        ctx.session, ctx.t, ctx.settings.tz, month=month, masked=not full, sites=sites
    )
    period = month.strftime("%Y-%m") if month else "all"
    path = reports_dir(ctx.settings) / f"{secrets.token_urlsafe(24)}.xlsx"  # 0600, removed
    title = month_label(ctx.t.locale, month) if month else ctx.t("all cases")
    await asyncio.to_thread(write_xlsx, ledger, path, title)  # all cases can take a while
    if full:
        for case_id in ledger.case_ids:
            await log_access(ctx, "export_ledger", case_id, detail=period)
        note = ctx.t(
            "Case ledger, {period}: {count} cases, with full personal data. The export has "
            "been logged; keep the file safe.",
            period=title,
            count=ctx.t.number(len(ledger.rows)),
        )
    else:
        note = ctx.t(
            "Case ledger, {period}: {count} cases. Names are masked and phone and ID numbers "
            "left out; admins get the full ledger in a private chat with the bot.",
            period=title,
            count=ctx.t.number(len(ledger.rows)),
        )
    file_name = f"ledger-{period}{'' if full else '-masked'}.xlsx"
    return [Reply(note, document=str(path), file_name=file_name, temporary=True)]


# --- the monthly report --------------------------------------------------------------------
async def monthly_report(core: Core, session: AsyncSession, now: datetime) -> list[Reply] | None:
    """Last month's figures and chart for the work group, in the center's language; None when
    nothing at all happened in the month (no case received, concluded or overdue, no
    follow-up answer). The caller runs it once a month and puts the replies in the outbox."""
    settings, t = core.settings, core.translator()
    month = previous_month(now, settings.tz)
    name = f"monthly-{month:%Y-%m}"
    fig = await month_figures(session, month, settings.tz, now=now)
    if fig.empty:
        return None
    text, paths = await text_and_chart(session, settings, t, fig, name)
    head = t("Monthly report of {center}", center=settings.center.display_name(t.locale))
    evaluate = settings.risk.evaluate_minutes  # the periodic check's levels, if recent
    risk = summary_text(t, await current_summary(session, settings.tz, now, evaluate))
    report = f"{head}\n{text}\n{risk}"
    caption = month_label(t.locale, month)
    return [Reply(report), *(Reply(caption, image=str(path)) for path in paths)]
