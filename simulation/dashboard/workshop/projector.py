"""The projector's pictures of a room (issue 16, point 3), free of Solara: drawn on the server once a round.

- :func:`network_figure`: the trust network (the dashboard's drawing, :func:`simulation.dashboard.network.draw_network`)
  with the participants' people ringed and named by first name.
- :func:`key_numbers`: a few of the week's measures, in plain words.
- :func:`trend_figure`: how two of them moved week by week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..network import draw_network, figure_png, snapshot
from .room import Room

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KEY_NUMBERS = (
    ("people_reached_ever", "people reached by the programme"),
    ("adopters", "people practising system leadership"),
    ("cross_sector_ties", "working ties across sectors"),
    ("projects_started", "projects started"),
    ("projects_completed", "projects completed"),
)
"""The projector's key numbers: (measure, what it is in words)."""
TRENDS = (("adopters", "People practising system leadership"), ("cross_sector_ties", "Working ties across sectors"))


def named_people(room: Room) -> list[tuple[int, str]]:
    """(slot, first name or "Participant N") of each participant's person, in order of joining."""
    with room.lock:
        return [(p.slot, room.who(p)) for p in sorted(room.participants.values(), key=lambda p: p.index)]


def network_figure(room: Room, size: float = 9.0, dpi: int = 80) -> Figure:
    """The network with the participants' people ringed in black and named (first names only)."""
    with room.lock:
        snap = snapshot(room.model)
        people = named_people(room)
    fig = draw_network(snap, size=size, dpi=dpi, font_scale=1.5, legend=True)
    ax = fig.axes[0]
    if people:
        slots = np.array([s for s, _ in people], np.int64)
        xy = snap.pos[slots]
        ax.scatter(xy[:, 0], xy[:, 1], s=260, facecolors="none", edgecolors="#000000", linewidths=2.2, zorder=10)
        for (x, y), (_, name) in zip(xy, people, strict=True):
            ax.annotate(
                name,
                (x, y),
                xytext=(7, 7),
                textcoords="offset points",
                fontsize=15,
                fontweight="bold",
                zorder=11,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85),
            )
    return fig


def network_png(room: Room, size: float = 9.0, dpi: int = 80) -> bytes:
    return figure_png(network_figure(room, size, dpi))


def key_numbers(room: Room) -> list[tuple[str, int]]:
    """(what, how many) for this week: :data:`KEY_NUMBERS`."""
    with room.lock:
        row = room.model.timeseries().iloc[-1]
    return [(label, round(float(row[k]))) for k, label in KEY_NUMBERS]


def trend_figure(room: Room, size: tuple[float, float] = (9.0, 3.2), dpi: int = 80) -> Figure:
    """Two small line charts, week by week: :data:`TRENDS`."""
    from matplotlib.figure import Figure

    with room.lock:
        ts = room.model.timeseries()
    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    for n, (k, label) in enumerate(TRENDS):
        ax = fig.add_subplot(1, len(TRENDS), n + 1)
        ax.plot(ts["week"], ts[k], color="#0b3b60", linewidth=2.5)
        ax.set_title(label, fontsize=15)
        ax.set_xlabel("week", fontsize=13)
        ax.tick_params(labelsize=12)
        ax.spines[["top", "right"]].set_visible(False)
    return fig


def trend_png(room: Room) -> bytes:
    return figure_png(trend_figure(room))
