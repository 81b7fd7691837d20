"""The brief at the top of every report: which way works better, why, when it would not hold, how sure, what it costs.

A policy team has ten minutes and a printer. :func:`build_brief` turns a results folder's runs (and, when they
sit beside the runs, a lever decomposition, a scenario discovery and a facts check) into a :class:`Brief`: plain
sentences as data (:class:`Span` sequences: text, with scenario titles marked strong and commands marked as
code), one chart, and a glossary. The template ``templates/brief.html`` lays it out; nothing here writes HTML.

Inputs, each optional (when absent, the part says which command would produce it):

- the runs: ``runs.parquet`` (answer, chart, cost; the intervals are run-to-run noise, or parameter uncertainty
  as well when the runs carry a ``draw`` column with more than one positive value);
- ``levers.csv`` + ``levers.json`` (``syslead decompose``) in the folder or ``levers/``: why;
- ``boxes.csv`` (``syslead discover``: ``box, parameter, low, high, coverage, density``) in the folder or
  ``discovery/``: where the other strategy does as well or better;
- ``facts.csv`` (``syslead facts``: ``fact, low, high, value, verdict``) in the folder or ``facts/``; without one,
  the facts are measured on the folder's own runs of the calibrated scenario when they are long enough.

Words for likelihood follow one fixed scale (:data:`LIKELIHOOD`, the IPCC's calibrated language), and every range
in the brief is the middle 90% of paired runs: "very likely" on that scale.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import ConfigError, make_params
from . import stored
from .stats import DRAW

if TYPE_CHECKING:
    from .decompose import Contribution


# ---------------------------------------------------------------------------------------------- words

LIKELIHOOD: tuple[tuple[str, float, float], ...] = (
    ("virtually certain", 0.99, 1.00),
    ("very likely", 0.90, 1.00),
    ("likely", 0.66, 1.00),
    ("about as likely as not", 0.33, 0.66),
    ("unlikely", 0.00, 0.33),
    ("very unlikely", 0.00, 0.10),
    ("exceptionally unlikely", 0.00, 0.01),
)
"""The fixed likelihood scale (term, lower and upper probability), as in the IPCC's guidance note
(Mastrandrea et al. 2010). A term is the narrowest that holds: 0.95 is "very likely", not just "likely"."""

RANGE = 0.90  # every range in the brief holds the middle 90% of runs: "very likely" on the scale
RANGE_WORD = "very likely"


def likelihood(p: float) -> str:
    """The scale's word for a probability ``p`` (0-1)."""
    if not 0.0 <= p <= 1.0 or math.isnan(p):
        raise ValueError(f"a probability is between 0 and 1, got {p}")
    if p >= 0.99:
        return "virtually certain"
    if p >= 0.90:
        return "very likely"
    if p > 0.66:  # at exactly 0.66 "about as likely as not" (0.33-0.66) is the narrower term
        return "likely"
    if p > 0.33:
        return "about as likely as not"
    if p > 0.10:
        return "unlikely"
    if p > 0.01:
        return "very unlikely"
    return "exceptionally unlikely"


@dataclass(frozen=True)
class OutcomeWords:
    label: str  # "Projects started": headings, the chart
    verb: str  # "started"
    noun: str  # "projects"
    short: str  # "the projects": in "1.2 times the projects"
    definition: str  # the glossary


OUTCOMES: dict[str, OutcomeWords] = {
    "projects_started": OutcomeWords(
        "Projects started",
        "started",
        "projects",
        "the projects",
        "projects across services begun in the runs, set up by staff or given to a team.",
    ),
    "adopters": OutcomeWords(
        "People practising system leadership",
        "ended with",
        "people practising system leadership",
        "the people practising",
        "people who, at the end, work across services and bring others in.",
    ),
    "post_programme_activity": OutcomeWords(
        "Activity after the funding ends",
        "kept",
        "people taking part each week after the funding ended",
        "the activity after the funding",
        "people taking part each week in the year after paid-for events stop.",
    ),
    "projects_completed": OutcomeWords(
        "Projects completed",
        "completed",
        "projects",
        "the projects completed",
        "projects across services that reached their goal in the runs.",
    ),
}
BRIEF_OUTCOMES = ("projects_started", "adopters", "post_programme_activity")


def outcome_words(metric: str) -> OutcomeWords:
    if metric in OUTCOMES:
        return OUTCOMES[metric]
    from ..metrics import METRIC_BY_NAME

    doc = METRIC_BY_NAME[metric].doc if metric in METRIC_BY_NAME else metric.replace("_", " ")
    return OutcomeWords(doc[:1].upper() + doc[1:], "had", doc, doc, doc + ".")


# What moving a lever means, by direction (up, down); the decomposition's labels name the lever, not the move.
LEVER_MOVES: dict[str, tuple[str, str]] = {
    "strategy.openness": ("invitations open to anyone", "invitations by role"),
    "strategy.informality": ("informal venues", "formal venues"),
    "strategy.power_sharing": ("sharing power", "keeping decisions at the top"),
    "strategy.role_modelling": ("leads who act as role models", "leads who do not act it out"),
    "strategy.self_selection": ("teams that form themselves", "teams assigned by managers"),
    "strategy.overhead": ("action plans and monitoring", "no action plans or monitoring"),
    "strategy.sponsorship": ("a senior sponsor for each project", "no senior sponsors"),
}

# Plain names of the parameters scenario discovery is likely to restrict (others: the registry's own words).
PARAMETER_LABELS: dict[str, str] = {
    "population.threshold_mean": "how many practising contacts it takes to persuade someone",
    "population.threshold_sd": "how much that varies between people",
    "projects.coverage_exponent": "how much a missing service slows a team",
    "projects.trust_floor": "how well a team of strangers works",
    "projects.idea_rate": "how often practitioners put forward a project",
    "projects.base_progress": "how fast a good team makes progress",
    "projects.coproduction_slowdown": "how much shared decisions slow a project",
    "projects.support_boost": "how much senior backing speeds a project",
    "projects.fail_hazard": "how often a project fizzles out",
    "churn.turnover": "staff turnover each week",
    "senior_support.level": "the share of staff with a supportive line manager",
    "senior_support.from_adopters": "how much practising managers back their staff",
    "trust.contact_gain": "how much trust one meeting builds",
    "trust.decay": "how fast trust fades without contact",
    "mindset.adoption_rate": "how quickly people take up the practice once persuaded",
    "population.size": "the number of people in the place",
}

LIMITS: tuple[str, ...] = (
    "It is a made-up place, not a forecast: people, ties and services come from assumptions, not data.",
    "Only the South Manchester way was fitted to the case; no real programme run the other ways was used to check "
    "them.",
    "It counts activity, not health or money saved: a project counts whether or not it helps anyone.",
)
"""What the model cannot tell, from the assumptions in docs/ODD.md (section "Limits: what the model cannot
tell"; a test keeps the two the same)."""


# ---------------------------------------------------------------------------------------------- rich text


@dataclass(frozen=True)
class Span:
    """A piece of a sentence: plain text, a name (shown strong) or a command (shown as code)."""

    text: str
    strong: bool = False
    code: bool = False


Text = tuple[Span, ...]


def text(*parts: str | Span) -> Text:
    """A sentence from strings (plain) and spans."""
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts if p != "")


def name(title: str) -> Span:
    return Span(title, strong=True)


def cmd(command: str) -> Span:
    return Span(command, code=True)


def plain(t: Text | Sequence[Span]) -> str:
    """The words of a sentence, without any marking."""
    return "".join(s.text for s in t)


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _num(v: float) -> str:
    """A count for prose: 1,234; 56; 7.8; 0.42."""
    if not math.isfinite(v):
        return "n/a"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.0f}"
    return f"{v:.2g}" if abs(v) < 1 else f"{v:.1f}"


def _times(r: float) -> str:
    """A ratio for prose: 12, 3.4, 1.08."""
    if not math.isfinite(r):
        return "n/a"
    if r >= 10:
        return f"{r:.0f}"
    if r >= 1.5:
        return f"{r:.1f}"
    return f"{r:.2f}"


def _pct(p: float) -> str:
    return f"{100 * p:.0f}%"


# ---------------------------------------------------------------------------------------------- the answer


@dataclass(frozen=True)
class VarianceSplit:
    """How much of the spread of a paired comparison comes from the parameter draws (between draws) and how much
    from run-to-run noise (within draws), by the law of total variance on the per-pair log ratio (or
    difference)."""

    draws: int
    runs: int
    between: float  # variance of the draw means
    within: float  # mean variance inside a draw (0 and unidentified when every draw has one run)
    identified: bool  # at least one draw has two runs or more

    @property
    def between_share(self) -> float:
        total = self.between + self.within
        return self.between / total if total > 0 else math.nan


@dataclass(frozen=True)
class Contrast:
    """One scenario against the reference on one outcome, pair by pair."""

    scenario: str
    reference: str
    metric: str
    n: int
    mean: float
    mean_reference: float
    kind: str  # "ratio" (every reference value > 0) or "difference"
    estimate: float  # ratio of means, or mean difference
    low: float  # the middle RANGE of the per-pair ratios (or differences)
    high: float
    p_higher: float  # share of pairs where the scenario came out higher (ties count half)
    split: VarianceSplit | None = None

    @property
    def clear(self) -> int:
        """+1 / -1 when the whole range lies above / below "the same", else 0."""
        same = 1.0 if self.kind == "ratio" else 0.0
        return 1 if self.low > same else (-1 if self.high < same else 0)


def paired_values(
    runs: pd.DataFrame, scenario: str, reference: str, metric: str, keys: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(x, y, draw)``: the metric for the scenario and the reference, paired on ``keys``; the draw of each pair
    when the runs carry one."""
    from .stats import aligned

    cols = [metric] + ([DRAW] if DRAW in runs.columns and DRAW not in keys else [])
    a, b = aligned(runs, scenario, reference, cols, keys)
    draw = None
    if DRAW in runs.columns:
        draw = (a.index.get_level_values(DRAW) if DRAW in keys else a[DRAW]).to_numpy()
    return a[metric].to_numpy(np.float64), b[metric].to_numpy(np.float64), draw


def has_draws(runs: pd.DataFrame) -> bool:
    """Were the runs made over posterior draws? (an integer ``draw`` column with more than one positive value)"""
    if DRAW not in runs.columns or not pd.api.types.is_integer_dtype(runs[DRAW]):
        return False
    d = runs[DRAW].to_numpy()
    return int(np.unique(d[d > 0]).size) > 1


def variance_split(q: np.ndarray, draw: np.ndarray) -> VarianceSplit:
    """Law of total variance of ``q`` over the groups ``draw`` (population variances, weights = runs per draw)."""
    q = np.asarray(q, dtype=np.float64)
    df = pd.DataFrame({"q": q, "d": np.asarray(draw)})
    g = df.groupby("d")["q"]
    n, means, var = g.size(), g.mean(), g.var(ddof=0)
    w = n / n.sum()
    grand = float((w * means).sum())
    between = float((w * (means - grand) ** 2).sum())
    within = float((w * var).sum())
    return VarianceSplit(int(n.size), int(n.sum()), between, within, bool((n >= 2).any()))


def contrast(
    x: np.ndarray, y: np.ndarray, scenario: str, reference: str, metric: str, draw: np.ndarray | None = None
) -> Contrast:
    """The brief's comparison of ``x`` (scenario) with ``y`` (reference), pair by pair."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"paired values must be non-empty and of equal length, got {x.shape} and {y.shape}")
    tail = (1 - RANGE) / 2
    ratio_ok = bool((y > 0).all() and (x >= 0).all())
    if ratio_ok:
        q = x / y
        est = float(x.mean() / y.mean())
        kind = "ratio"
    else:
        q = x - y
        est = float(q.mean())
        kind = "difference"
    low, high = (float(v) for v in np.quantile(q, [tail, 1 - tail]))
    p = float(np.mean(x > y) + 0.5 * np.mean(x == y))
    split = None
    if draw is not None and np.unique(draw[draw > 0]).size > 1:
        spread = np.log(q) if ratio_ok and (q > 0).all() else q
        split = variance_split(spread, draw)
    return Contrast(
        scenario, reference, metric, int(x.size), float(x.mean()), float(y.mean()), kind, est, low, high, p, split
    )


def contrasts(
    runs: pd.DataFrame, reference: str, scenarios: Sequence[str], metrics: Sequence[str], keys: Sequence[str]
) -> list[Contrast]:
    out = []
    for sc in scenarios:
        if sc == reference:
            continue
        for m in metrics:
            x, y, draw = paired_values(runs, sc, reference, m, keys)
            if x.size:
                out.append(contrast(x, y, sc, reference, m, draw))
    return out


FRACTIONS = (
    (1 / 2, "half"),
    (1 / 3, "a third"),
    (1 / 4, "a quarter"),
    (1 / 5, "a fifth"),
    (2 / 3, "two thirds"),
    (3 / 4, "three quarters"),
)


def size_words(r: float) -> str:
    """How many times as many, in words: "about as many", "about 8% more", "about 3.1 times as many",
    "about a third as many", "about 20% fewer"."""
    if not math.isfinite(r) or r < 0:
        return "n/a"
    if 0.95 <= r < 1.05:
        return "about as many"
    if 1.05 <= r < 1.5:
        return f"about {100 * (r - 1):.0f}% more"
    if r >= 1.5:
        return f"about {_times(r)} times as many"
    if r > 0.8:
        return f"about {100 * (1 - r):.0f}% fewer"
    word = next((w for f, w in FRACTIONS if abs(r / f - 1) <= 0.06), None)
    if word:
        return f"about {word} as many"
    under = next((w for f, w in sorted(FRACTIONS) if r < f), None)
    return f"under {under} as many ({_times(r)} times)" if under else f"about {_times(r)} times as many"


def answer_sentence(c: Contrast, titles: Mapping[str, str] | None = None) -> Text:
    """One outcome of the scenario against the reference, as an item of the list "Against B, A ...":
    "started about 8% more projects: very likely between 0.92 and 1.30 times as many."."""
    w = outcome_words(c.metric)
    if c.kind == "difference":
        more = "more" if c.estimate >= 0 else "fewer"
        return text(
            f"{w.verb} about {_num(abs(c.estimate))} {more} {w.noun} on average ({RANGE_WORD} "
            f"{_num(c.low)} to {_num(c.high)} more)."
        )
    size = size_words(c.estimate)
    out = f"{w.verb} {size} {w.noun} ({RANGE_WORD} {_times(c.low)} to {_times(c.high)} times as many"
    if c.low <= 1 <= c.high:
        p = c.p_higher
        out += f"; ahead in {_pct(p)} of paired runs: {likelihood(p)}"
    return text(out + ").")


def verdict_sentence(main: Sequence[Contrast], titles: Mapping[str, str]) -> Text:
    """Which of the two main ways does better, outcome by outcome, when the whole range says so."""
    if not main:
        return text()
    a, b = main[0].scenario, main[0].reference
    a_wins = [outcome_words(c.metric).label.lower() for c in main if c.clear > 0]
    b_wins = [outcome_words(c.metric).label.lower() for c in main if c.clear < 0]
    level = [outcome_words(c.metric).label.lower() for c in main if c.clear == 0]
    n = len(main)
    if len(a_wins) == n or len(b_wins) == n:
        winner = a if a_wins else b
        on = "this question" if n == 1 else "both questions" if n == 2 else f"all {n} questions"
        return text(name(titles.get(winner, winner)), f" very likely does better on {on}.")
    parts: list[str | Span] = []
    if a_wins and b_wins:
        parts.append("The answer is mixed. ")
    for who, wins in ((b, b_wins), (a, a_wins)):
        if wins:
            parts += [name(titles.get(who, who)), f" very likely does better on {_and(wins)}. "]
    if level:
        parts.append(f"Neither is clearly ahead on {_and(level)}.")
    return text(*parts)


def others_sentence(cs: Sequence[Contrast], titles: Mapping[str, str]) -> Text:
    """One scenario beyond the main two, every outcome in one line."""
    bits = []
    for c in cs:
        w = outcome_words(c.metric)
        bits.append(f"{_times(c.estimate)} times {w.short}" if c.kind == "ratio" else f"{c.estimate:+,.0f} {w.noun}")
    return text(name(titles.get(cs[0].scenario, cs[0].scenario)), f": {_and(bits)}, on average.")


def alt_text(cs: Sequence[Contrast], titles: Mapping[str, str], reference: str) -> str:
    """The chart's alternative text: the answer in words."""
    by_sc: dict[str, list[Contrast]] = {}
    for c in cs:
        by_sc.setdefault(c.scenario, []).append(c)
    lines = [f"Chart: each way of running the programme against {titles.get(reference, reference)} (1 means the same)."]
    for sc, part in by_sc.items():
        bits = [
            f"{_times(c.estimate)} times {outcome_words(c.metric).short} (very likely {_times(c.low)} to "
            f"{_times(c.high)})"
            if c.kind == "ratio"
            else f"{c.estimate:+,.0f} {outcome_words(c.metric).noun}"
            for c in part
        ]
        lines.append(f"{titles.get(sc, sc)}: {_and(bits)}.")
    return " ".join(lines)


# ---------------------------------------------------------------------------------------------- parts


@dataclass
class Part:
    id: str
    heading: str
    paragraphs: list[Text] = field(default_factory=list)
    bullets: list[Text] = field(default_factory=list)
    after: list[Text] = field(default_factory=list)
    present: bool = True  # False: the input is missing and the part says how to make it
    short: list[Text] | None = None  # shorter bullets, used when the brief runs over MAX_WORDS
    shortest: list[Text] | None = None  # shorter still
    stored: tuple[Text, Text] | None = None  # a stored study's sentence in ``after``, and without the command


def _find(folder: Path, name_: str, sub: str) -> Path | None:
    return next((p for p in (folder / name_, folder / sub / name_) if p.is_file()), None)


# -- why: the lever decomposition


def why_part(
    folder: Path,
    titles: Mapping[str, str],
    outcomes: Sequence[str],
    main: tuple[str, str] | None,
    runs_version: str | None = None,
) -> Part:
    from . import decompose as dec

    part = Part("brief-why", "Why they differ")
    found = _find(folder, dec.LEVERS_CSV, "levers")
    if found is None:
        part.present = False
        pair: list[str | Span] = (
            ["between ", name(titles.get(main[0], main[0])), " and ", name(titles.get(main[1], main[1])), " "]
            if main
            else []
        )
        part.paragraphs.append(
            text(
                "Which levers make the gap ",
                *pair,
                "has not been measured for these runs. To measure it, run ",
                cmd("syslead decompose A B --replicates 20 --out DIR/levers"),
                " with A and B the two ways, then ",
                cmd("syslead report DIR"),
                ".",
            )
        )
        return part
    try:
        table, meta = dec.load_levers(found)
    except ConfigError as exc:
        part.present = False
        part.paragraphs.append(
            text(f"The lever study beside these runs cannot be read ({exc}). Run ", cmd("syslead decompose"), " again.")
        )
        return part
    b_name = str(meta.get("b_name", "B"))
    tb = titles.get(b_name) or _title(b_name)
    levers = {x["lever"]: x for x in meta.get("levers", [])}
    n = len(levers)
    part.paragraphs.append(
        text(
            f"Switching the {n} levers between the two ways in every mix ({_num(float(meta.get('runs', 0) or 0))} "
            "runs) shows what gives ",
            name(tb),
            " more or fewer:",
        )
    )
    stories = {s.outcome: s for s in dec.why_the_strategies_differ(table, meta)}

    def move(c: Contribution) -> str:
        up, down = LEVER_MOVES.get(c.lever, (c.label.lower(), "less " + c.label.lower()))
        try:
            return up if float(c.b_value) >= float(c.a_value) else down
        except (TypeError, ValueError):
            return c.label.lower()

    short: list[Text] = []
    shortest: list[Text] = []
    for m in outcomes:
        s = stories.get(m)
        if s is None or s.gap == 0 or not s.carrying:
            continue
        bits = (
            f"{outcome_words(m).label} ({'more' if s.gap > 0 else 'fewer'}): mostly "
            f"{_and([move(c) for c in s.carrying])}"
        )
        if s.opposing:
            opp = s.opposing[:2]
            bits += f"; {_and([move(c) for c in opp])} {'push' if len(opp) > 1 else 'pushes'} the other way"
        part.bullets.append(text(bits + "."))
        short.append(
            text(
                f"{outcome_words(m).label} ({'more' if s.gap > 0 else 'fewer'}): mostly "
                f"{_and([move(c) for c in s.carrying[:2]])}."
            )
        )
        shortest.append(
            text(f"{outcome_words(m).label} ({'more' if s.gap > 0 else 'fewer'}): mostly {move(s.carrying[0])}.")
        )
    part.short = short
    part.shortest = shortest
    version = meta.get("version")
    made = stored.provenance(found.parent)
    if made is not None:
        part.stored = stored_sentences("lever study", made, "syslead decompose A B --replicates 20 --out DIR/levers")
        part.after.append(part.stored[0])
    elif runs_version and version and version != runs_version:
        part.after.append(
            text("This lever study was made with another version of the model. Run it again before relying on it.")
        )
    return part


def stored_sentences(what: str, made: Mapping[str, Any], command: str) -> tuple[Text, Text]:
    """Where a stored study (shipped with syslead, copied in by the main job) comes from and how to remake it; and
    the same without the command (a step of :func:`trim`: the report's own section gives it)."""
    when = f" on {made['date']}" if made.get("date") else ""
    where = f"This {what} ships with syslead (made{when} at the scenarios' own settings)."
    return text(where, " For other settings, run ", cmd(command), "."), text(where)


# -- where: scenario discovery

BOX_COLUMNS = ("box", "parameter", "low", "high", "coverage", "density")
BOX_ID = re.compile(r"^\s*(?P<who>.+?)\s+better\s*:\s*(?P<outcome>.+?)\s*,\s*box\s+(?P<n>\d+)\s*$", re.I)


@dataclass
class Box:
    id: str
    who: str | None  # the scenario named in the id
    outcome: str | None  # the outcome's metric name, when the id names a known one
    number: int
    conditions: list[tuple[str, float, float]]  # parameter, low, high
    coverage: float
    density: float


def load_boxes(path: Path) -> list[Box]:
    """``boxes.csv`` as boxes (ConfigError when it is not one)."""
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None
    if tuple(df.columns) != BOX_COLUMNS:
        raise ConfigError(f"{path} is not a scenario discovery: columns must be {', '.join(BOX_COLUMNS)}")
    boxes: list[Box] = []
    for box_id, g in df.groupby("box", sort=False):
        m = BOX_ID.match(str(box_id))
        who = m.group("who").strip() if m else None
        outcome = None
        if m:
            key = m.group("outcome").strip().lower().replace(" ", "_")
            outcome = key if key in _known_metrics() else None
        conds = [(str(r.parameter), float(r.low), float(r.high)) for r in g.itertuples(index=False)]
        boxes.append(
            Box(
                str(box_id),
                who,
                outcome,
                int(m.group("n")) if m else len(boxes) + 1,
                conds,
                float(g["coverage"].iloc[0]),
                float(g["density"].iloc[0]),
            )
        )
    return boxes


def _known_metrics() -> set[str]:
    from ..metrics import SUMMARY_METRICS

    return set(SUMMARY_METRICS)


def parameter_label(path: str) -> str:
    """Plain words for a parameter: the list above, else the registry's description without formulas or code."""
    if path in PARAMETER_LABELS:
        return PARAMETER_LABELS[path]
    from ..config import iter_specs

    doc = next((i.spec.doc for i in iter_specs() if i.path == path), "")
    doc = re.split(r"\s[(:;]|[;:]", doc)[0].strip() if doc else ""
    if not doc or re.search(r"[a-z]_[a-z]|\w\.\w|[=*+]", doc):
        doc = path.rsplit(".", 1)[-1].replace("_", " ")
    return "the " + doc if not doc.startswith(("the ", "a ", "an ", "how ")) else doc


def _bound(v: float) -> str:
    if not math.isfinite(v):
        return "n/a"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def condition_text(path: str, low: float, high: float) -> str:
    label = parameter_label(path)
    if not math.isfinite(low) and not math.isfinite(high):
        return f"{label} is anything"
    if not math.isfinite(low):
        return f"{label} is at most {_bound(high)}"
    if not math.isfinite(high):
        return f"{label} is at least {_bound(low)}"
    return f"{label} is between {_bound(low)} and {_bound(high)}"


def _discovery_meta(boxes_csv: Path) -> dict[str, Any]:
    """``discovery.json`` beside ``boxes_csv`` (labels, scenarios, ranges, points), or {}."""
    import json

    path = boxes_csv.with_name("discovery.json")
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def where_part(
    folder: Path,
    titles: Mapping[str, str],
    main: tuple[str, str] | None,
    boxes: list[Box] | None,
    error: str | None,
    shown: int = 2,
    contrasts: Sequence[Contrast] | None = None,
) -> Part:
    """Where the answer would not hold: for each outcome with a clear answer (``contrasts``, the brief's main
    pair), the conditions under which the way behind does better (the densest box of scenario discovery for that
    outcome and that way), or that none was found. Without a clear answer, the strongest boxes found."""
    part = Part("brief-where", "When it would not hold")
    alt = titles.get(main[0], main[0]) if main else "the other way"
    if error:
        part.present = False
        part.paragraphs.append(
            text(
                f"The scenario discovery beside these runs cannot be read ({error}). Run ",
                cmd("syslead discover"),
                " again.",
            )
        )
        return part
    if not boxes:
        part.present = False
        part.paragraphs.append(
            text(
                "Where ",
                name(alt),
                " would do as well or better has not been searched for these runs. ",
                cmd("syslead discover"),
                " searches for it; put its results in ",
                cmd("DIR/discovery"),
                " and run ",
                cmd("syslead report DIR"),
                ".",
            )
        )
        return part
    found = _find(folder, "boxes.csv", "discovery")
    study = _discovery_meta(found) if found is not None else {}
    scenario_of = dict(zip(study.get("labels") or [], study.get("scenarios") or []))
    ranges = {
        k: tuple(v) for k, v in (study.get("ranges") or {}).items() if isinstance(v, list | tuple) and len(v) == 2
    }

    def who_of(b: Box) -> str | None:
        return scenario_of.get(b.who or "", b.who)

    def conds(b: Box) -> str:
        out = []
        for path, lo, hi in b.conditions:
            r_lo, r_hi = ranges.get(path, (math.nan, math.nan))
            out.append(condition_text(path, -math.inf if lo <= r_lo else lo, math.inf if hi >= r_hi else hi))
        return _and(out)

    used: set[str] = set()
    followed = False
    for c in contrasts or []:
        if c.metric not in {b.outcome for b in boxes} | set(study.get("outcomes") or []):
            continue
        ahead = c.clear or int(np.sign(c.estimate - (1.0 if c.kind == "ratio" else 0.0)))  # on average, if unclear
        if ahead == 0:
            continue
        followed = True
        trailing = c.reference if ahead > 0 else c.scenario
        label = outcome_words(c.metric).label
        mine = sorted(
            (b for b in boxes if b.outcome == c.metric and who_of(b) == trailing),
            key=lambda b: -(b.coverage * b.density),
        )
        if mine:
            b = mine[0]
            used.add(b.id)
            part.bullets.append(
                text(
                    f"{label}: ",
                    name(titles.get(trailing, trailing)),
                    f" does better when {conds(b)} (in {_pct(b.density)} of such cases; {_pct(b.coverage)} of "
                    "all its wins).",
                )
            )
        else:
            part.bullets.append(
                text(f"{label}: no conditions were found where ", name(titles.get(trailing, trailing)), " does better.")
            )
    if followed:
        part.paragraphs.insert(
            0,
            text(
                f"A search over {_num(float(study.get('n') or 0))} sets of uncertain settings found where the way "
                "behind would come out ahead:"
                if study.get("n")
                else "A search over uncertain settings found where the way behind would come out ahead:"
            ),
        )
    else:  # no clear answer to follow: the strongest sets of conditions found
        ranked = sorted(boxes, key=lambda b: -(b.coverage * b.density))
        part.paragraphs.append(
            text(
                f"A search over uncertain settings found {len(boxes)} set{'s' if len(boxes) != 1 else ''} of "
                "conditions where one way does better than the other:"
            )
        )
        for b in ranked[:shown]:
            who = who_of(b)
            what = outcome_words(b.outcome).label if b.outcome else "All outcomes"
            used.add(b.id)
            part.bullets.append(
                text(
                    f"{what}: ",
                    name(titles.get(who or "", "") or (_title(who) if who else alt)),
                    f" does better when {conds(b)} (in {_pct(b.density)} of such cases; {_pct(b.coverage)} of all "
                    "its wins).",
                )
            )
    if len(boxes) > len(used):
        part.after.append(text(f"The report lists all {len(boxes)}."))
    made = stored.provenance(found.parent) if found is not None else None
    if made is not None:
        part.stored = stored_sentences("search", made, "syslead discover FILE --out DIR/discovery")
        part.after.append(part.stored[0])
    return part


# -- sure: the case's facts


@dataclass
class FactsCheck:
    table: pd.DataFrame  # fact, low, high, value, verdict
    source: str  # "stored" (syslead facts) or "runs" (measured here)
    scenario: str | None = None
    runs: int = 0
    path: Path | None = None


FACT_SHORT = {
    "first_workshop": "over 90 at the first workshop",
    "reach_after_party": "over 200 people reached in the first months",
    "projects_two_years": "over 100 projects in two years",
    "lasting_cross_sector_ties": "lasting ties across services",
    "voluntary_sector_prominent": "a strong place for the voluntary sector",
    "core_group_meets": "a core group still meeting after the funding",
    "registrations_grow": "Brew and Biscuits still growing",
    "projects_after_programme": "new projects after the funding",
    "growth_levels_off": "growth levelling off over ten years",
}


def load_facts(folder: Path) -> FactsCheck | None:
    """A stored ``facts.csv`` (``syslead facts``) in the folder or ``facts/``; ConfigError when unreadable."""
    path = _find(folder, "facts.csv", "facts")
    if path is None:
        return None
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None
    cols = ("fact", "low", "high", "value", "verdict")
    if tuple(df.columns) != cols or not set(df["verdict"]) <= {"ok", "miss"}:
        raise ConfigError(f"{path} is not a facts check: columns must be {', '.join(cols)}, verdict ok or miss")
    return FactsCheck(df, "stored", path=path)


def facts_from_runs(
    manifest: dict, runs: pd.DataFrame, ts: pd.DataFrame, scenarios: Sequence[str]
) -> FactsCheck | None:
    """The facts measured on this folder's runs of the calibrated scenario (the built-in south-manchester with the
    same parameters, or on posterior draws of the calibrated ones: a posterior predictive check), when they last
    long enough; ``None`` otherwise. No extra runs."""
    from .. import scenarios as scenario_lib
    from ..validation import facts as F
    from ..validation.abc import CALIBRATED
    from .replay import experiment_of, scenario_params

    if not len(ts):
        return None
    weeks = int(experiment_of(manifest).get("weeks", 0) or ts["week"].max())
    facts = F.facts_within(weeks)
    if len(facts) < 2 or weeks < F.FOLLOW_UP_WEEK:
        return None
    calibrated = scenario_lib.get(scenario_lib.DEFAULT_SCENARIO).params()
    drawn = list((manifest.get("posterior") or {}).get("parameters") or [])  # vary from draw to draw
    if not set(drawn) <= set(CALIBRATED):
        return None  # draws of other parameters: not the calibrated model
    for sc in scenarios:
        try:
            params = scenario_params(manifest, runs, sc)
            if drawn:
                params = make_params(params.to_dict(), {path: calibrated.get(path) for path in drawn})
        except ConfigError:
            continue
        if params != calibrated:
            continue
        part = runs[runs["scenario"] == sc]
        sub = ts[ts["run_id"].isin(part["run_id"])]
        values = F.measure_table(part, sub, params, facts)
        return FactsCheck(F.verdicts(values, facts), "runs", sc, len(part))
    return None


def uncertainty_sentence(draws: bool, n_draws: int) -> Text:
    """What the ranges cover: run-to-run noise only, or parameter uncertainty as well."""
    if draws:
        return text(
            f"Ranges cover chance and doubt about the model's settings ({n_draws} sets of settings drawn from "
            "the fit to the case)."
        )
    return text("Ranges show chance alone: the model's settings were held fixed.")


def sure_part(
    check: FactsCheck | None,
    error: str | None,
    titles: Mapping[str, str],
    splits: Sequence[Contrast],
    draws: bool,
    short: bool = False,
) -> Part:
    """How sure: the facts the model matches, and with posterior draws how much of each answer's spread is doubt
    about the settings. ``short`` (a step of :func:`trim`): no example facts, and the shares in the answers' order."""
    from ..validation import facts as F

    part = Part("brief-sure", "How sure we are")
    if error:
        part.paragraphs.append(text(f"The facts check beside these runs cannot be read ({error})."))
    if check is None:
        part.present = False
        part.paragraphs.append(
            text(
                "These runs were not checked against the facts of the South Manchester case. To check them, run ",
                cmd("syslead facts --scenario NAME --seeds 1-5 --out DIR/facts"),
                " and then ",
                cmd("syslead report DIR"),
                ".",
            )
        )
    else:
        t = check.table
        ok = t[t["verdict"] == "ok"]
        miss = t[t["verdict"] == "miss"]
        where = (
            text("In ", _num(check.runs), " runs of ", name(titles.get(check.scenario, check.scenario)), ",")
            if check.source == "runs" and check.scenario
            else text("In the stored check,")
        )
        examples = [
            FACT_SHORT.get(f, F.FACT_BY_NAME[f].label if f in F.FACT_BY_NAME else f)
            for f in ok["fact"]
            if f in ("first_workshop", "projects_two_years")
        ]
        first = text(
            *where,
            f" the model matches {len(ok)} of the {len(t)} facts of the South Manchester case "
            "that it can check" + (f", such as {_and(examples)}." if examples and not short else "."),
        )
        part.paragraphs.append(first)
        if len(miss):
            labels = [FACT_SHORT.get(f, f.replace("_", " ")) for f in miss["fact"]]
            part.paragraphs.append(text(f"It misses {_and(labels)}."))
    if draws:
        shares = [
            (outcome_words(c.metric).label.lower(), c.split.between_share)
            for c in splits
            if c.split is not None and c.split.identified and math.isfinite(c.split.between_share)
        ]
        if shares and short:
            part.paragraphs.append(
                text(
                    "Doubt about the settings makes up "
                    + _and([_pct(s) for _, s in shares])
                    + " of the spread of "
                    + ("these answers, in that order" if len(shares) > 1 else "this answer")
                    + "; chance makes up the rest."
                )
            )
        elif shares:
            part.paragraphs.append(
                text(
                    "Doubt about the settings makes up "
                    + _and([f"{_pct(s)} of the spread for {lbl}" for lbl, s in shares])
                    + "; chance makes up the rest."
                )
            )
        elif splits:
            part.paragraphs.append(
                text(
                    "Each set of settings was run once, so the spread cannot be split "
                    "between doubt about the settings and chance."
                )
            )
    return part


# -- cost


@dataclass(frozen=True)
class CostRow:
    scenario: str
    runs: int
    staff_days: tuple[float, float, float]  # mean, low, high (middle 90% of runs)
    pounds: tuple[float, float, float] | None
    parts: dict[str, float]  # mean staff-days by kind
    per_100: dict[str, tuple[float, float, float]]  # outcome -> per 100 staff-days: ratio of means, range of runs


COST_NOUNS = {
    "projects_started": "projects",
    "adopters": "people practising",
    "post_programme_activity": "people active after the funding",
}
COST_PARTS = {
    "staff_days_facilitation": "running events",
    "staff_days_attendance": "time away to take part",
    "staff_days_matching": "matching people",
    "staff_days_management": "managing projects",
}


def _spread(v: np.ndarray) -> tuple[float, float, float]:
    tail = (1 - RANGE) / 2
    lo, hi = np.quantile(v, [tail, 1 - tail])
    return float(v.mean()), float(lo), float(hi)


def cost_rows(runs: pd.DataFrame, scenarios: Sequence[str], outcomes: Sequence[str]) -> list[CostRow]:
    """Cost per scenario and outcomes per 100 staff-days, from the per-run cost metrics (empty without them)."""
    if "staff_days" not in runs.columns:
        return []
    rows = []
    for sc in scenarios:
        part = runs[runs["scenario"] == sc]
        if not len(part):
            continue
        days = part["staff_days"].to_numpy(np.float64)
        pounds = (
            _spread(part["delivery_cost_pounds"].to_numpy(np.float64))
            if "delivery_cost_pounds" in part.columns
            else None
        )
        per = {}
        if days.sum() > 0 and (days > 0).all():
            for m in outcomes:
                if m in part.columns:
                    v = part[m].to_numpy(np.float64)
                    tail = (1 - RANGE) / 2
                    lo, hi = np.quantile(100 * v / days, [tail, 1 - tail])
                    per[m] = (float(100 * v.sum() / days.sum()), float(lo), float(hi))
        kinds = {k: float(part[k].mean()) for k in COST_PARTS if k in part.columns}
        rows.append(CostRow(sc, len(part), _spread(days), pounds, kinds, per))
    return rows


def _money(v: float) -> str:
    if v >= 1e6:
        return f"£{v / 1e6:.1f} million"
    if v >= 1e4:
        return f"£{v / 1e3:,.0f},000"
    return f"£{v:,.0f}"


def cost_part(rows: Sequence[CostRow], titles: Mapping[str, str], outcomes: Sequence[str], per: int = 2) -> Part:
    part = Part("brief-cost", "What it costs")
    if not rows:
        part.present = False
        part.paragraphs.append(
            text(
                "These runs do not count what each way takes to deliver. Runs made with a version of the model that "
                "records staff-days per run (the cost settings listed by ",
                cmd("syslead params"),
                ") give it: run the experiment again with that version.",
            )
        )
        return part
    part.paragraphs.append(text("Staff-days per run, with the middle 90% of runs in brackets:"))
    for r in rows:
        t = titles.get(r.scenario, r.scenario)
        m, lo, hi = r.staff_days
        if m <= 0:
            part.bullets.append(text(name(t), ": no staff time."))
            continue
        bits: list[str | Span] = [name(t), f": {_num(m)} staff-days ({_num(lo)} to {_num(hi)})"]
        if r.pounds is not None:
            bits.append(f", {_money(r.pounds[0])}")
        yields = [
            f"{_num(v[0])} {COST_NOUNS.get(o, outcome_words(o).noun)} ({_num(v[1])} to {_num(v[2])})"
            for o in outcomes[:per]
            if (v := r.per_100.get(o)) is not None
        ]
        if yields:
            bits.append(f"; {_and(yields)} per 100 staff-days")
        bits.append(".")
        part.bullets.append(text(*bits))
    return part


# ---------------------------------------------------------------------------------------------- the brief


@dataclass
class Chart:
    src: str  # a data URI
    file: str  # figures/NAME.png
    alt: str
    caption: str


@dataclass
class Brief:
    intro: list[Text]
    verdict: Text
    answer: Part
    chart: Chart | None
    why: Part
    where: Part
    sure: Part
    cost: Part
    limits: Part
    glossary: list[tuple[str, str]]
    scale: list[tuple[str, str]]
    contrasts: list[Contrast]
    draws: bool
    cost_rows: list[CostRow]
    facts: FactsCheck | None
    boxes: list[Box] | None
    box_error: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    outcomes: list[str] = field(default_factory=list)
    others: list[Text] = field(default_factory=list)  # one line per scenario beyond the main two
    n_ways: int = 0  # the glossary's first entries: the scenarios
    trimmed: list[str] = field(default_factory=list)  # what trim() took out
    sure_inputs: tuple[FactsCheck | None, str | None, Mapping[str, str], Sequence[Contrast], bool] | None = None
    # sure_part's arguments, for a shorter one

    @property
    def parts(self) -> list[Part]:
        return [self.answer, self.why, self.where, self.sure, self.cost, self.limits]


def _title(name_: str) -> str:
    from ..scenarios import title_of

    return title_of(name_)


def titles_of(manifest: dict, scenarios: Sequence[str]) -> dict[str, str]:
    """Scenario name -> plain title: the manifest's (from the file), else the built-in scenario's, else the name in
    words."""
    info = manifest.get("scenarios") if isinstance(manifest.get("scenarios"), dict) else {}
    out = {}
    for sc in scenarios:
        entry = info.get(sc) if isinstance(info, dict) else None
        t = entry.get("title") if isinstance(entry, dict) else None
        out[sc] = str(t) if t else _title(sc)
    return out


def descriptions_of(manifest: dict, scenarios: Sequence[str]) -> dict[str, str]:
    info = manifest.get("scenarios") if isinstance(manifest.get("scenarios"), dict) else {}
    out = {}
    for sc in scenarios:
        entry = info.get(sc) if isinstance(info, dict) else None
        d = entry.get("description") if isinstance(entry, dict) else None
        if not d:
            try:
                from ..scenarios import get

                d = get(sc).description
            except ConfigError:
                d = ""
        out[sc] = str(d)
    return out


def build_brief(
    folder: Path,
    manifest: dict,
    runs: pd.DataFrame,
    ts: pd.DataFrame,
    scenarios: Sequence[str],
    reference: str,
    keys: Sequence[str],
    outcomes: Sequence[str],
    weeks: Any,
    people: int | None,
    chart: Chart | None = None,
    runs_version: str | None = None,
) -> Brief:
    """Everything the brief says, as data."""
    titles = titles_of(manifest, scenarios)
    draws = has_draws(runs)
    n_draws = int(np.unique(runs[DRAW].to_numpy()[runs[DRAW].to_numpy() > 0]).size) if draws else 0
    others = [s for s in scenarios if s != reference]
    cs = contrasts(runs, reference, scenarios, outcomes, keys) if others else []
    main_alt = others[0] if others else None
    main = [c for c in cs if c.scenario == main_alt]
    reps = int(runs.groupby("scenario").size().min()) if len(runs) else 0  # runs per way (draws x replicates)

    years = f"{float(weeks) / 52:.0f} years" if isinstance(weeks, int | float) and weeks else "the whole run"
    place = f"a place of {people:,} people" if people else "one place"
    ways_in_words = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(len(scenarios), str(len(scenarios)))
    intro = [
        text(
            f"We compared {ways_in_words} ways to run a system leadership programme in {place} over {years}. Each "
            f"ran {reps} times on the same people and chance events, so the gaps come from the way of working."
        )
    ]
    answer = Part("brief-answer", "Which way works better")
    if not others:
        answer.paragraphs.append(text("There is only one way in these runs, so there is nothing to compare."))
        verdict = text()
        others_lines = []
    else:
        assert main_alt is not None  # others is not empty
        verdict = verdict_sentence(main, titles)
        answer.paragraphs.append(text(name(titles[main_alt]), " compared with ", name(titles[reference]), ":"))
        answer.bullets = [answer_sentence(c, titles) for c in main]
        rest = [[c for c in cs if c.scenario == sc] for sc in others[1:]]
        others_lines = [others_sentence(x, titles) for x in rest if x]
        answer.after += others_lines
        answer.after.append(uncertainty_sentence(draws, n_draws))
    why = why_part(folder, titles, outcomes, (main_alt, reference) if main_alt else None, runs_version)
    boxes, box_error = None, None
    found = _find(folder, "boxes.csv", "discovery")
    if found is not None:
        try:
            boxes = load_boxes(found)
        except ConfigError as exc:
            box_error = str(exc)
    where = where_part(folder, titles, (main_alt, reference) if main_alt else None, boxes, box_error, contrasts=main)
    facts_error = None
    try:
        check = load_facts(folder)
    except ConfigError as exc:
        check, facts_error = None, str(exc)
    if check is None:
        check = facts_from_runs(manifest, runs, ts, scenarios)
    sure_inputs = (check, facts_error, titles, main, draws)
    sure = sure_part(*sure_inputs)
    rows = cost_rows(runs, scenarios, outcomes)
    cost = cost_part(rows, titles, outcomes)
    limits = Part("brief-limits", "What it cannot tell", bullets=[text(x) for x in LIMITS])
    descriptions = descriptions_of(manifest, scenarios)
    glossary = [(titles[s], _sentence_case(descriptions[s])) for s in scenarios if descriptions[s]]
    glossary += [(outcome_words(m).label, _sentence_case(outcome_words(m).definition)) for m in outcomes]
    if rows:
        glossary.append(
            (
                "Staff-days",
                "Days of work: running events, time away to take part, matching people and managing projects.",
            )
        )
    glossary.append(("Range", "The middle 90% of paired runs: very likely to hold the result."))
    scale = [(term, f"{100 * lo:.0f}-{100 * hi:.0f}%") for term, lo, hi in LIKELIHOOD]
    n_ways = sum(1 for s in scenarios if descriptions[s])
    return Brief(
        intro,
        verdict,
        answer,
        chart,
        why,
        where,
        sure,
        cost,
        limits,
        glossary,
        scale,
        cs,
        draws,
        rows,
        check,
        boxes,
        box_error,
        titles,
        list(outcomes),
        others_lines,
        n_ways,
        sure_inputs=sure_inputs,
    )


MAX_WORDS = 700


def trim(brief: Brief) -> bool:
    """Shorten the brief by one step, least needed first (the report calls it while the page's brief runs over
    :data:`MAX_WORDS`); False when there is nothing left to take out."""
    why = brief.why
    remakes = [p for p in (why, brief.where) if p.stored is not None and p.stored[0] in p.after]
    if brief.others and brief.others[0] in brief.answer.after:
        brief.answer.after = [x for x in brief.answer.after if x not in brief.others]
        brief.trimmed.append("answer: the other ways (the chart shows them)")
    elif remakes:
        for p in remakes:
            assert p.stored is not None
            p.after = [p.stored[1] if x == p.stored[0] else x for x in p.after]
        brief.trimmed.append("why and where: the commands that remake the stored studies")
    elif brief.cost_rows and any(len(r.per_100) > 1 for r in brief.cost_rows) and "cost" not in brief.trimmed:
        brief.cost = cost_part(brief.cost_rows, brief.titles, brief.outcomes, per=1)
        brief.trimmed.append("cost")
    elif why.short is not None and why.bullets != why.short and why.bullets != why.shortest:
        why.bullets = why.short
        brief.trimmed.append("why: the levers pushing the other way")
    elif len(brief.where.bullets) > 1:
        brief.where.bullets = brief.where.bullets[:1]
        brief.trimmed.append("where: one set of conditions")
    elif why.shortest is not None and why.bullets != why.shortest:
        why.bullets = why.shortest
        brief.trimmed.append("why: the largest lever only")
    elif brief.sure_inputs is not None and not any(t.startswith("sure") for t in brief.trimmed):
        brief.sure = sure_part(*brief.sure_inputs, short=True)
        brief.trimmed.append("sure: no example facts, shares in the answers' order")
    elif brief.n_ways:
        brief.glossary = brief.glossary[brief.n_ways :]
        brief.n_ways = 0
        brief.trimmed.append("glossary: the ways (the files describe them)")
    else:
        return False
    return True


def _sentence_case(s: str) -> str:
    s = s.strip()
    if not s:
        return s
    s = s[0].upper() + s[1:]
    return s if s.endswith((".", "!", "?")) else s + "."


# ---------------------------------------------------------------------------------------------- reading the page


class _BriefText(HTMLParser):
    """The words of ``<section id="brief">``, one block (paragraph, item, heading, term) per line."""

    BLOCKS = {"p", "li", "h2", "h3", "dt", "dd", "figcaption", "caption", "td", "th"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside the brief: nesting depth of its section
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            if tag == "section":
                self.depth += 1
            if tag in self.BLOCKS:
                self._flush()
        elif tag == "section" and dict(attrs).get("id") == "brief":
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag in self.BLOCKS:
            self._flush()
        if tag == "section":
            self.depth -= 1
            if not self.depth:
                self._flush()

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.current.append(data)

    def _flush(self):
        words = " ".join("".join(self.current).split())
        if words:
            self.blocks.append(words)
        self.current = []


def brief_blocks(page: str) -> list[str]:
    """The brief's text blocks, as a reader sees them (alt text and markup left out)."""
    p = _BriefText()
    p.feed(page)
    p.close()
    return p.blocks


def brief_text(page: str) -> str:
    """The brief's text for a readability score: each block a sentence (a heading ends where it ends)."""
    return " ".join(b if b.endswith((".", "!", "?", ":")) else b + "." for b in brief_blocks(page))


def word_count(page: str) -> int:
    return sum(len(b.split()) for b in brief_blocks(page))


def reading_ease(page: str) -> float:
    """Flesch reading ease of the brief (textstat; 60-70 is plain English, 50 the project's floor)."""
    import textstat

    return float(textstat.flesch_reading_ease(brief_text(page)))


def wrap(title: str, width: int = 24) -> str:
    return "\n".join(textwrap.wrap(title, width)) or title
