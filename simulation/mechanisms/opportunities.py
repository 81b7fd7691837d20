"""Finite problems to work on: improvement opportunities per locality and theme (saturation, issue 11).

A locality has a limited number of problems worth a cross-sector project in each theme
(``opportunities.per_theme`` per 1,000 people at the start). A project takes one when it starts;
it is solved when the project completes and goes back to the open stock when the project fails
(the problem is still there). Solved problems come back slowly as needs change
(``opportunities.renewal`` a week). Ideas become rarer as the open stock runs down
(:meth:`OpportunityBook.open_share`), so projects level off instead of growing without limit.
Counts are expected values (floats): renewal is deterministic, and a theme can be taken only while
at least one whole opportunity is open.
"""

from __future__ import annotations

import numpy as np


class OpportunityBook:
    """Open, in-progress and solved opportunities, one row per locality and one column per theme."""

    def __init__(self, locality_sizes: np.ndarray, n_themes: int, per_theme: float):
        sizes = np.asarray(locality_sizes, np.float64)
        self.capacity = np.repeat((per_theme * sizes / 1000.0)[:, None], n_themes, axis=1)
        self.open = self.capacity.copy()
        self.in_progress = np.zeros_like(self.capacity)
        self.solved = np.zeros_like(self.capacity)

    def open_share(self) -> np.ndarray:
        """Per locality: share of its opportunities still open (1 at the start; 0 where it has none)."""
        cap = self.capacity.sum(axis=1)
        return np.divide(self.open.sum(axis=1), cap, out=np.zeros_like(cap), where=cap > 0)

    def takeable(self, locality: int) -> np.ndarray:
        """Themes of ``locality`` with at least one whole opportunity open (their open counts, else 0)."""
        row = self.open[locality]
        return np.where(row >= 1.0, row, 0.0)

    def take(self, locality: int, theme: int) -> None:
        self.open[locality, theme] -= 1.0
        self.in_progress[locality, theme] += 1.0

    def settle(self, locality: int, theme: int, solved: bool) -> None:
        """A project on (locality, theme) ended: its problem is solved, or open again."""
        self.in_progress[locality, theme] -= 1.0
        if solved:
            self.solved[locality, theme] += 1.0
        else:
            self.open[locality, theme] += 1.0

    def renew(self, rate: float) -> None:
        """Solved problems come back as open ones at ``rate`` a week (needs change)."""
        back = rate * self.solved
        self.solved -= back
        self.open += back

    def total_open(self) -> float:
        return float(self.open.sum())
