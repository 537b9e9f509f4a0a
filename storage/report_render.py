"""``jiazhan report``'s workbook (one sheet per list plus the suggestions ledger) and its charts
(matplotlib with the Agg backend and the project's CJK font from ``storage.fonts``).

Labels come from the caller (they are user-facing text in the catalogues).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from .evaluations import EVALUATION_COLUMNS
from .fonts import cjk_font_path
from .report import DEPUTY_FIGURES, FIGURES, LEDGER_COLUMNS

__all__ = ["LISTS", "CHARTS", "write_report_xlsx", "write_report_charts"]

LISTS = ("totals", "per_home", "per_station", "per_town", "per_deputy", "per_month")
CHARTS = ("towns", "rates", "trend")


def write_report_xlsx(path: Path, report: Mapping[str, Any], ledger: Sequence[Mapping[str, Any]],
                      labels: Mapping[str, str]) -> None:
    """One sheet per list (totals first) and the ledger; ``labels`` maps sheet and column keys
    (``sheet.<list>``, ``column.<key>``) to headers."""
    book = Workbook()
    if isinstance(book.active, Worksheet):
        book.remove(book.active)
    bold = Font(bold=True)
    for name in LISTS:
        rows = [report[name]] if name == "totals" else report.get(name)
        if rows is None:
            continue
        sheet = book.create_sheet(labels.get(f"sheet.{name}", name)[:31])
        lead = {"per_month": ("month",), "totals": ()}.get(name, ("code", "name"))
        columns = [*lead, *FIGURES, *(DEPUTY_FIGURES if name == "per_deputy" else ())]
        if name == "per_deputy":  # voters' 评议 spread over its own columns
            columns = [c for c in columns if c != "evaluation"]
            columns += [f"evaluation.{c}" for c in EVALUATION_COLUMNS]
        sheet.append([labels.get(f"column.{c}", c) for c in columns])
        for row in rows:
            sheet.append([_cell(_value(row, c)) for c in columns])
        _style(sheet, bold)
    sheet = book.create_sheet(labels.get("sheet.ledger", "ledger")[:31])
    sheet.append([labels.get(f"column.{c}", c) for c in LEDGER_COLUMNS])
    for entry in ledger:
        sheet.append([entry[c] for c in LEDGER_COLUMNS])
    _style(sheet, bold)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _value(row: Mapping[str, Any], column: str) -> Any:
    if column.startswith("evaluation."):
        return (row.get("evaluation") or {}).get(column.removeprefix("evaluation."))
    return row.get(column)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return "" if value is None else value


def _style(sheet: Any, bold: Font) -> None:
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 14


def write_report_charts(folder: Path, report: Mapping[str, Any], labels: Mapping[str, str]
                        ) -> list[Path]:
    """report-towns.png (activities and contacts per town), report-rates.png (the three rates per
    town) and report-trend.png (month by month); returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font_path = cjk_font_path()
    font_manager.fontManager.addfont(str(font_path))
    family = font_manager.FontProperties(fname=str(font_path)).get_name()
    folder.mkdir(parents=True, exist_ok=True)
    towns = report["per_town"]
    names = [row["name"] for row in towns]
    written: list[Path] = []
    period = f"{report['period']['from']} – {report['period']['to']}"
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        height = max(3.5, 0.35 * len(towns) + 1.5)

        def bars(keys: Sequence[str], title: str, file: str, percent: bool) -> None:
            fig, ax = plt.subplots(figsize=(10, height), dpi=110)
            width = 0.8 / len(keys)
            for n, key in enumerate(keys):
                values = [(row[key] or 0) * (100 if percent else 1) for row in towns]
                ax.barh([y + n * width for y in range(len(towns))], values, height=width,
                        label=labels.get(f"column.{key}", key))
            ax.set_yticks([y + width * (len(keys) - 1) / 2 for y in range(len(towns))], names)
            ax.invert_yaxis()
            if percent:
                ax.set_xlim(0, 100)
                ax.set_xlabel("%")
            ax.set_title(f"{title}\n{period}")
            ax.legend(loc="lower right")
            ax.grid(axis="x", alpha=0.3)
            fig.tight_layout()
            out = folder / file
            fig.savefig(out)
            plt.close(fig)
            written.append(out)

        bars(("activities_held", "voter_contacts"), labels.get("chart.towns", "towns"),
             "report-towns.png", False)
        bars(("response_rate", "resolution_rate", "satisfaction_rate"),
             labels.get("chart.rates", "rates"), "report-rates.png", True)
        months = report.get("per_month") or []
        fig, ax = plt.subplots(figsize=(10, 4.5), dpi=110)
        x = [row["month"] for row in months]
        for key in ("activities_held", "voter_contacts", "suggestions_collected", "resolved"):
            ax.plot(x, [row[key] for row in months], marker="o",
                    label=labels.get(f"column.{key}", key))
        ax.set_title(f"{labels.get('chart.trend', 'trend')}\n{period}")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.autofmt_xdate()
        fig.tight_layout()
        out = folder / "report-trend.png"
        fig.savefig(out)
        plt.close(fig)
        written.append(out)
    return written
