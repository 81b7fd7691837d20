"""Scenario discovery (`syslead discover`): PRIM recovers known boxes from synthetic data, the sentences are plain
English with numbers, and the command's contract on the real model (columns, paired points, a box where the
mechanism puts it, determinism, resume, Dask, refusals with nothing written)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import ema, scenarios
from simulation.analysis import discovery as disc
from simulation.cli import main
from simulation.config import iter_specs
from simulation.run import run
from simulation.sweep import load_results, replicate_seed

SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b|\b[a-z]+\.[a-z_]+\b")

# Top-down's own channel (commissioned projects with assigned teams) grows with the rate at which the programme
# commissions; the distributed programme hardly uses it (self-selected teams). With plenty of problems to work
# on, projects started should favour top-down at high rates and the distributed programme at low ones, whatever
# the decay of trust (a dimension that should not appear in the boxes).
TINY = """[experiment]
name = "tiny-discovery"
weeks = 26
replicates = 1
seed = 7
scenarios = ["top-down", "south-manchester"]

[set]
"population.size" = 300
"opportunities.per_theme" = 100.0

[discover]
outcomes = ["projects_started", "people_reached"]
method = "lhs"
n = 40
context = ["trust.decay"]
labels = ["top-down", "distributed"]

[ranges]
"commissioning.programme_rate" = [0.0, 6.0]
"""
RATE = "commissioning.programme_rate"


def _uniform(n: int, d: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.random((n, d)), columns=[f"x{i}" for i in range(d)])


# ---------------------------------------------------------------- PRIM on synthetic data with a known box


def test_prim_recovers_a_known_two_sided_box_and_leaves_the_other_dimensions_free():
    x = _uniform(300, 6, 1)
    y = ((x.x0 > 0.6) & (x.x1 < 0.35)).to_numpy()
    search = disc.find_boxes(x, y)
    assert search.cases == int(y.sum()) and len(search.boxes) == 1
    box = search.boxes[0]
    assert set(box.limits) == {"x0", "x1"}  # nothing else restricted
    assert box.limits["x0"][0] == pytest.approx(0.6, abs=0.03)
    assert box.limits["x1"][1] == pytest.approx(0.35, abs=0.03)
    assert box.density == 1.0 and box.coverage >= 0.9
    # coverage and density as their definitions say, recomputed from the data
    inside = np.ones(len(x), dtype=bool)
    for p, (lo, hi) in box.limits.items():
        inside &= (x[p] >= lo).to_numpy() & (x[p] <= hi).to_numpy()
    assert box.density == pytest.approx(y[inside].mean()) and box.coverage == pytest.approx(y[inside].sum() / y.sum())


def test_prim_finds_the_box_through_label_noise_and_drops_restrictions_the_data_do_not_support():
    x = _uniform(400, 8, 2)
    truth = (x.x3 > 0.5).to_numpy()
    flip = np.random.default_rng(3).random(len(x)) < 0.1
    search = disc.find_boxes(x, truth ^ flip)
    box = search.boxes[0]
    assert set(box.limits) == {"x3"}
    assert box.limits["x3"][0] == pytest.approx(0.5, abs=0.06)
    assert box.density > 0.8 and box.coverage > 0.8


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_two_separate_regions_give_two_boxes_in_turn_and_no_third(seed):
    x = _uniform(500, 4, seed)
    y = ((x.x0 > 0.7) | (x.x1 > 0.9)).to_numpy()
    search = disc.find_boxes(x, y, max_boxes=3)
    assert len(search.boxes) == 2
    first, second = search.boxes
    assert list(first.limits) == ["x0"] and first.limits["x0"][0] == pytest.approx(0.7, abs=0.04)
    assert list(second.limits) == ["x1"] and second.limits["x1"][0] == pytest.approx(0.9, abs=0.04)
    assert first.density == second.density == 1.0
    assert first.coverage + second.coverage == pytest.approx(1.0, abs=0.05)  # coverage: of all the cases


@pytest.mark.parametrize("seed", range(4))
def test_labels_without_structure_give_no_box(seed):
    x = _uniform(128, 10, 100 + seed)
    y = np.random.default_rng(200 + seed).random(128) < 0.3
    search = disc.find_boxes(x, y)
    assert search.boxes == [] and "no box" in search.note


def test_too_few_cases_and_all_cases_give_no_box_and_say_why():
    x = _uniform(50, 2, 5)
    few = np.zeros(50, dtype=bool)
    few[:4] = True
    assert disc.find_boxes(x, few).boxes == [] and "too few" in disc.find_boxes(x, few).note
    every = disc.find_boxes(x, np.ones(50, dtype=bool))
    assert every.boxes == [] and "every one of the 50 points" in every.note


def test_same_data_same_boxes():
    x = _uniform(200, 5, 6)
    y = ((x.x2 > 0.3) & (x.x4 > 0.5)).to_numpy()
    a, b = disc.find_boxes(x, y), disc.find_boxes(x.copy(), y.copy())
    assert [(bx.limits, bx.coverage, bx.density) for bx in a.boxes] == [
        (bx.limits, bx.coverage, bx.density) for bx in b.boxes
    ]


# ---------------------------------------------------------------- plain sentences


BOXES = pd.DataFrame(
    [
        {
            "box": "top-down better: projects started, box 1",
            "parameter": "churn.turnover",
            "low": 0.004,
            "high": 0.008,
            "coverage": 0.62,
            "density": 0.85,
        },
        {
            "box": "top-down better: projects started, box 1",
            "parameter": "population.size",
            "low": 2310,
            "high": 3000,
            "coverage": 0.62,
            "density": 0.85,
        },
        {
            "box": "distributed better: people practising system leadership, box 1",
            "parameter": "senior_support.level",
            "low": 0.0,
            "high": 0.45,
            "coverage": 0.9,
            "density": 0.97,
        },
    ],
    columns=list(disc.COLUMNS),
)


def test_describe_boxes_gives_one_sentence_per_box_with_labels_and_numbers():
    ranges = {"churn.turnover": (0.0, 0.008), "population.size": (1000, 3000), "senior_support.level": (0.0, 1.0)}
    one, two = disc.describe_boxes(BOXES, ranges=ranges)
    assert one == (
        "Top-down does better on projects started (box 1) where staff turnover is at least 0.4% a week and "
        "the number of people in the system is at least 2,310 people: top-down does better at 85% of the "
        "sampled points in this box (density), and the box holds 62% of all the points where top-down "
        "does better (coverage)."
    )
    assert "the share of people whose line manager supports the work is at most 45%" in two
    assert "97%" in two and "90%" in two
    plain = disc.describe_boxes(BOXES)  # without the ranges: both ends given
    assert "staff turnover is 0.4% to 0.8% a week" in plain[0]
    assert not any(SNAKE.search(s) for s in [one, two, *plain])


def test_box_ids_name_the_outcome_by_its_metric_and_sentences_by_plain_words():
    d = disc.load_discovery(Path(__file__).parents[1] / "experiments" / "discovery.toml")
    assert d.question(0, "post_programme_activity") == "top-down better: post programme activity"
    table = pd.DataFrame(
        [
            {
                "box": "top-down better: post programme activity, box 2",
                "parameter": "churn.turnover",
                "low": 0.001,
                "high": 0.005,
                "coverage": 0.3,
                "density": 0.6,
            }
        ]
    )
    (sentence,) = disc.describe_boxes(table)
    assert sentence.startswith(
        "Top-down does better on people taking part each week after the programme (box 2) "
        "where staff turnover is 0.1% to 0.5% a week: "
    )
    assert (
        disc.plain_id("distributed better: adopters, box 1")
        == "distributed better: people practising system leadership, box 1"
    )


def test_describe_boxes_refuses_a_table_without_the_contract_columns():
    with pytest.raises(ValueError, match="density"):
        disc.describe_boxes(BOXES.drop(columns=["density"]))


CONTEXT = sorted(ema.context_parameters())
NUMERIC = sorted(
    i.path
    for i in iter_specs()
    if isinstance(i.default, int | float)
    and not isinstance(i.default, bool)
    and i.spec.items is None
    and i.spec.lo is not None
    and i.spec.hi is not None
)


@settings(max_examples=60, deadline=None)
@given(path=st.sampled_from(NUMERIC), a=st.floats(0, 1), b=st.floats(0, 1), cov=st.floats(0, 1), den=st.floats(0, 1))
def test_no_sentence_ever_names_a_parameter_by_its_code_name(path, a, b, cov, den):
    spec = next(i.spec for i in iter_specs() if i.path == path)
    hi = min(float(spec.hi), float(spec.lo) + 10_000)
    lo_v, hi_v = sorted((spec.lo + a * (hi - spec.lo), spec.lo + b * (hi - spec.lo)))
    table = pd.DataFrame(
        [
            {
                "box": "top-down better: projects started, box 1",
                "parameter": path,
                "low": lo_v,
                "high": hi_v,
                "coverage": cov,
                "density": den,
            }
        ]
    )
    (sentence,) = disc.describe_boxes(table, ranges={path: (spec.lo, hi)})
    assert not SNAKE.search(sentence), sentence
    assert sentence.startswith("Top-down does better on projects started (box 1) where ")


# ---------------------------------------------------------------- the command on the real model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("discover")
    toml = base / "tiny.toml"
    toml.write_text(TINY)
    out = base / "out"
    assert main(["discover", str(toml), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    return toml, out


def test_command_writes_boxes_with_the_contract_columns_and_a_box_where_the_mechanism_puts_it(tiny):
    _, out = tiny
    boxes = pd.read_csv(out / "boxes.csv")
    assert tuple(boxes.columns) == ("box", "parameter", "low", "high", "coverage", "density")
    assert disc.load_boxes(out).equals(boxes)
    assert ((boxes["coverage"] > 0) & (boxes["coverage"] <= 1) & (boxes["density"] > 0) & (boxes["density"] <= 1)).all()
    td = boxes[boxes["box"] == "top-down better: projects started, box 1"]
    dist = boxes[boxes["box"] == "distributed better: projects started, box 1"]
    # top-down's commissioned projects win where the programme commissions a lot, the distributed programme where
    # it commissions little; trust decay does not decide it
    assert list(td["parameter"]) == [RATE] and td["low"].iloc[0] > 0.5 and td["high"].iloc[0] == 6.0
    assert list(dist["parameter"]) == [RATE] and dist["low"].iloc[0] == 0.0 and dist["high"].iloc[0] < 3.0
    # distributed reaches more people at every point: no region to find, and no box rows for it
    assert not boxes["box"].str.contains("people reached").any()
    for name in ("points.csv", "discovery.json", "boxes.png", "peeling.png", "runs.parquet", "manifest.json"):
        assert (out / name).is_file(), name
    assert (out / "boxes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the report's reader of boxes.csv finds the scenario, the outcome and the limits
    from simulation.analysis import brief

    read = {b.id: b for b in brief.load_boxes(out / "boxes.csv")}
    b = read["top-down better: projects started, box 1"]
    assert (b.who, b.outcome, b.number) == ("top-down", "projects_started", 1)
    assert b.conditions == [(RATE, td["low"].iloc[0], 6.0)]


def test_points_hold_the_paired_differences_of_the_runs(tiny):
    _, out = tiny
    points = pd.read_csv(out / "points.csv")
    runs, _, manifest = load_results(out)
    assert len(points) == 40 and list(points["point"]) == list(range(40))
    assert runs["seed"].unique().tolist() == [replicate_seed(7, 0)]  # one seed: both scenarios, every point
    where = {r["run_id"]: r["point"] for r in manifest["runs"]}
    runs["point"] = runs["run_id"].map(where)
    for m in ("projects_started", "people_reached"):
        wide = runs.pivot(index="point", columns="scenario", values=m)
        assert np.array_equal(points[f"{m}.top-down"], wide["top-down"])
        assert np.array_equal(points[f"{m}.difference"], wide["top-down"] - wide["south-manchester"])
    # a point re-run by hand gives the same outcome (the same scenario, context and seed)
    row = points.iloc[5]
    params = scenarios.get("top-down").params(
        {"population.size": 300, "opportunities.per_theme": 100.0, RATE: row[RATE], "trust.decay": row["trust.decay"]}
    )
    assert run(params, replicate_seed(7, 0), 26).metrics["projects_started"] == row["projects_started.top-down"]


def test_box_statistics_are_what_the_points_say(tiny):
    _, out = tiny
    points = pd.read_csv(out / "points.csv")
    boxes = pd.read_csv(out / "boxes.csv")
    meta = json.loads((out / "discovery.json").read_text())
    for box_id, part in boxes.groupby("box"):
        first, second = (
            ("top-down", "south-manchester") if box_id.startswith("top-down") else ("south-manchester", "top-down")
        )
        d = points[f"projects_started.{first}"] - points[f"projects_started.{second}"]
        case = (d > 0).to_numpy()
        inside = np.ones(len(points), dtype=bool)
        for r in part.itertuples():
            inside &= (points[r.parameter] >= r.low).to_numpy() & (points[r.parameter] <= r.high).to_numpy()
        assert part["density"].iloc[0] == pytest.approx(case[inside].mean())
        assert part["coverage"].iloc[0] == pytest.approx(case[inside].sum() / case.sum())
    q = {x["question"]: x for x in meta["questions"]}
    assert q["distributed better: people reached"]["cases"] == 40
    assert q["top-down better: projects started"]["cases"] == int((points["projects_started.difference"] > 0).sum())


def test_printed_summary_is_plain_english_with_numbers(tiny, capsys):
    toml, out = tiny
    assert main(["discover", str(toml), "--out", str(out), "--no-figure"]) == 0
    printed = capsys.readouterr().out
    assert "0 run now, 80 already done" in printed
    sentences = disc.describe_boxes(
        pd.read_csv(out / "boxes.csv"), ranges={RATE: (0.0, 6.0), "trust.decay": (0.0, 1.0)}
    )
    for s in sentences:
        assert s in printed
    assert "where the rate at which the programme commissions projects (top-down's own channel) is at least" in printed
    body = printed.split("\n", 2)[2]  # after the run line and the file list
    assert not SNAKE.search(body.replace("top-down", "")), body


def test_same_toml_same_boxes_and_a_finished_folder_runs_nothing(tiny, tmp_path):
    toml, out = tiny
    again = tmp_path / "again"
    assert main(["discover", str(toml), "--out", str(again), "--workers", "1", "--quiet", "--no-figure"]) == 0
    for name in ("boxes.csv", "points.csv"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    parts = {p.name: p.stat().st_mtime_ns for p in (copy / "parts").iterdir()}
    assert main(["discover", str(toml), "--out", str(copy), "--quiet", "--no-figure"]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in (copy / "parts").iterdir()} == parts
    assert (copy / "boxes.csv").read_bytes() == (out / "boxes.csv").read_bytes()


def test_on_dask_the_boxes_are_the_same_as_on_the_process_pool(tiny, tmp_path):
    import logging

    from distributed import Client, LocalCluster

    toml, out = tiny
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        res = disc.run_discovery(toml, tmp_path / "dask", executor=client, progress=False, draw=False)
    assert res.engine.startswith("dask") and res.ran == 80
    assert (tmp_path / "dask" / "boxes.csv").read_bytes() == (out / "boxes.csv").read_bytes()


# ---------------------------------------------------------------- refusals: one line, exit 2, nothing written


def _edit(old: str, new: str) -> str:
    assert old in TINY
    return TINY.replace(old, new)


BAD = [
    (_edit("[ranges]", "[rangs]"), "unknown table [rangs]"),
    (_edit("n = 40", "n = 40\nmax_box = 2"), "discover.max_box"),
    (_edit("n = 40", "n = 3"), "discover.n"),
    (_edit('method = "lhs"', 'method = "morris"'), "discover.method"),
    (_edit("[0.0, 6.0]", "[0.0, 400.0]"), RATE),
    (_edit("[0.0, 6.0]", "[4.0, 1.0]"), "low must be below high"),
    (_edit('context = ["trust.decay"]', 'context = ["strategy.overhead"]'), "strategy lever"),
    (_edit("[ranges]", '[ranges]\n"strategy.openness" = [0.0, 1.0]'), "strategy lever"),
    (_edit("[set]", '[set]\n"strategy.sponsorship" = 0.5'), "strategy lever"),
    (_edit('context = ["trust.decay"]', 'context = ["population.size"]'), "give it a range in [ranges]"),
    (_edit('context = ["trust.decay"]', 'context = ["trust.decai"]'), "trust.decai"),
    (_edit('"people_reached"]', '"people_reachd"]'), "people_reachd"),
    (_edit('"people_reached"]', '"post_programme_activity"]'), "weeks above 104"),
    (
        _edit('scenarios = ["top-down", "south-manchester"]', 'scenarios = ["top-down", "south-manchester", "hybrid"]'),
        "exactly two scenarios",
    ),
    (_edit('"south-manchester"]', '"south-manchestr"]'), "south-manchestr"),
    (_edit('labels = ["top-down", "distributed"]', 'labels = ["top-down", "top-down"]'), "discover.labels"),
    (_edit("n = 40", "n = 40\nmargin = -0.1"), "discover.margin"),
    (_edit("weeks = 26", "weeks = 0"), "experiment.weeks"),
    (_edit('"opportunities.per_theme" = 100.0', '"commissioning.programme_rate" = 1.0'), "both sampled and fixed"),
]


@pytest.mark.parametrize("text, needle", BAD, ids=[n for _, n in BAD])
def test_bad_experiment_is_one_line_exit_2_and_nothing_written(tmp_path, monkeypatch, capsys, text, needle):
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text(text)
    assert main(["discover", "bad.toml", "--out", "OUT"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("syslead: error: ") and needle in err and "\n" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["discover", "missing.toml", "--out", "OUT"], "missing.toml"),
        (["discover", "good.toml", "--out", "OUT", "--workers", "0"], "--workers"),
        (["discover", "good.toml", "--out", "OUT", "--dask", "nowhere"], "--dask"),
        (["discover", "good.toml"], "--out"),
    ],
)
def test_bad_command_line_is_one_line_exit_2_and_nothing_written(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    Path("good.toml").write_text(TINY)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("syslead: error: ") and needle in err and "\n" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.toml"]


def test_a_corrupt_folder_or_another_experiments_folder_is_refused_untouched(tiny, tmp_path, capsys):
    toml, out = tiny
    corrupt = tmp_path / "corrupt"
    shutil.copytree(out, corrupt)
    (corrupt / "manifest.json").write_text("{not json")
    other = tmp_path / "other"
    shutil.copytree(out, other)
    (tmp_path / "other.toml").write_text(TINY.replace("seed = 7", "seed = 8"))
    for folder, toml_path, needle in (
        (corrupt, toml, "manifest.json"),
        (other, tmp_path / "other.toml", "another experiment"),
    ):
        before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        assert main(["discover", str(toml_path), "--out", str(folder), "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and "\n" not in err, err
        assert {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine")
    assert main(["discover", str(toml), "--out", str(stray), "--quiet"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in stray.iterdir()] == ["notes.txt"]


def test_the_shipped_experiment_is_valid_and_samples_context_only():
    d = disc.load_discovery(Path(__file__).parents[1] / "experiments" / "discovery.toml")
    assert (d.a, d.b) == ("top-down", "south-manchester") and d.labels == ("top-down", "distributed")
    assert not any(p.startswith("strategy.") for p in d.ranges)
    assert d.runs <= 2 * 128 * 2 and d.experiment.weeks == 156
    assert set(d.outcomes) >= {"projects_started", "adopters", "post_programme_activity"}
