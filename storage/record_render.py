"""A deputy's record (``storage.deputy_record``) as a picture and as a one-page text.

The picture (PNG, matplotlib's Agg backend, the project's CJK font from ``storage.fonts``) has
the months of the year with the deputy's sign-ins at liaison stations (月进站) and at homes
(季回家) above, and their suggestions (assigned, answered, resolved) with the rates below.
Drawing takes a good fraction of a second: callers run it in a worker thread.
"""

from __future__ import annotations

import io
import threading
from functools import cache
from typing import Any

from locales import t

from .deputy_record import DeputyRecord
from .fonts import cjk_font_path

__all__ = ["render_record_png", "record_summary", "figure_values", "evaluation_text", "percent",
           "hours"]

MAX_TEXT = 4096  # Telegram's limit for one message

# matplotlib's rc settings are global: one drawing at a time per process.
_DRAWING = threading.Lock()


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def figure_values(locale: str, record: DeputyRecord) -> dict[str, str]:
    """Every figure of the record as shown (the summary, the picture and the document agree)."""
    row = record.row
    months = len(record.months)
    return {
        "station_months": t(locale, "record.of", n=row["station_months_attended"], of=months),
        "home_quarters": t(locale, "record.of", n=row["home_quarters_attended"],
                           of=record.quarters),
        "report_given": t(locale, "record.yes" if row["report_given"] else "record.no"),
        "deputy_attendances": str(row["deputy_attendances"]),
        "receptions": str(record.receptions),
        "activities_held": str(row["activities_held"]),
        "voter_contacts": str(row["voter_contacts"]),
        "bookings": str(row["bookings"]),
        "suggestions_collected": str(row["suggestions_collected"]),
        "suggestions_online": str(row["suggestions_online"]),
        "suggestions_on_behalf": str(row["suggestions_on_behalf"]),
        "answered": str(row["answered"]),
        "resolved": str(row["resolved"]),
        "median_first_response_hours": hours(row["median_first_response_hours"]),
        "response_rate": percent(row["response_rate"]),
        "resolution_rate": percent(row["resolution_rate"]),
        "satisfaction_rate": percent(row["satisfaction_rate"]),
        # 回访 "was it really fixed?" (storage.followup); absent from older rows: zero
        "followup_asked": str(row.get("followup_asked", 0)),
        "followup_still_fixed": str(row.get("followup_still_fixed", 0)),
        "followup_came_back": str(row.get("followup_came_back", 0)),
        "followup_still_fixed_rate": percent(row.get("followup_still_fixed_rate")),
    }


_EVALUATION_KEYS = ("evaluations", "asked", "votes", "satisfied", "basically_satisfied",
                    "dissatisfied", "satisfaction_rate")


def evaluation_text(locale: str, evaluation: Any) -> str:
    """Voters' evaluation (评议): the report's ``evaluation`` figure (see CONTRACTS: counts of
    votes by answer and the satisfaction rate) as one sentence; any other shape as it is."""
    if isinstance(evaluation, dict) and all(k in evaluation for k in _EVALUATION_KEYS):
        fields = {k: evaluation[k] for k in _EVALUATION_KEYS}
        fields["satisfaction_rate"] = percent(evaluation["satisfaction_rate"])
        line = t(locale, "record.evaluation", **fields)
        return line + (t(locale, "record.evaluation_open") if evaluation.get("open") else "")
    if isinstance(evaluation, dict):
        return "; ".join(f"{key} {value}" for key, value in evaluation.items())
    return str(evaluation)


def record_summary(locale: str, record: DeputyRecord) -> str:
    """The one-page text (HTML for Telegram, well under 4096 characters)."""
    import html

    values = figure_values(locale, record)
    lines = [t(locale, "record.summary.head", name=html.escape(record.name), year=record.year,
               first=record.first.isoformat(), last=record.last.isoformat())]
    lines.append(t(locale, "record.summary.rhythm", **values))
    lines.append(t(locale, "record.summary.meetings", **values))
    lines.append(t(locale, "record.summary.suggestions", **values))
    lines.append(t(locale, "record.summary.rates", **values))
    if record.row.get("followup_asked"):
        lines.append(t(locale, "record.summary.followup", **values))
    evaluation = record.row.get("evaluation")
    if evaluation is not None:
        lines.append(t(locale, "record.summary.evaluation",
                       evaluation=html.escape(evaluation_text(locale, evaluation))))
    examples = [t(locale, "record.summary.example",
                  category=html.escape(example.category_zh if locale == "zh"
                                       else example.category_en),
                  place=html.escape(example.place), month=example.month,
                  status=t(locale, f"lifecycle.status.{example.status}"),
                  done=html.escape(example.done or "—")) for example in record.examples]
    foot = t(locale, "record.summary.foot")
    while examples:  # one Telegram message: fewer examples rather than a cut tag
        text = "\n".join([*lines, t(locale, "record.summary.examples_head"), *examples, foot])
        if len(text) <= MAX_TEXT:
            return text
        examples.pop()
    return "\n".join([*lines, foot])


@cache
def _font_family() -> str:
    """The CJK font, registered with matplotlib once per process."""
    from matplotlib import font_manager

    font_path = str(cjk_font_path())
    font_manager.fontManager.addfont(font_path)
    return str(font_manager.FontProperties(fname=font_path).get_name())


def render_record_png(locale: str, record: DeputyRecord) -> bytes:
    """The record as one PNG (about 1100 × 880 pixels)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    family = _font_family()
    row = record.row
    values = figure_values(locale, record)
    with _DRAWING, matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False}):
        fig = Figure(figsize=(10, 8), dpi=110)
        fig.suptitle(t(locale, "record.chart.title", name=record.name, year=record.year,
                       first=record.first.isoformat(), last=record.last.isoformat()))
        top, bottom = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2]})
        x = list(range(len(record.months)))
        labels = [m.month[5:] for m in record.months]
        stations = [m.at_stations for m in record.months]
        homes = [m.at_homes for m in record.months]
        top.bar([i - 0.2 for i in x], stations, width=0.4,
                color=["#2a7ab9" if n else "#c9d6e3" for n in stations],
                label=t(locale, "record.chart.at_stations"))
        top.bar([i + 0.2 for i in x], homes, width=0.4, color="#d9822b",
                label=t(locale, "record.chart.at_homes"))
        top.set_xticks(x, labels)
        top.set_xlabel(t(locale, "record.chart.month"))
        top.yaxis.get_major_locator().set_params(integer=True)
        top.set_title(t(locale, "record.chart.rhythm", **values), fontsize=10)
        top.legend(loc="upper left")
        top.grid(axis="y", alpha=0.3)
        keys = ("suggestions_collected", "answered", "resolved")
        counts = [row[k] for k in keys]
        names = [t(locale, f"record.chart.{k}") for k in keys]
        bars = bottom.barh(names, counts, color=["#7a7a7a", "#2a7ab9", "#3a9a4a"])
        bottom.bar_label(bars, padding=3)
        bottom.invert_yaxis()
        bottom.set_xlim(0, max([*counts, 1]) * 1.25)
        bottom.xaxis.get_major_locator().set_params(integer=True)
        bottom.set_title(t(locale, "record.chart.rates", **values), fontsize=10)
        bottom.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
    return out.getvalue()
