"""The annual assessment's chart: four of its figures per mediator as bars, the center's
figure as a dashed line across each panel. Same canvas and font as the monthly chart."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.office import charts
from handlers.office.assessment import FIGURES, Assessment

PANELS = ("concluded", "agreement_rate", "within_period", "satisfaction")
TITLE = _("Annual assessment {year}")
CENTER = _("Center average")
CHART_MSGIDS = (TITLE, CENTER, *(m for k, m in FIGURES if k in PANELS))


def render(a: Assessment, t: Translator, path: Path) -> Path:
    """Draw the chart as a PNG at `path` (written atomically)."""
    with charts._lock:
        charts._font()
        import matplotlib

        with matplotlib.rc_context(
            {"font.family": [charts.FONT_FAMILY], "axes.unicode_minus": False, "font.size": 10}
        ):
            figure = _draw(a, t)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            try:
                figure.savefig(partial, format="png")
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)
    return path


async def chart_file(a: Assessment, t: Translator, path: Path) -> Path:
    return await asyncio.to_thread(render, a, t, path)


def _draw(a: Assessment, t: Translator) -> Any:
    # Lazy for start-up cost, as in charts.py.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = dict(FIGURES)
    names = [name for name, _f in a.mediators]
    figure = Figure(figsize=(10, 2.2 + 0.5 * max(len(names), 1) * 2), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(t(TITLE, year=a.year))
    axes = figure.subplots(2, 2).flatten()
    for ax, key in zip(axes, PANELS, strict=True):
        scale = 100 if key in ("agreement_rate", "within_period") else 1
        values = [(figs[key] or 0) * scale for _n, figs in a.mediators]
        ax.barh(names, values, color="#1e88e5")
        center = a.center[key]
        if center is not None:
            ax.axvline(center * scale, color="#c62828", linestyle="--", label=t(CENTER))
            ax.legend(loc="lower right", frameon=False)
        ax.set_title(t(labels[key]) + (" %" if scale == 100 else ""), loc="left")
        ax.invert_yaxis()
        ax.spines[["top", "right"]].set_visible(False)
    return figure
