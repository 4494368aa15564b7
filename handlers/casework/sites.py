"""The district network's sites in casework: which site a filing goes to, how a site is
named and reached, and the one site a station's staff may see.

A filing goes, in this order, to the site of the QR code that opened the bot; else to a
trade or park body whose industries name the employer's line of business (a Chinese
enterprise name carries it: 企业名称登记管理规定 第六条, e.g. "…建筑工程有限公司"); else to the
station or workroom serving the street/town where the work is done (or, failing that,
where the employer is), as chosen in the screening; else to the district center.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from settings import CENTER_SITE, Settings, SiteSettings
from storage.models import Case

KIND_LABELS = {
    "center": _("district center"),
    "workroom": _("mediators' workroom"),
    "station": _("street/town station"),
    "park": _("industrial park body"),
    "trade": _("trade body"),
}


class OutOfSite(Exception):
    """A station's staff named a case of another site."""

    def __init__(self, case: Case) -> None:
        super().__init__(case.number)
        self.case = case


def route_filing(
    settings: Settings, *, entry: str | None, facts: Mapping[str, Any], employer_name: str
) -> str:
    """The site a new filing goes to (see the module's docstring for the order)."""
    sites = settings.all_sites()
    if entry and settings.site(entry) is not None:
        return entry
    for site in sites:
        if site.kind in ("trade", "park") and any(w in employer_name for w in site.industries):
            return site.id
    for street_fact in ("work_street", "employer_street"):
        street = facts.get(street_fact)
        for site in sites:
            if street and site.id != CENTER_SITE and street in site.streets:
                return site.id
    return CENTER_SITE


def site_name(settings: Settings, t: Translator, site_id: str | None) -> str:
    """The site's name in the reader's language; an unconfigured id as it is."""
    site = settings.site(site_id)
    return site.display_name(t.locale, settings.center) if site else str(site_id)


def office_lines(settings: Settings, t: Translator, site: SiteSettings) -> list[str]:
    """The site's address and opening hours and the center's telephone: those configured."""
    lines = []
    if site.address:
        lines.append(t("Address: {address}", address=site.address))
    if site.hours:
        lines.append(t("Opening hours: {hours}", hours=site.hours))
    if settings.center.phone:
        lines.append(t("Telephone of the district center: {phone}", phone=settings.center.phone))
    return lines


def contact_text(settings: Settings, t: Translator, site: SiteSettings) -> str:
    """Who handles the case: the site's name, address and hours, for the party."""
    handled = t("It is now handled by {name}.", name=site.display_name(t.locale, settings.center))
    return "\n".join([handled, *office_lines(settings, t, site)])


def center_office_text(settings: Settings, t: Translator) -> str | None:
    """The district center's name, address, hours and telephone; None when none is set."""
    center = settings.all_sites()[0]  # the center: always there, always first
    lines = office_lines(settings, t, center)
    if not lines:
        return None
    return "\n".join([f"🏢 {center.display_name(t.locale, settings.center)}", *lines])


def check_site(ctx: Ctx, case: Case) -> None:
    """Raise OutOfSite when the staff command's site scope does not include the case."""
    if ctx.site_scope is not None and case.site != ctx.site_scope:
        raise OutOfSite(case)


def scope_conditions(ctx: Ctx) -> list[Any]:
    """SQL conditions that keep a list to the command's site (none for district staff)."""
    return [] if ctx.site_scope is None else [Case.site == ctx.site_scope]
