"""Plain English for the dashboard's pages: outcome labels, percentages, scenario titles, Markdown.

What a workshop reads: never a metric's snake_case name (those stay in the CSV files).
"""

from __future__ import annotations

import functools

import markdown

from .. import scenarios
from ..analysis.summary import fmt

SUMMARY_KEYS = (
    "people_reached",
    "adopters",
    "working_ties",
    "cross_sector_tie_share",
    "projects_started",
    "projects_completed",
)
"""The outcomes in Compare's sentences and the "Now" tables, in order."""
OUTCOME_LABELS: dict[str, str] = {
    "people_reached": "People reached by the programme",
    "adopters": "People practising system leadership",
    "working_ties": "Working trust ties",
    "cross_sector_tie_share": "Share of working ties that cross sectors",
    "projects_started": "Projects started",
    "projects_completed": "Projects completed",
}
"""Plain labels of the outcomes in the tables and sentences (the metric names stay in the CSV files)."""
SHARE_KEYS = {"cross_sector_tie_share"}


def markdown_html(text: str) -> str:
    """Markdown to HTML on the server (solara.Markdown would fetch KaTeX, which is not bundled offline)."""
    return markdown.markdown(text, extensions=["tables"])


def percent(v: float) -> str:
    """A share (0 to 1) as a percentage for people: 12.3%, 0.42%."""
    x = 100 * float(v)
    return f"{x:.1f}%" if abs(x) >= 1 or x == 0 else f"{x:.2f}%"


_scenario = functools.lru_cache(maxsize=64)(scenarios.get)
"""The built-in scenarios, read once (the title line asks every week)."""


def scenario_description(name: str) -> str:
    """A scenario's one-line description (from its file)."""
    return _scenario(name).description


def scenario_title(name: str) -> str:
    """A scenario's plain title where its file gives one (issue 19 adds ``title``), else its name."""
    sc = _scenario(name)
    return getattr(sc, "title", None) or sc.name


def outcome_value(key: str, v: float) -> str:
    return percent(v) if key in SHARE_KEYS else fmt(float(v))


def limit_note(week: int, max_weeks: int) -> str:
    """`` · stopped at the 520-week limit`` at the model's limit, else nothing."""
    return f" · stopped at the {max_weeks}-week limit" if week >= max_weeks else ""
