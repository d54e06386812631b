"""Dashboard charts (textual-plotext): tickets per day, and a figure per group, each bar labelled with its
value."""

from __future__ import annotations

from textual_plotext import PlotextPlot


class VolumeChart(PlotextPlot):
    """New tickets per local day of the period."""

    def show(self, days: list[tuple[str, int]], title: str = "New tickets per day") -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if not days:
            plt.title(f"{title}: no data yet")
        else:
            plt.title(title)
            plt.bar([f"{d[5:]} ({n})" for d, n in days], [n for _, n in days])
        self.refresh()


class BarChart(PlotextPlot):
    """A figure by label, labels carrying their values (median first reply per platform, agent ...)."""

    def show(self, pairs: list[tuple[str, float]], title: str, fmt=str) -> None:  # type: ignore[no-untyped-def]
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if not pairs:
            plt.title(f"{title}: no data yet")
        else:
            plt.title(title)
            labels = [f"{label[:12]} {fmt(value)}" for label, value in pairs]
            plt.bar(labels, [value for _, value in pairs], orientation="horizontal")
        self.refresh()
