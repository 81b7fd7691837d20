"""The report of a sweep folder, ``syslead main``, ``syslead report`` and ``syslead compare``.

One small strategy comparison (3 scenarios x 4 replicates, 300 people, 30 weeks with the programme ending
in week 20) is run once through ``syslead main --experiment`` and shared by the tests.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from simulation.analysis import report, stats, summary
from simulation.analysis.compare import compare, relative_width
from simulation.cli import main
from simulation.metrics import KEY_METRICS

SCENARIOS = ["south-manchester", "top-down", "no-programme"]
SMALL = {"population.size": 300, "programme.end_week": 20}

EXPERIMENT = """
[experiment]
name = "tiny-comparison"
weeks = 30
replicates = 4
seed = 99
scenarios = ["south-manchester", "top-down", "no-programme"]

[set]
"population.size" = 300
"programme.end_week" = 20
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    exp = base / "tiny.toml"
    exp.write_text(EXPERIMENT)
    out = base / "out"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["main", "--experiment", str(exp), "--out", str(out), "--workers", "2", "--quiet"])
    assert code == 0
    return out, buf.getvalue()


def test_main_prints_the_report_path_and_a_three_line_summary(folder):
    out, printed = folder
    lines = printed.strip().splitlines()
    assert lines[0] == f"report: {out / 'report.html'}"
    assert lines[1] == f"brief: {out / 'brief.pdf'}" and (out / "brief.pdf").is_file()
    lines = lines[1:]
    assert len(lines) == 4
    assert lines[1].startswith("projects started (mean per run; vs south-manchester): south-manchester ")
    assert lines[2].startswith("adopters (") and lines[3].startswith("post programme activity (")
    for line in lines[1:]:
        assert "top-down" in line and "no-programme" in line


def test_report_has_every_section_in_order_and_is_self_contained(folder):
    out, _ = folder
    page = (out / "report.html").read_text()
    positions = [page.find(f"<section id='{key}'>") for key, _ in report.SECTIONS]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    for _, title in report.SECTIONS:
        assert f"<h2>{html.escape(title)}</h2>" in page
    imgs = re.findall(r'<img src="([^"]+)"', page)
    assert len(imgs) >= len(KEY_METRICS) + 6
    assert all(src.startswith("data:image/png;base64,") for src in imgs)
    assert "<script" not in page and "<link" not in page and "http://" not in page and "https://" not in page
    # each embedded figure is also a file
    names = re.findall(r'data-file="figures/([^"]+)"', page)
    assert names and all((out / "figures" / n).is_file() for n in names)
    for n in (
        "distributions",
        "paired_ratios",
        "paired_by_replicate",
        "sectors_reached",
        "sectors_adopters",
        "sectors_projects",
        "persistence",
        *(f"timeseries_{m}" for m in KEY_METRICS),
        *(f"network_{s}" for s in SCENARIOS),
    ):
        assert (out / "figures" / f"{n}.png").is_file(), n


def test_summary_sentences_match_the_comparison_table(folder):
    """Every comparison in words, scenarios named by their titles (in quotation marks), worded by the numbers."""
    from simulation.scenarios import get

    out, _ = folder
    page = html.unescape((out / "report.html").read_text())
    table = pd.read_csv(out / "tables" / "paired_differences.csv")
    summary_part = page[page.find("<section id='summary'>") : page.find("<section id='timeseries'>")]
    q = {s: f"\u2018{get(s).title}\u2019" for s in SCENARIOS}
    assert all(get(s).title for s in SCENARIOS)
    for sc in ("top-down", "no-programme"):
        row = table[(table.scenario == sc) & (table.metric == "projects_started")].iloc[0]
        text = summary.sentence({**row, "scenario": q[sc], "reference": q["south-manchester"]}, pairs=False)
        assert f"<li>{text}</li>" in summary_part
        if row.direction > 0:
            assert text.startswith(f"{q[sc]} started ")
        elif row.direction < 0:
            assert text.startswith(f"{q['south-manchester']} started ") and q[sc] in text
        else:
            assert text.startswith(f"No clear difference between {q[sc]} and {q['south-manchester']}")


def test_tables_hold_the_paired_statistics(folder):
    out, _ = folder
    t = pd.read_csv(out / "tables" / "paired_differences.csv")
    assert list(t.columns) == stats.COMPARE_COLUMNS
    assert set(t.scenario) == {"top-down", "no-programme"} and set(t.reference) == {"south-manchester"}
    assert set(KEY_METRICS) <= set(t.metric)
    assert (t.n_pairs == 4).all()
    assert t.holm_p.to_numpy() == pytest.approx(stats.holm(t.wilcoxon_p.to_numpy()))
    assert ((t.diff_low <= t.difference + 1e-9) & (t.difference <= t.diff_high + 1e-9)).all()
    runs = pd.read_parquet(out / "runs.parquet")
    x = runs[runs.scenario == "top-down"].sort_values("replicate").projects_started.to_numpy()
    y = runs[runs.scenario == "south-manchester"].sort_values("replicate").projects_started.to_numpy()
    row = t[(t.scenario == "top-down") & (t.metric == "projects_started")].iloc[0]
    assert row.difference == pytest.approx((x - y).mean())
    desc = pd.read_csv(out / "tables" / "summary_by_scenario.csv")
    assert {"scenario", "metric", "mean", "mean_low", "mean_high"} <= set(desc.columns)
    sectors = pd.read_csv(out / "tables" / "project_sectors.csv")
    assert set(sectors.scenario) == set(SCENARIOS) and (sectors.share_of_projects.between(0, 1)).all()
    persist = pd.read_csv(out / "tables" / "persistence.csv").set_index("scenario")
    assert (persist.programme_end_week == 20).all() and (persist.follow_up_weeks == 10).all()


def test_network_replays_reproduce_the_stored_runs(folder):
    out, _ = folder
    nets = pd.read_csv(out / "tables" / "network_replays.csv")
    assert list(nets.scenario) == SCENARIOS
    assert nets.reproduced.all() and (nets.replicate == 0).all() and (nets.people == 300).all()
    runs = pd.read_parquet(out / "runs.parquet")
    stored = runs[runs.replicate == 0].set_index("scenario").working_ties
    assert (nets.set_index("scenario").working_ties == stored.loc[SCENARIOS]).all()


def test_manifest_section_names_versions_seeds_and_replicates(folder):
    out, _ = folder
    page = (out / "report.html").read_text()
    part = page[page.find("<section id='manifest'>") :]
    runs = pd.read_parquet(out / "runs.parquet")
    seed0 = int(runs[runs.replicate == 0].seed.iloc[0])
    assert f"0: {seed0}" in part and "replicates = 4" in part and "seed = 99" in part
    assert "version" in part and "python" in part and "numpy" in part


def test_report_wording_follows_the_data_when_top_down_does_better(folder, tmp_path):
    """Swap the scenarios' outcomes: the summary must now credit top-down."""
    out, _ = folder
    copy = tmp_path / "swapped"
    shutil.copytree(out, copy)
    runs = pd.read_parquet(copy / "runs.parquet")
    sm = runs.scenario == "south-manchester"
    td = runs.scenario == "top-down"
    a = runs.loc[sm].sort_values("replicate").projects_started.to_numpy()
    runs.loc[td, "projects_started"] = runs.loc[td, "replicate"].map(dict(enumerate(a * 2 + 5))).to_numpy()
    runs.to_parquet(copy / "runs.parquet")
    rep = report.build(copy, replay_runs=False, draw=False, n_resamples=999)
    line = next(s for s in rep.sentences if s.startswith("top-down started "))
    assert line.startswith("top-down started ") and "as south-manchester" in line
    assert "<section id='network'>" in (copy / "report.html").read_text()


def test_report_command_and_its_errors(folder, tmp_path, capsys):
    out, _ = folder
    copy = tmp_path / "again"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("figures", "tables", "report.html"))
    assert main(["report", str(copy), "--no-replay", "--no-figures"]) == 0
    assert capsys.readouterr().out.startswith(f"report: {copy / 'report.html'}\nbrief: {copy / 'brief.pdf'}\n")
    for name in ("paired_differences.csv", "summary_by_scenario.csv", "timeseries_bands.csv"):  # deterministic
        assert (copy / "tables" / name).read_bytes() == (out / "tables" / name).read_bytes(), name
    assert not list((copy / "figures").glob("*.png"))
    assert "<img" not in (copy / "report.html").read_text()
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("syslead: error: ") and "nowhere" in err and "\n" not in err
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["compare", "south-manchester", "--out", "X"], "at least two scenarios"),
        (["compare", "south-manchester", "top-dwn", "--out", "X"], "top-dwn"),
        (["compare", "south-manchester", "top-down", "--out", "X", "--precision", "-1"], "--precision"),
        (["compare", "south-manchester", "top-down", "--out", "X", "--replicates", "1"], "--replicates"),
        (["compare", "south-manchester", "top-down", "--out", "X", "--set", "population.sise=3"], "population.sise"),
        (
            [
                "compare",
                "south-manchester",
                "top-down",
                "--out",
                "X",
                "--precision",
                "0.1",
                "--replicates",
                "20",
                "--max-replicates",
                "10",
            ],
            "--max-replicates",
        ),
        (["main", "--experiment", "nope.toml", "--out", "X"], "nope.toml"),
        (["main", "--out", "X", "--workers", "0"], "--workers"),
    ],
)
def test_compare_refuses_bad_input_writing_nothing(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("syslead: error: ") and needle in err and "\n" not in err
    assert list(tmp_path.iterdir()) == []


def test_compare_with_precision_adds_replicates_until_the_cap(tmp_path):
    logs = []
    res = compare(
        ["south-manchester", "top-down"],
        3,
        12,
        tmp_path / "p",
        precision=1e-6,
        max_replicates=7,
        batch=2,
        workers=1,
        sets=SMALL,
        progress=False,
        write_report=False,
        log=logs.append,
    )
    info = res.precision
    assert [h["replicates"] for h in info["history"]] == [3, 5, 7]
    assert info["replicates"] == 7 and info["reached"] is False and len(logs) == 3
    runs = pd.read_parquet(tmp_path / "p" / "runs.parquet")
    assert sorted(runs.groupby("scenario").replicate.nunique()) == [7, 7]
    width, per = relative_width(runs, "south-manchester")
    assert width == pytest.approx(info["width"]) and set(per) == {"top-down"}


def test_compare_with_precision_stops_as_soon_as_the_target_is_met(tmp_path):
    res = compare(
        ["south-manchester", "top-down"],
        3,
        12,
        tmp_path / "q",
        precision=50.0,
        max_replicates=40,
        batch=5,
        workers=1,
        sets=SMALL,
        progress=False,
        write_report=False,
        log=lambda m: None,
    )
    assert res.precision["reached"] is True and res.precision["replicates"] == 3
    assert len(res.precision["history"]) == 1
    assert Path(tmp_path / "q" / "precision.json").is_file()


def test_report_of_a_grid_sweep_pairs_within_points_and_of_a_single_scenario(tmp_path):
    from simulation.sweep import load_experiment, run_experiment

    grid = load_experiment(
        {
            "experiment": {
                "name": "g",
                "weeks": 8,
                "replicates": 2,
                "seed": 5,
                "scenarios": ["south-manchester", "top-down"],
            },
            "set": {"programme.end_week": 5},
            "grid": {"population.size": [200, 300]},
        }
    )
    run_experiment(grid, tmp_path / "g", workers=1, progress=False)
    rep = report.build(tmp_path / "g", replay_runs=False, draw=False, n_resamples=999)
    assert (rep.comparison.n_pairs == 4).all()  # 2 replicates x 2 points
    assert "population.size</code>: runs are paired on replicate and parameter point (2 points)" in rep.path.read_text()
    single = load_experiment(
        {
            "experiment": {"name": "s", "weeks": 6, "replicates": 2, "seed": 5, "scenarios": ["hybrid"]},
            "set": {"population.size": 200},
        }
    )
    run_experiment(single, tmp_path / "s", workers=1, progress=False)
    rep = report.build(tmp_path / "s", replay_runs=False, draw=False, n_resamples=999)
    page = rep.path.read_text()
    assert rep.comparison.empty and "nothing to compare it with" in page
    assert "Some runs end before the programme does" in page and "there is no follow-up" in page
    assert rep.headline[2].startswith("projects completed (")  # instead of the all-zero post-programme activity
    assert all(f"<section id='{key}'>" in page for key, _ in report.SECTIONS)


def test_main_sets_aside_runs_made_by_other_code(folder, tmp_path):
    from simulation.analysis.compare import _set_aside_if_stale, stored_runs_reproduce

    out, _ = folder
    same = tmp_path / "same"
    shutil.copytree(out, same)
    assert stored_runs_reproduce(same) is True
    _set_aside_if_stale(same, log=lambda m: None)
    assert same.is_dir() and not (tmp_path / "same.previous").exists()
    stale = tmp_path / "stale"
    shutil.copytree(out, stale)
    runs = pd.read_parquet(stale / "runs.parquet")
    runs.loc[(runs.scenario == "south-manchester") & (runs.replicate == 0), "projects_started"] += 1
    runs.to_parquet(stale / "runs.parquet")
    assert stored_runs_reproduce(stale) is False
    notes = []
    _set_aside_if_stale(stale, log=notes.append)
    assert not stale.exists() and (tmp_path / "stale.previous" / "runs.parquet").is_file()
    assert len(notes) == 1 and "running afresh" in notes[0]
    assert stored_runs_reproduce(tmp_path / "empty") is None
    # a change of code that only touches another scenario than the reference is caught too
    other = tmp_path / "other"
    shutil.copytree(out, other)
    runs = pd.read_parquet(other / "runs.parquet")
    second = sorted(set(runs.scenario) - {"south-manchester"})[0]
    runs.loc[(runs.scenario == second) & (runs.replicate == runs.replicate.min()), "adopters"] += 1
    runs.to_parquet(other / "runs.parquet")
    assert stored_runs_reproduce(other) is False


# ---------------------------------------------------------------- by locality

CITY = {
    "experiment": {
        "name": "city",
        "weeks": 16,
        "replicates": 3,
        "seed": 21,
        "scenarios": ["city-wide-rollout", "city-wide-simultaneous", "south-manchester"],
    },
    "set": {"population.size": 300},
}  # three localities of 100 in the city-wide scenarios


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from simulation.sweep import load_experiment, run_experiment

    out = tmp_path_factory.mktemp("city") / "out"
    run_experiment(load_experiment(CITY), out, workers=2, progress=False)
    return out, report.build(out, replay_runs=False, n_resamples=999)


def test_by_locality_section_appears_only_when_runs_have_several_localities(folder, city):
    out, rep = city
    page = rep.path.read_text()
    assert page.count("<section id='localities'>") == 1
    assert (
        page.find("<section id='persistence'>")
        < page.find("<section id='localities'>")
        < page.find("<section id='manifest'>")
    )
    assert "<a href='#localities'>By locality</a>" in page
    for m in ("people_reached", "adopters", "projects_started"):
        assert (out / "figures" / f"localities_{m}.png").is_file()
        assert f'data-file="figures/localities_{m}.png"' in page
    assert "Not shown here" in page and "south-manchester" in page.split("<section id='localities'>")[1]
    single = (folder[0] / "report.html").read_text()  # one locality per run: no section, no tables
    assert "id='localities'" not in single and "By locality" not in single
    assert not (folder[0] / "tables" / "localities_end.csv").exists()


def test_locality_end_table_is_each_runs_last_week_with_intervals(city):
    from simulation.sweep import load_localities, load_results

    out, _ = city
    runs, _, _ = load_results(out)
    loc = load_localities(out).merge(runs[["run_id", "scenario"]])
    end = pd.read_csv(out / "tables" / "localities_end.csv")
    assert set(end["scenario"]) == {"city-wide-rollout", "city-wide-simultaneous"}
    assert sorted(end["locality"].unique()) == [0, 1, 2]
    last = loc[loc["week"] == 16]
    for (sc, k), part in last.groupby(["scenario", "locality"]):
        row = end[(end.scenario == sc) & (end.locality == k) & (end.metric == "adopters")].iloc[0]
        m, lo, hi = stats.mean_interval(part["adopters"].to_numpy())
        assert row["runs"] == 3 and row["mean"] == pytest.approx(m) and lo <= row["mean"] <= hi
        assert row["mean_low"] == pytest.approx(lo) and row["mean_high"] == pytest.approx(hi)


def test_locality_sentences_follow_the_numbers(city):
    """The roll-out starts Central in week 53 and North in week 105, so in 16 weeks only South is reached."""
    from simulation.analysis import localities

    out, rep = city
    page = html.unescape(rep.path.read_text())
    end = pd.read_csv(out / "tables" / "localities_end.csv")
    reached = end[(end.scenario == "city-wide-rollout") & (end.metric == "people_reached")].set_index("locality")
    assert reached.loc[1, "max"] == reached.loc[2, "max"] == 0  # the mechanism: no programme there yet
    city = ["South Manchester", "Central Manchester", "North Manchester"]
    sentence = localities.spread_sentence(end, "city-wide-rollout", "people_reached", city)
    if reached.loc[0, "mean_low"] > 0:
        assert sentence.startswith("city-wide-rollout: South Manchester ended with the most people reached")
        assert "Central Manchester and North Manchester the fewest, 0 in every run each" in sentence
    else:
        assert "no clear difference between localities" in sentence
    assert sentence in page
    paired = pd.read_csv(out / "tables" / "localities_paired.csv")
    for k in (1, 2):  # simultaneous reaches Central and North; the roll-out does not (yet)
        row = paired[(paired.locality == k) & (paired.metric == "people_reached")].iloc[0]
        assert row["scenario"] == "city-wide-simultaneous" and row["reference"] == "city-wide-rollout"
        text = summary.sentence(row, pairs=False)
        expected = {
            1: "city-wide-simultaneous reached more",
            0: "no clear difference",
            -1: "city-wide-rollout reached more",
        }[int(row["direction"])]
        assert expected.lower() in text.lower()
        label = localities.label(k, city)
        assert f"{label}: {text[0].lower() + text[1:] if text.startswith('No clear') else text}" in page


def test_locality_spread_sentence_wording():
    from simulation.analysis.localities import spread_sentence

    def end(means, lows, highs):
        return pd.DataFrame(
            {
                "scenario": "s",
                "metric": "adopters",
                "locality": range(len(means)),
                "mean": means,
                "mean_low": lows,
                "mean_high": highs,
            }
        )

    clear = spread_sentence(end([30, 10, 20], [25, 5, 15], [35, 15, 25]), "s", "adopters")
    assert clear.startswith(
        "s: locality 1 ended with the most people practising system leadership, 30 (95% "
        "interval 25 to 35), and locality 2 the fewest, 10"
    )
    blurred = spread_sentence(end([30, 10], [5, 0], [55, 20]), "s", "adopters")
    assert blurred.startswith("s: no clear difference between localities") and "from 10" in blurred
    assert (
        spread_sentence(end([4, 4], [4, 4], [4, 4]), "s", "adopters")
        == "s: every locality ended with 4 people practising system leadership on average."
    )


def test_figures_are_saved_with_the_pixels_of_matplotlibs_own_png(folder, tmp_path):
    """``_save_png`` draws the figure straight to pixels: the file is the one that decoding matplotlib's own PNG
    at the same resolution would give, byte for byte (same pixels, same 256-colour quantisation)."""
    import io

    from PIL import Image

    from simulation.analysis import figures

    out, _ = folder
    runs = pd.read_parquet(out / "runs.parquet")
    fig = figures.distributions(runs, ["projects_started", "adopters"], sorted(runs.scenario.unique()))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    buf.seek(0)
    img = Image.open(buf).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    expected = io.BytesIO()
    img.save(expected, format="PNG", optimize=True)
    report._save_png(fig, tmp_path / "f.png")
    saved = (tmp_path / "f.png").read_bytes()
    assert Image.open(io.BytesIO(saved)).size == img.size
    assert saved == expected.getvalue()
