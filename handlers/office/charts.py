"""The monthly chart: the month's cases by category and outcome, and a 12-month trend.

Drawn with matplotlib's Agg canvas (no display, no pyplot state) in the font shipped in
knowledge/fonts (a subset of Noto Sans CJK SC), so Chinese labels render on any machine.
Run `python -m handlers.office.charts OUT.png [LOCALE]` to draw the README's sample from
made-up data.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers.casework.claims import CATEGORIES
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.office.site_figures import SiteRank
from handlers.office.stats import CHART_GROUPS, MonthFigures, add_months, month_label
from handlers.office.trend import TrendPoint

FONT_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "fonts"
FONT_PATH = FONT_DIR / "MediationSansSC-Regular.otf"
FONT_FAMILY = "Mediation Sans SC"

GROUP_LABELS: dict[str, str] = {
    "agreement": _("Agreement"),
    "failed": _("No agreement"),
    "withdrawn": _("Withdrawn"),
    "declined_by_respondent": _("Other side declined"),
    "referred": _("Referred elsewhere"),
    "closed": _("Closed"),
    "open": _("In progress"),
}
GROUP_COLOURS = {
    "agreement": "#2e7d32",
    "failed": "#c62828",
    "withdrawn": "#9e9e9e",
    "declined_by_respondent": "#ef6c00",
    "referred": "#6a1b9a",
    "closed": "#424242",
    "open": "#1e88e5",
}
TITLE_MONTH = _("{month}: cases received, by category and outcome")
NOTE_MONTH = _("A case with several categories counts in each.")
NO_CASES = _("No cases received this month")
TITLE_TREND = _("The last 12 months")
RECEIVED = _("Received")
AGREEMENTS = _("Agreements reached")
CASES = _("Cases")
TITLE_SITES = _("{month}: agreement rate of each site")
TARGET = _("Target {target}")
AGREEMENT_RATE = _("Share of concluded cases settled by agreement")
NONE_CONCLUDED = _("none concluded")
CHART_MSGIDS = (
    *GROUP_LABELS.values(),
    TITLE_MONTH,
    NOTE_MONTH,
    NO_CASES,
    TITLE_TREND,
    RECEIVED,
    AGREEMENTS,
    CASES,
    TITLE_SITES,
    TARGET,
    AGREEMENT_RATE,
    NONE_CONCLUDED,
    *CATEGORIES.values(),
)

STALE_CHART_SECONDS = 86_400
_lock = threading.Lock()
_font_added = False


def _font() -> None:
    global _font_added
    if not _font_added:
        # matplotlib is imported lazily (start-up cost, here and below): only charts need it.
        from matplotlib import font_manager

        font_manager.fontManager.addfont(str(FONT_PATH))
        _font_added = True


def render_chart(fig: MonthFigures, trend: list[TrendPoint], t: Translator, path: Path) -> Path:
    """Draw the chart as a PNG at `path` (written atomically); returns `path`."""
    return _render(lambda: _draw(fig, trend, t), path)


def render_site_chart(
    month: date, ranks: list[SiteRank], target: float, t: Translator, path: Path
) -> Path:
    """The sites' agreement rates against the target, best first, as a PNG at `path`."""
    return _render(lambda: _draw_sites(month, ranks, target, t), path)


async def chart_file(fig: MonthFigures, trend: list[TrendPoint], t: Translator, path: Path) -> Path:
    """render_chart off the event loop, into `path` with the digest of what it draws in its
    name; a chart of the same figures drawn before is reused (drawing takes most of /stats)."""
    drawn = [fig.month, fig.category_outcome, [(p.month, p.received, p.agreements) for p in trend]]
    return await _cached(path, [*drawn, t.locale], lambda at: render_chart(fig, trend, t, at))


async def site_chart_file(
    month: date, ranks: list[SiteRank], target: float, t: Translator, path: Path
) -> Path:
    """render_site_chart off the event loop, reused like `chart_file`'s."""
    drawn = [month, target, t.locale, [(r.name, r.meets, asdict(r.figures)) for r in ranks]]
    return await _cached(path, drawn, lambda at: render_site_chart(month, ranks, target, t, at))


async def _cached(path: Path, drawn: Any, render: Callable[[Path], Path]) -> Path:
    """`path` as `name.DIGEST.png`: the file if it exists, else rendered now. Copies of other
    figures older than a day are removed (a chat may still be sending a newer one)."""
    digest = hashlib.sha256(json.dumps(drawn, sort_keys=True, default=str).encode()).hexdigest()
    target = path.with_name(f"{path.stem}.{digest[:20]}{path.suffix}")
    if target.exists():
        return target
    await asyncio.to_thread(render, target)
    old = time.time() - STALE_CHART_SECONDS
    for sibling in path.parent.glob(f"{path.stem}.*{path.suffix}"):
        with contextlib.suppress(FileNotFoundError):  # removed by another process meanwhile
            if sibling != target and sibling.stat().st_mtime < old:
                sibling.unlink()
    return target


def _render(draw: Callable[[], Any], path: Path) -> Path:
    with _lock:
        _font()
        import matplotlib

        with matplotlib.rc_context(
            {"font.family": [FONT_FAMILY], "axes.unicode_minus": False, "font.size": 10}
        ):
            figure = draw()
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            try:
                figure.savefig(partial, format="png")
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)
    return path


def _draw(fig: MonthFigures, trend: list[TrendPoint], t: Translator) -> Any:
    # Lazy for start-up cost: matplotlib takes longer to import than the rest of the bot.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(10, 9), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, height_ratios=[1.25, 1])
    codes = [c for c in CATEGORIES if c in fig.category_outcome]
    codes += [c for c in fig.category_outcome if c not in CATEGORIES]
    top.set_title(t(TITLE_MONTH, month=month_label(t.locale, fig.month)), loc="left")
    if not codes:
        top.text(0.5, 0.5, t(NO_CASES), ha="center", va="center", transform=top.transAxes)
        top.set_axis_off()
    else:
        labels = [t(CATEGORIES[c]) if c in CATEGORIES else c for c in codes]
        left = [0] * len(codes)
        for group in CHART_GROUPS:
            counts = [fig.category_outcome[c].get(group, 0) for c in codes]
            if any(counts):
                top.barh(
                    labels,
                    counts,
                    left=left,
                    label=t(GROUP_LABELS[group]),
                    color=GROUP_COLOURS[group],
                )
                left = [a + b for a, b in zip(left, counts, strict=True)]
        for y, total in enumerate(left):
            top.annotate(
                str(total), (total, y), xytext=(4, 0), textcoords="offset points", va="center"
            )
        top.invert_yaxis()
        top.xaxis.set_major_locator(MaxNLocator(integer=True))
        top.set_xlim(0, max(left) * 1.12 + 0.5)
        top.set_xlabel(t(CASES) + " · " + t(NOTE_MONTH))
        top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        top.spines[["top", "right"]].set_visible(False)
    _draw_trend(bottom, trend, t)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def _draw_trend(ax: Any, trend: list[TrendPoint], t: Translator) -> None:
    ax.set_title(t(TITLE_TREND), loc="left")
    xs = list(range(len(trend)))
    ticks = [
        month_label(t.locale, p.month, "MMM")
        + (f"\n{p.month.year}" if i == 0 or p.month.month == 1 else "")
        for i, p in enumerate(trend)
    ]
    received = [p.received for p in trend]
    ax.bar(xs, received, color="#90caf9", label=t(RECEIVED))
    ax.plot(
        xs,
        [p.agreements for p in trend],
        color=GROUP_COLOURS["agreement"],
        marker="o",
        label=t(AGREEMENTS),
    )
    for x, value in zip(xs, received, strict=True):
        if value:
            ax.annotate(
                str(value),
                (x, value),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(xs, ticks)
    ax.set_ylim(0, max([*received, 1]) * 1.15)
    ax.set_ylabel(t(CASES))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def _draw_sites(month: date, ranks: list[SiteRank], target: float, t: Translator) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    figure = Figure(figsize=(10, 1.8 + 0.42 * len(ranks)), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    ax.set_title(t(TITLE_SITES, month=month_label(t.locale, month)), loc="left")
    rates = [r.figures.agreement_rate or 0.0 for r in ranks]
    colours = [
        "#bdbdbd" if r.meets is None else GROUP_COLOURS["agreement"] if r.meets else "#ef6c00"
        for r in ranks
    ]
    ax.barh([r.name for r in ranks], rates, color=colours)
    for y, rank in enumerate(ranks):
        f = rank.figures
        label = (
            t(NONE_CONCLUDED)
            if f.agreement_rate is None
            else f"{f.agreement_rate:.0%} ({f.agreements}/{f.concluded})"
        )
        ax.annotate(label, (rates[y], y), xytext=(4, 0), textcoords="offset points", va="center")
    ax.axvline(target, color="#c62828", linestyle="--", label=t(TARGET, target=f"{target:.0%}"))
    ax.invert_yaxis()
    ax.set_xlim(0, 1.18)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(t(AGREEMENT_RATE))
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return figure


def sample_data(month: date = date(2026, 3, 1)) -> tuple[MonthFigures, list[TrendPoint]]:
    """Made-up figures for the README's sample chart (no real case behind any number)."""
    grid = {
        "pay": {"agreement": 9, "failed": 2, "withdrawn": 1, "open": 6},
        "overtime": {"agreement": 4, "failed": 1, "open": 3},
        "no_contract": {"agreement": 3, "declined_by_respondent": 1, "open": 2},
        "compensation": {"agreement": 2, "failed": 2, "referred": 1, "open": 2},
        "social_insurance": {"referred": 2, "open": 1},
        "injury": {"agreement": 1, "open": 2},
    }
    tz = ZoneInfo("Asia/Shanghai")
    fig = MonthFigures(
        month=month,
        as_of=datetime(2026, 4, 1, tzinfo=tz).astimezone(UTC),
        received=36,
        category_outcome=grid,
        amount_claimed=Decimal("486000"),
    )
    received = [21, 25, 19, 28, 31, 24, 27, 33, 22, 18, 30, 36]
    agreed = [11, 14, 9, 15, 18, 12, 16, 19, 12, 9, 17, 19]
    first = add_months(month, -11)
    trend = [
        TrendPoint(add_months(first, i), r, a)
        for i, (r, a) in enumerate(zip(received, agreed, strict=True))
    ]
    return fig, trend


if __name__ == "__main__":
    figures, points = sample_data()
    locale = sys.argv[2] if len(sys.argv) > 2 else "zh_CN"
    t = Translator(locale, ZoneInfo("Asia/Shanghai"))
    print(render_chart(figures, points, t, Path(sys.argv[1])))
