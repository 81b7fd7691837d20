"""Documentation stays true to the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from simulation.config import iter_specs
from simulation.model import PHASES

ROOT = Path(__file__).resolve().parents[1]


def _update_odd():
    spec = importlib.util.spec_from_file_location("update_odd", ROOT / "experiments" / "update_odd.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_odd_parameter_table_is_current():
    text = (ROOT / "docs" / "ODD.md").read_text()
    assert _update_odd().render(text) == text, "run: python experiments/update_odd.py"
    for info in iter_specs():
        assert f"`{info.path}`" in text


def test_odd_names_every_phase_module():
    text = (ROOT / "docs" / "ODD.md").read_text()
    for name, fn in PHASES:
        assert fn.__module__.split(".")[-1] in text or name in text


def test_readme_quick_start_has_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make run" in text and "make test" in text


def test_the_benchmark_suite_rewrites_its_section_and_keeps_the_dated_measurements(tmp_path, monkeypatch):
    """``run_all.py`` rewrites "Model speed and scale" of docs/performance.md; the dated measurements written
    by hand between the log markers stay, under the heading, and the sections around it are untouched."""
    spec = importlib.util.spec_from_file_location("_bench", ROOT / "experiments" / "benchmarks" / "_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    doc = tmp_path / "performance.md"
    log = f"{bench.LOG_START}\n### Measured on a day\n\nby hand\n{bench.LOG_END}"
    doc.write_text(
        f"# Performance\n\n{bench.START}\n## Model speed and scale\n\n{log}\n\nold tables\n{bench.END}\n\n## Main job\n"
    )
    monkeypatch.setattr(bench, "DOC", doc)
    bench.write_section("## Model speed and scale\n\nnew tables\n")
    text = doc.read_text()
    assert "old tables" not in text and text.count("new tables") == 1 and text.count(log) == 1
    assert text.index("## Model speed and scale") < text.index(log) < text.index("new tables") < text.index(bench.END)
    assert text.endswith(f"{bench.END}\n\n## Main job\n")
    bench.write_section("## Model speed and scale\n\nnewer tables\n")  # again: still one log, kept as it was
    text = doc.read_text()
    assert text.count(log) == 1 and "new tables" not in text and "newer tables" in text
    # the real page has its dated measurements inside the markers
    real = (ROOT / "docs" / "performance.md").read_text()
    section = real[real.index(bench.START) : real.index(bench.END)]
    assert section.index(bench.LOG_START) < section.index("### Measured 2026-12-04") < section.index(bench.LOG_END)
