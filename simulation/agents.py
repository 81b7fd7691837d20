"""People as Mesa agents: the public face of the model's arrays.

A :class:`Person` holds no state of its own besides its slot; every
attribute reads (and, where it makes sense, writes) the model's numpy
arrays, so the weekly step stays vectorised while agents remain what the
dashboard, inspection and Mesa's tools see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mesa

from .sectors import MINDSET_STAGES, SECTORS, SENIORITY

if TYPE_CHECKING:
    from .model import LeadershipModel


def _array_property(name: str, cast: Callable[[Any], Any] = float, doc: str = "") -> property:
    def get(self: Person) -> Any:
        return cast(getattr(self.model.people, name)[self.slot])

    def set_(self: Person, value: Any) -> None:
        getattr(self.model.people, name)[self.slot] = value

    return property(get, set_, doc=doc)


class Person(mesa.Agent):
    """One person in the health and care system."""

    def __init__(self, model: LeadershipModel, slot: int) -> None:
        super().__init__(model)
        self.slot = int(slot)

    confidence = _array_property("confidence", float, "confidence as a leader, 0..1")
    energy = _array_property("energy", float, "energy and capacity, 0..1")
    online = _array_property("online", bool, "on the #sysleadershipmcr network")
    reached = _array_property("reached", bool, "has taken part in the programme")
    interest = _array_property("interest", float, "interest in cross-sector work, 0..1")

    @property
    def person_id(self) -> int:
        return int(self.model.people.person_id[self.slot])

    @property
    def sector(self) -> str:
        return SECTORS[self.model.people.sector[self.slot]]

    @property
    def organisation(self) -> int:
        return int(self.model.people.org[self.slot])

    @property
    def locality(self) -> int:
        return int(self.model.people.locality[self.slot])

    @property
    def seniority(self) -> str:
        return SENIORITY[self.model.people.seniority[self.slot]]

    @property
    def mindset(self) -> str:
        return MINDSET_STAGES[self.model.people.mindset[self.slot]]

    @mindset.setter
    def mindset(self, stage: str) -> None:
        self.model.people.mindset[self.slot] = MINDSET_STAGES.index(stage)

    @property
    def is_lead(self) -> bool:
        return bool(self.model.people.is_lead[self.slot])

    @property
    def knowledge(self) -> dict[str, float]:
        return dict(zip(SECTORS, self.model.people.knowledge[self.slot].tolist(), strict=True))

    @property
    def trust_ties(self) -> dict[int, float]:
        """Trust towards other people, keyed by their slot."""
        return self.model.trust.ties_of(self.slot)

    def __repr__(self) -> str:
        return (
            f"Person(id={self.person_id}, sector={self.sector}, seniority={self.seniority}, "
            f"mindset={self.mindset}, confidence={self.confidence:.2f})"
        )
