"""Dashboard charts (textual-plotext): today's volume by hour, and a bar chart of counts by label."""

from __future__ import annotations

from textual_plotext import PlotextPlot


class VolumeChart(PlotextPlot):
    """Tickets created per hour of the day (UTC)."""

    def show(self, per_hour: list[int], title: str = "New tickets per hour (UTC)") -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        plt.bar(list(range(24)), per_hour)
        plt.xticks(list(range(0, 24, 3)))
        self.refresh()


class BarChart(PlotextPlot):
    """Counts by label, largest first (top intents, returns per SKU)."""

    def show(self, pairs: list[tuple[str, int]], title: str) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if pairs:
            labels = [label[:14] for label, _ in pairs]
            plt.bar(labels, [n for _, n in pairs], orientation="horizontal")
        self.refresh()
