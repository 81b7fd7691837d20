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


def test_the_floor_table_sets_each_target_as_a_budget_against_the_tie_kernels():
    """The "floor" of docs/performance.md: a target's budget is the other model's time per step over the ratio
    asked for; the tie kernels' share of it, and with the fixed cost of the rest (the smallest week less its own
    tie kernels), are computed from the measurements, not written in."""
    spec = importlib.util.spec_from_file_location("run_all", ROOT / "experiments" / "benchmarks" / "run_all.py")
    run_all = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_all)
    wb = {
        "rows": [
            {"size": 200, "ties_ms": 0.25, "ties_run_week_ms": 1.25, "ties_by_call_ms": {"commit": 0.1}},
            {"size": 10_000, "ties_ms": 2.0, "ties_run_week_ms": 4.5, "ties_by_call_ms": {"commit": 1.0}},
        ]
    }
    vs = {"rows": [{"size": 10_000, "theirs_median_rate": 1_000_000.0}]}  # 10 ms a step: 10x needs 1 ms
    ss = {"rows": [{"size": 10_000, "theirs_median_rate": 4_000_000.0}]}  # 2.5 ms a step
    text = "\n".join(run_all.floor(vs, ss, wb))
    assert "| 10x Mesa's example at 10,000 people | 1.00 | 2.00 (200%) | 3.00 (300%) | 4.50 |" in text
    assert "| Starsim's SIS at 10,000 people | 2.50 | 2.00 (80%) | 3.00 (120%) | 4.50 |" in text
    assert "(1.00 ms: the week at 200 people less its own tie kernels" in text
    assert run_all.floor(vs, ss, {"rows": [{"size": 10_000, "week_ms": 4.5}]}) == []  # measured without --ties
