"""The one layout of the network drawings: the report's network figures and the dashboard's network view.

People are stored sorted by (locality, sector, organisation), and a newcomer after turnover takes a
leaver's slot in the same organisation, so a layout indexed by slot stays meaningful for a whole run.
:func:`sector_layout` places each sector as a disc on a ring (localities side by side), each organisation
as a small sunflower (Vogel spiral) inside its sector's disc, big organisations in the middle. Silos show
as clusters; cross-sector ties as long lines that knit the ring together as a programme runs.

It depends only on who sits where, draws no random numbers and is O(n) (0.01 s at 5,000 people; a spring
layout would take seconds and move every frame), so scenarios run on the same seed (the same people) share
their layout and can be compared side by side. numpy only: the dashboard imports it without matplotlib.
"""

from __future__ import annotations

import numpy as np

from ..sectors import N_SECTORS

GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))
RING = 0.78
"""Radius of the ring of sector centres (the discs never overlap their neighbours)."""
LOCALITY_GAP = 2.4
"""Distance between the centres of neighbouring localities' rings."""


def _vogel(count: int) -> np.ndarray:
    """``count`` points filling the unit disc evenly (a sunflower spiral)."""
    k = np.arange(count, dtype=np.float64)
    r = np.sqrt((k + 0.5) / max(count, 1))
    theta = k * GOLDEN_ANGLE
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def sector_centre(sector: int, locality: int = 0) -> np.ndarray:
    """Where sector ``sector`` of locality ``locality`` sits (the centre of its disc): labels go beside it."""
    angle = np.pi / 2 - 2 * np.pi * sector / N_SECTORS
    return np.array([LOCALITY_GAP * locality, 0.0]) + RING * np.array([np.cos(angle), np.sin(angle)])


def sector_layout(sector: np.ndarray, org: np.ndarray, locality: np.ndarray | None = None) -> np.ndarray:
    """Positions ``(n, 2)`` in about [-1, 1] x [-1, 1] (wider with several localities), one row per person.

    Args:
        sector: each person's sector index (0 to ``N_SECTORS - 1``).
        org: each person's organisation (people of one organisation are next to each other).
        locality: each person's locality (None: all in one).
    """
    sector = np.asarray(sector)
    org = np.asarray(org)
    n = len(sector)
    pos = np.zeros((n, 2))
    if n == 0:
        return pos
    locality = np.zeros(n, dtype=np.int64) if locality is None else np.asarray(locality)
    for loc in range(int(locality.max()) + 1):
        in_loc = locality == loc
        loc_n = int(in_loc.sum())
        for s in range(N_SECTORS):
            members = np.flatnonzero(in_loc & (sector == s))
            if members.size == 0:
                continue
            centre = sector_centre(s, loc)
            disc = min(0.27 * np.sqrt(members.size / max(loc_n / N_SECTORS, 1)), 0.29)
            _, starts, sizes = np.unique(org[members], return_index=True, return_counts=True)
            order = np.argsort(-sizes, kind="stable")  # biggest organisations in the middle
            done = 0
            for rank, k in enumerate(order):
                size = int(sizes[k])
                # organisation centres on an area-proportional sunflower of the sector's disc
                r = disc * np.sqrt((done + 0.5 * size) / members.size) if rank else 0.0
                theta = rank * GOLDEN_ANGLE
                c = centre + r * np.array([np.cos(theta), np.sin(theta)])
                radius = 0.9 * disc * np.sqrt(size / members.size)
                idx = members[starts[k] : starts[k] + size]
                pos[idx] = c + radius * _vogel(size)
                done += size
    return pos
