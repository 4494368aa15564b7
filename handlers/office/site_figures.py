"""The sites of the district network in the figures (issue 21): names, the per-site breakdown
and the ranking of the sites against the agreement target.

A site is named by `settings.sites` (the district center, id "center", by the center's own
name); a site id found on cases but no longer configured shows as its id. A single-site
install (no site but the center configured, and every case at the center) shows no per-site
part at all, so its reports read as they always did.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_percent

from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.office.stats import MonthFigures, SiteFigures
from settings import Settings

CENTER = "center"
MEETS = _("target met")
BELOW = _("below target")
NONE_CONCLUDED = _("no case concluded")


def site_name(settings: Settings, site: str, locale: str) -> str:
    """The site's name in the reader's language (Chinese name when there is no English one)."""
    for config in settings.sites:
        if config.id == site:
            if config.name_en and locale != "zh_CN":
                return config.name_en
            if config.name:
                return config.name
            break
    if site == CENTER:
        return settings.center.display_name(locale)
    return site


def site_names(settings: Settings, locale: str, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Every configured site (the center first) and any `extra` id, with its name."""
    ids = dict.fromkeys([CENTER, *(s.id for s in settings.sites), *extra])
    return {site: site_name(settings, site, locale) for site in ids}


def multi_site(settings: Settings, fig: MonthFigures | None = None) -> bool:
    """A site besides the center is configured, or (in `fig`) handled cases."""
    if any(s.id != CENTER for s in settings.sites):
        return True
    return fig is not None and any(site != CENTER for site in fig.by_site)


@dataclass(frozen=True)
class SiteRank:
    site: str
    name: str
    figures: SiteFigures
    meets: bool | None  # None: nothing concluded in the month, so no rate to judge


def rank_sites(settings: Settings, fig: MonthFigures, locale: str) -> list[SiteRank]:
    """Every site, best agreement rate first; sites that concluded nothing come last."""
    target = settings.center.site_agreement_target
    names = site_names(settings, locale, tuple(fig.by_site))
    ranks = []
    for site, name in names.items():
        figures = fig.by_site.get(site, SiteFigures())
        rate = figures.agreement_rate
        ranks.append(SiteRank(site, name, figures, None if rate is None else rate >= target))

    def key(rank: SiteRank) -> tuple[bool, float, int, str]:
        rate = rank.figures.agreement_rate
        return (rate is None, -(rate or 0.0), -rank.figures.concluded, rank.name)

    return sorted(ranks, key=key)


def _percent(t: Translator, value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=t.locale)


def _days(t: Translator, value: float | None) -> str:
    return "—" if value is None else t.number(Decimal(str(round(value, 1))))


def site_lines(t: Translator, settings: Settings, fig: MonthFigures) -> list[str]:
    """The per-site part of a district report: the sites ranked against the target, each with
    its figures. Empty for a single-site install."""
    if fig.site is not None or not multi_site(settings, fig):
        return []
    target = settings.center.site_agreement_target
    lines = [
        t(
            "Sites, by agreement rate (target: {target} of concluded cases settled by agreement):",
            target=_percent(t, target),
        )
    ]
    for place, rank in enumerate(rank_sites(settings, fig, t.locale), start=1):
        f = rank.figures
        verdict = NONE_CONCLUDED if rank.meets is None else MEETS if rank.meets else BELOW
        lines.append(
            t(
                "{place}. {site}: received {received} · concluded {concluded} · agreements "
                "{agreements} ({rate}, {verdict}) · on time {on_time} · median days {days} · "
                "satisfaction {satisfaction}",
                place=t.number(place),
                site=rank.name,
                received=t.number(f.received),
                concluded=t.number(f.concluded),
                agreements=t.number(f.agreements),
                rate=_percent(t, f.agreement_rate),
                verdict=t(verdict),
                on_time=_percent(t, f.on_time_rate),
                days=_days(t, f.median_days),
                satisfaction=_days(t, f.satisfaction),
            )
        )
    below = [r.name for r in rank_sites(settings, fig, t.locale) if r.meets is False]
    if below:
        lines.append(t("Below the target: {sites}", sites=t.join(below)))
    return lines
