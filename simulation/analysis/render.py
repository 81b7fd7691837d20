"""HTML and PDF of the report: Jinja2 templates in ``simulation/analysis/templates`` (autoescaping on) and WeasyPrint.

The builder (:mod:`simulation.analysis.report`) computes numbers, tables and sentences as data and hands them to
``report.html``; every piece of markup lives in the templates. ``brief.pdf`` is the same HTML printed by WeasyPrint
with one more stylesheet (``brief-print.css``: A4, only the brief).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..files import write_bytes

if TYPE_CHECKING:
    import jinja2

TEMPLATES = "templates"


@functools.cache
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("simulation.analysis", TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = num
    env.filters["p"] = pvalue
    env.filters["pct"] = lambda v: "n/a" if v is None or not math.isfinite(float(v)) else f"{100 * float(v):.0f}%"
    return env


def num(v: Any, digits: int = 3) -> str:
    """A number for a table cell: 1,234 for whole numbers, else three significant figures; n/a for missing."""
    from . import summary

    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, str):
        return v
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    v = float(v)
    return summary.fmt(v) if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"


def pvalue(v: float) -> str:
    if v is None or not math.isfinite(v):
        return "n/a"
    return "<0.0001" if v < 1e-4 else f"{v:.4f}"


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def stylesheet(name: str) -> str:
    """A stylesheet of the templates folder, as text."""
    return environment().loader.get_source(environment(), name)[0]  # type: ignore[union-attr]  # (a PackageLoader)


def write_brief_pdf(page: str, path: Path, base_url: str | None = None) -> int:
    """Print the brief of a report page to ``path`` (A4) with WeasyPrint and ``brief-print.css``; return its pages."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    doc = weasyprint.HTML(string=page, base_url=base_url).render(
        stylesheets=[weasyprint.CSS(string=stylesheet("brief-print.css"))]
    )
    write_bytes(path, doc.write_pdf())
    return len(doc.pages)
