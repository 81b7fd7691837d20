"""The network view: a stable, precomputed layout and a drawing of the trust network for the PNG export.

Layout. :func:`simulation.analysis.layout.sector_layout`, the one layout of the project's network
drawings (the report's figures use it too): sectors as discs on a ring, organisations as small
sunflowers inside them. :func:`layout_for` computes it once per set of people and shares it between
sessions whose models have the same people.

Drawing. :func:`draw_network` draws with matplotlib's object API (no pyplot
state, safe across sessions): working ties between organisations (within an
organisation the cluster shows them), cross-sector ties darker; people
coloured by sector (Okabe-Ito, :data:`simulation.sectors.SECTOR_COLOURS`),
sized by confidence, one marker per mindset stage; a legend below.
"""

from __future__ import annotations

import functools
import hashlib
import io
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.layout import sector_layout
from ..sectors import MINDSET_STAGES, SECTOR_COLOURS, SECTOR_LABELS, SECTORS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..model import LeadershipModel

MINDSET_MARKERS = ("o", "s", "^", "*")
"""Marker per mindset stage (unaware, aware, practising, champion): shape, not colour, carries the stage."""
SECTOR_COLOUR_ARRAY = np.array([SECTOR_COLOURS[s] for s in SECTORS])
TIE_GREY = "#9a9a9a"
CROSS_TIE = "#3b3b3b"


@dataclass
class NetworkSnapshot:
    """What the network view draws at one moment: plain arrays, cheap to build each week."""

    pos: np.ndarray
    sector: np.ndarray
    mindset: np.ndarray
    confidence: np.ndarray
    segments: np.ndarray  # (m, 2, 2) working ties between organisations
    cross: np.ndarray  # (m,) whether each drawn tie crosses sectors
    week: int


def people_key(model: LeadershipModel) -> str:
    """A digest of who sits where (locality, sector, organisation per slot): equal keys, equal layouts."""
    people = model.people
    h = hashlib.blake2b(digest_size=16)
    for a in (people.locality, people.sector, people.org):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=64)
def _cached_layout(key: str, locality: bytes, sector: bytes, org: bytes, dtypes: tuple[str, str, str]) -> np.ndarray:
    loc, sec, org_ = (np.frombuffer(b, dtype=d) for b, d in zip((locality, sector, org), dtypes))
    pos = sector_layout(sec, org_, loc)
    pos.setflags(write=False)
    return pos


_LAYOUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Each live model's layout (the dashboard's, kept beside the model rather than on it; gone with the model)."""


def layout_for(model: LeadershipModel) -> np.ndarray:
    """The model's layout: computed once for a given set of people and shared by every session whose model
    has the same people (same seed, population and scenario structure), kept beside the model while it lives.
    Read-only."""
    pos = _LAYOUTS.get(model)
    if pos is None or len(pos) != model.people.n:
        people = model.people
        arrays = [np.ascontiguousarray(a) for a in (people.locality, people.sector, people.org)]
        pos = _cached_layout(people_key(model), *(a.tobytes() for a in arrays), tuple(a.dtype.str for a in arrays))
        _LAYOUTS[model] = pos
    return pos


def snapshot(model: LeadershipModel, colleague_ties: bool = False) -> NetworkSnapshot:
    """The arrays :func:`draw_network` needs, from the model's current state."""
    people, net = model.people, model.trust
    pos = layout_for(model)
    sel = net.w >= model.params.trust.working_threshold
    i, j = net.i[sel], net.j[sel]
    if not colleague_ties:
        keep = people.org[i] != people.org[j]
        i, j = i[keep], j[keep]
    cross = people.sector[i] != people.sector[j]
    segments = np.stack([pos[i], pos[j]], axis=1) if len(i) else np.zeros((0, 2, 2))
    return NetworkSnapshot(
        pos, people.sector.copy(), people.mindset.copy(), people.confidence.copy(), segments, cross, int(model.week)
    )


def draw_network(
    snap: NetworkSnapshot,
    *,
    size: float = 6.0,
    dpi: int = 80,
    font_scale: float = 1.0,
    title: str | None = None,
    legend: bool = True,
) -> Figure:
    """A matplotlib Figure of the network (see the module docstring for the encoding)."""
    from matplotlib.collections import LineCollection  # only for the PNG export: the server starts without it
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size, size * (1.18 if legend else 1.0)), dpi=dpi)
    bottom = 0.16 if legend else 0.0
    ax = fig.add_axes((0.0, bottom, 1.0, 1.0 - bottom - (0.05 if title else 0.0)))
    ax.set_axis_off()
    ax.set_aspect("equal")
    if len(snap.segments):
        same = ~snap.cross
        if same.any():
            ax.add_collection(LineCollection(snap.segments[same], colors=TIE_GREY, linewidths=0.35, alpha=0.45))
        if snap.cross.any():
            ax.add_collection(LineCollection(snap.segments[snap.cross], colors=CROSS_TIE, linewidths=0.5, alpha=0.6))
    sizes = (4.0 + 46.0 * snap.confidence) * (size / 6.0) ** 2
    colours = SECTOR_COLOUR_ARRAY[snap.sector]
    for stage, marker in enumerate(MINDSET_MARKERS):
        k = snap.mindset == stage
        if k.any():
            ax.scatter(
                snap.pos[k, 0],
                snap.pos[k, 1],
                s=sizes[k] * (2.2 if marker == "*" else 1.0),
                c=colours[k],
                marker=marker,
                linewidths=0.25,
                edgecolors="#333333",
                zorder=2 + stage,
            )
    if len(snap.pos):
        lo, hi = snap.pos.min(axis=0), snap.pos.max(axis=0)
        pad = 0.06 * max(hi[0] - lo[0], hi[1] - lo[1], 1e-9)
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
    fs = 7.5 * font_scale
    if title:
        fig.suptitle(title, fontsize=fs * 1.3, y=0.995)
    if legend:
        add_legend(fig, fs)
    return fig


def add_legend(fig: Figure, fontsize: float) -> None:
    """Sector colours, mindset markers, and what size and lines mean, below the network."""
    from matplotlib.lines import Line2D

    sector_handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=fontsize * 0.9,
            markerfacecolor=SECTOR_COLOURS[s],
            markeredgecolor="#333333",
            markeredgewidth=0.4,
            label=SECTOR_LABELS[s],
        )
        for s in SECTORS
    ]
    stage_handles = [
        Line2D(
            [],
            [],
            marker=m,
            linestyle="",
            markersize=fontsize * (1.2 if m == "*" else 0.9),
            markerfacecolor="white",
            markeredgecolor="#333333",
            label=stage,
        )
        for m, stage in zip(MINDSET_MARKERS, MINDSET_STAGES)
    ]
    tie_handles = [
        Line2D([], [], color=CROSS_TIE, linewidth=1.0, label="working tie across sectors"),
        Line2D([], [], color=TIE_GREY, linewidth=1.0, label="working tie within a sector"),
    ]
    fig.legend(
        handles=sector_handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 0.0),
        ncol=2,
        fontsize=fontsize,
        frameon=False,
        title="Sector (colour)",
        title_fontsize=fontsize,
        handletextpad=0.2,
        columnspacing=0.6,
        borderaxespad=0.2,
    )
    fig.legend(
        handles=[*stage_handles, *tie_handles],
        loc="lower right",
        bbox_to_anchor=(1.0, 0.0),
        ncol=2,
        fontsize=fontsize,
        frameon=False,
        title="Mindset (shape); size = confidence",
        title_fontsize=fontsize,
        handletextpad=0.2,
        columnspacing=0.6,
        borderaxespad=0.2,
    )


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """PNG bytes of a figure (fast zlib level: frames are redrawn every week)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def network_png(
    model: LeadershipModel,
    *,
    size: float = 6.0,
    dpi: int = 80,
    font_scale: float = 1.0,
    title: str | None = None,
    colleague_ties: bool = False,
    legend: bool = True,
) -> bytes:
    """The network view of ``model`` as PNG bytes.

    The page draws frames without a legend (text is the slow part of a matplotlib frame; the page shows
    the legend in HTML); the PNG export has the legend and a title, so the file stands on its own.
    """
    fig = draw_network(
        snapshot(model, colleague_ties), size=size, dpi=dpi, font_scale=font_scale, title=title, legend=legend
    )
    return figure_png(fig)
