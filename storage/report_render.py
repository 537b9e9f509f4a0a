"""``jiazhan report``'s workbook (one sheet per list plus the suggestions ledger) and its charts
(matplotlib with the Agg backend and the project's CJK font from ``storage.fonts``).

Labels come from the caller (they are user-facing text in the catalogues).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .evaluations import EVALUATION_COLUMNS
from .fonts import cjk_font_path
from .report import DEPUTY_FIGURES, FIGURES, LEDGER_COLUMNS

__all__ = ["LISTS", "CHARTS", "PERSONAL_COLUMNS", "ReportWorkbook", "write_report_xlsx",
           "report_xlsx_bytes",
           "write_report_charts", "render_report_charts", "report_labels"]

LISTS = ("totals", "per_home", "per_station", "per_town", "per_deputy", "per_month")
CHARTS = ("towns", "rates", "trend")
_STATION_CHARTS = ("stations", "station_rates")  # a one-town report's bar charts
# The ledger's personal columns (``jiazhan report --with-personal-data``, administrators only).
PERSONAL_COLUMNS = ("resident_name", "resident_phone", "suggestion_text")


def write_report_xlsx(path: Path, report: Mapping[str, Any], ledger: Iterable[Mapping[str, Any]],
                      labels: Mapping[str, str], *, personal: bool = False) -> None:
    """One sheet per list (totals first) and the ledger; ``labels`` maps sheet and column keys
    (``sheet.<list>``, ``column.<key>``) to headers. ``personal``: the ledger's rows carry
    PERSONAL_COLUMNS too (name, phone, text) and the sheet shows them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = ReportWorkbook(report, labels, personal=personal)
    book.add_ledger(ledger)
    book.save(path)


def report_xlsx_bytes(report: Mapping[str, Any], ledger: Iterable[Mapping[str, Any]],
                      labels: Mapping[str, str]) -> bytes:
    """The same workbook as bytes (sent as a document in Telegram; never personal)."""
    buffer = io.BytesIO()
    book = ReportWorkbook(report, labels)
    book.add_ledger(ledger)
    book.save(buffer)
    return buffer.getvalue()


class ReportWorkbook:
    """The workbook written as it goes (openpyxl's write-only mode: rows are spooled to disk,
    so a city's ledger of tens of thousands of rows takes little memory). The lists are
    written at once; the ledger follows in as many ``add_ledger`` batches as the caller reads,
    then ``save``."""

    def __init__(self, report: Mapping[str, Any], labels: Mapping[str, str], *,
                 personal: bool = False) -> None:
        self._book = Workbook(write_only=True)
        self._labels = labels
        for name in LISTS:
            rows = [report[name]] if name == "totals" else report.get(name)
            if rows is None:
                continue
            lead = {"per_month": ("month",), "totals": ()}.get(name, ("code", "name"))
            columns = [*lead, *FIGURES, *(DEPUTY_FIGURES if name == "per_deputy" else ())]
            if name == "per_deputy":  # voters' 评议 spread over its own columns
                columns = [c for c in columns if c != "evaluation"]
                columns += [f"evaluation.{c}" for c in EVALUATION_COLUMNS]
            sheet = self._sheet(name, columns)
            for row in rows:
                sheet.append([_cell(_value(row, c)) for c in columns])
        self._ledger_columns = (*LEDGER_COLUMNS, *(PERSONAL_COLUMNS if personal else ()))
        self._ledger = self._sheet("ledger", self._ledger_columns)
        self.ledger_rows = 0

    def _sheet(self, name: str, columns: Sequence[str]) -> Any:
        sheet = self._book.create_sheet(self._labels.get(f"sheet.{name}", name)[:31])
        for n in range(1, len(columns) + 1):
            sheet.column_dimensions[get_column_letter(n)].width = 14
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for c in columns:
            cell = WriteOnlyCell(sheet, value=self._labels.get(f"column.{c}", c))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        return sheet

    def add_ledger(self, rows: Iterable[Mapping[str, Any]]) -> None:
        columns = self._ledger_columns
        for entry in rows:
            self._ledger.append([entry[c] for c in columns])
            self.ledger_rows += 1

    def save(self, target: Path | IO[bytes]) -> None:
        self._book.save(target)


def _value(row: Mapping[str, Any], column: str) -> Any:
    if column.startswith("evaluation."):
        return (row.get("evaluation") or {}).get(column.removeprefix("evaluation."))
    return row.get(column)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return "" if value is None else value


def report_labels(locale: str) -> dict[str, str]:
    """Sheet, chart and column headers from the catalogue (``report.*``)."""
    from locales import t

    labels = {f"sheet.{k}": t(locale, f"report.sheet.{k}") for k in (*LISTS, "ledger")}
    labels |= {f"chart.{k}": t(locale, f"report.chart.{k}") for k in (*CHARTS, *_STATION_CHARTS)}
    for key in ("code", "name", "month", *FIGURES, *DEPUTY_FIGURES, *LEDGER_COLUMNS,
                *PERSONAL_COLUMNS):
        labels[f"column.{key}"] = t(locale, f"report.column.{key}")
    for key in EVALUATION_COLUMNS:  # the deputy sheet's 评议 columns
        labels[f"column.evaluation.{key}"] = t(locale, f"evaluation.column.{key}")
    labels["chart.top"] = t(locale, "report.chart.top", shown="{shown}", total="{total}")
    return labels


def write_report_charts(folder: Path, report: Mapping[str, Any], labels: Mapping[str, str]
                        ) -> list[Path]:
    """report-towns.png (activities and contacts per town), report-rates.png (the three rates per
    town) and report-trend.png (month by month); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, content in render_report_charts(report, labels):
        out = folder / f"report-{name}.png"
        out.write_bytes(content)
        written.append(out)
    return written


_FONT_LOCK = threading.Lock()


def _font_family() -> str:
    from matplotlib import font_manager

    font_path = cjk_font_path()
    with _FONT_LOCK:
        if str(font_path) not in {f.fname for f in font_manager.fontManager.ttflist}:
            font_manager.fontManager.addfont(str(font_path))
    return str(font_manager.FontProperties(fname=str(font_path)).get_name())


def _bar_rows(report: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], bool]:
    """The rows the bar charts compare: towns, or a one-town report's homes and stations."""
    towns = list(report["per_town"])
    if len(towns) == 1:
        return [*report.get("per_home", ()), *report.get("per_station", ())], True
    return towns, False


def render_report_charts(report: Mapping[str, Any], labels: Mapping[str, str], *,
                         which: Sequence[str] = CHARTS, max_rows: int | None = None
                         ) -> list[tuple[str, bytes]]:
    """The charts as PNG bytes, ``[(name, png), …]`` in the order of ``which`` (``towns``,
    ``rates``, ``trend``). Thread-safe (matplotlib's object API, no pyplot), so callers may run
    it in a worker thread. A one-town report compares its homes and stations instead of towns;
    ``max_rows`` keeps the busiest rows (a city has 349 towns: too many bars for a photo)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows, by_station = _bar_rows(report)
    shown_of = len(rows)
    if max_rows is not None and len(rows) > max_rows:
        busiest = sorted(range(len(rows)), key=lambda i: -(
            rows[i]["activities_held"] + rows[i]["voter_contacts"]
            + rows[i]["suggestions_collected"]))[:max_rows]
        rows = [rows[i] for i in sorted(busiest)]
    names = [row["name"] for row in rows]
    period = f"{report['period']['from']} – {report['period']['to']}"
    if len(rows) < shown_of:
        period += "  " + labels.get("chart.top", "{shown}/{total}").format(
            shown=len(rows), total=shown_of)
    height = max(3.5, 0.35 * len(rows) + 1.5)
    out: list[tuple[str, bytes]] = []

    def png(fig: Figure) -> bytes:
        FigureCanvasAgg(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()

    def bars(keys: Sequence[str], title: str, percent: bool) -> bytes:
        fig = Figure(figsize=(10, height), dpi=110)
        ax = fig.subplots()
        width = 0.8 / len(keys)
        for n, key in enumerate(keys):
            values = [(row[key] or 0) * (100 if percent else 1) for row in rows]
            ax.barh([y + n * width for y in range(len(rows))], values, height=width,
                    label=labels.get(f"column.{key}", key))
        ax.set_yticks([y + width * (len(keys) - 1) / 2 for y in range(len(rows))], names)
        ax.invert_yaxis()
        if percent:
            ax.set_xlim(0, 100)
            ax.set_xlabel("%")
        ax.set_title(f"{title}\n{period}")
        ax.legend(loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        return png(fig)

    def trend() -> bytes:
        months = report.get("per_month") or []
        fig = Figure(figsize=(10, 4.5), dpi=110)
        ax = fig.subplots()
        x = [row["month"] for row in months]
        for key in ("activities_held", "voter_contacts", "suggestions_collected", "resolved"):
            ax.plot(x, [row[key] for row in months], marker="o",
                    label=labels.get(f"column.{key}", key))
        ax.set_title(f"{labels.get('chart.trend', 'trend')}\n{period}")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.autofmt_xdate()
        fig.tight_layout()
        return png(fig)

    towns_title, rates_title = (("chart.stations", "chart.station_rates") if by_station
                                else ("chart.towns", "chart.rates"))
    with rc_context({"font.family": _font_family(), "axes.unicode_minus": False}):
        for name in which:
            if name == "towns":
                out.append((name, bars(("activities_held", "voter_contacts"),
                                       labels.get(towns_title, "towns"), False)))
            elif name == "rates":
                out.append((name, bars(("response_rate", "resolution_rate", "satisfaction_rate"),
                                       labels.get(rates_title, "rates"), True)))
            elif name == "trend":
                out.append((name, trend()))
    return out
