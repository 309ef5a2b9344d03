"""The report as a PNG: matplotlib drawn headless (the Agg canvas, no display, no pyplot state).

Four panels: mentions per day stacked by sentiment (a quiet day is a zero-height bar, not a
gap); median and 90th-percentile time to first response per day against the SLA line (a day
with no reply has no point: nothing was measured); volume by network; volume by intent.
"""

from __future__ import annotations

import io
from collections import Counter

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.reporting import SENTIMENTS, Report

_COLOURS = {"positive": "#2a9d8f", "neutral": "#adb5bd", "negative": "#e76f51"}


def _bars(ax: Axes, counts: Counter[str], title: str, colour: str) -> None:
    items = counts.most_common()[:8][::-1]  # the largest at the top
    ax.barh([k for k, _ in items] or ["none"], [v for _, v in items] or [0], color=colour)
    ax.set_title(title, loc="left", fontsize=11)
    for index, (_, value) in enumerate(items):
        ax.annotate(f" {value:,}", (value, index), va="center", fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)


def render_png(report: Report, brand: str = "") -> bytes:
    """Return the report's chart as PNG bytes."""
    figure = Figure(figsize=(11, 7.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(2, 2, height_ratios=(1.25, 1))
    volume, response = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    networks, intents = figure.add_subplot(grid[1, 0]), figure.add_subplot(grid[1, 1])
    share = report.sla_share
    share_text = f"{share:.0%} answered within SLA" if share is not None else "no replies due yet"
    figure.suptitle(
        f"{brand + ' — ' if brand else ''}mentions, last {report.window} "
        f"({report.since:%d %b} – {report.until:%d %b %Y}, UTC): "
        f"{report.total:,} mentions, {share_text}",
        fontsize=13,
    )
    labels = [f"{d.day:%d %b}" for d in report.days]
    positions = list(range(len(report.days)))
    bottom = [0] * len(report.days)
    for bucket in SENTIMENTS:
        heights = [d.sentiment.get(bucket, 0) for d in report.days]
        volume.bar(positions, heights, bottom=bottom, label=bucket, color=_COLOURS[bucket])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    volume.set_title("Mentions per day, by sentiment", loc="left", fontsize=11)
    volume.legend(frameon=False, fontsize=9)
    volume.set_ylim(0, max([*bottom, 1]) * 1.15)
    volume.yaxis.set_major_locator(MaxNLocator(integer=True))

    def points(values: list[float | None]) -> list[float]:
        return [float("nan") if v is None else v for v in values]

    response.plot(positions, points([d.median_minutes for d in report.days]), "o-", label="median")
    response.plot(positions, points([d.p90_minutes for d in report.days]), "s--", label="p90")
    response.axhline(report.sla_minutes, color="#e63946", lw=1.2, label="SLA")
    response.set_title("Time to first response per day (minutes)", loc="left", fontsize=11)
    response.set_ylim(bottom=0)
    response.legend(frameon=False, fontsize=9)
    step = max(1, len(positions) // 10)
    for axis in (volume, response):
        axis.set_xticks(positions[::step], labels[::step], rotation=45, ha="right", fontsize=8)
        axis.set_xlim(-0.6, len(positions) - 0.4)  # the two panels' days line up
        axis.spines[["top", "right"]].set_visible(False)
    _bars(networks, report.by_network, "Volume by network", "#457b9d")
    _bars(intents, report.by_intent, "Volume by intent", "#1d3557")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
