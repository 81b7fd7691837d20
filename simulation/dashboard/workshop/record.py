"""A room's record, its replay, and the debrief (issue 16, point 4), free of Solara.

- :func:`to_csv`: one row per participant per round (:data:`CSV_COLUMNS`): the week the round ended, the
  participant's person's role and sector, what they chose (plain words), their working-trust ties (all, and
  across sectors), confidence, energy and the projects they have worked on.
- :func:`to_toml` / :func:`load_toml` / :func:`replay`: the scenario, population, seed, round lengths and every
  choice, enough to play the room again: replaying gives the same final state (the model is deterministic and
  so is the room's assignment of people).
- :func:`debrief`: what the participants' people achieved beside what the model's own rule does in the same
  positions: the same people with nobody choosing for them (the room's scenario and seed, no overrides), and
  people in the same roles (sector, seniority, locality) over several paired runs (the room's seed and the
  next ones).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import tomli_w

from ...config import ConfigError
from ..inputs import LIMITS, POPULATION, DashboardModel
from .room import MAX_NAME, ROUND_WEEKS, Choice, Room, RoomError

if TYPE_CHECKING:
    from ...model import LeadershipModel

FORMAT = "syslead-workshop-room"
FORMAT_VERSION = 1
CSV_COLUMNS = (
    "round",
    "week",
    "participant",
    "name",
    "role",
    "sector",
    "choice",
    "ties",
    "cross_sector_ties",
    "confidence",
    "energy",
    "projects",
)
"""The room's CSV: ``participant`` is their number in order of joining; ``ties`` their working-trust ties;
``confidence`` and ``energy`` out of 100; ``projects`` the projects their person has worked on."""


def to_csv(room: Room) -> str:
    """The room's record as CSV text (:data:`CSV_COLUMNS`), one row per participant per round played."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    with room.lock:
        for row in room.history:
            w.writerow({k: row[k] for k in CSV_COLUMNS})
    return out.getvalue()


def record(room: Room) -> dict[str, Any]:
    """The room as data: enough to replay it (:func:`replay`); no secrets, no tokens."""
    with room.lock:
        return dict(
            format=FORMAT,
            version=FORMAT_VERSION,
            scenario=room.scenario,
            population=room.population,
            seed=room.seed,
            round_weeks=room.round_weeks,
            participants=[
                dict(number=p.index + 1, name=p.name, joined_round=p.joined_round)
                for p in sorted(room.participants.values(), key=lambda p: p.index)
            ],
            rounds=[
                dict(
                    week=r["week"],
                    weeks=r["weeks"],
                    length=r["length"],
                    choices=[dict(participant=i + 1, **c) for i, c in sorted(r["choices"].items())],
                )
                for r in room.rounds
            ],
        )


def to_toml(room: Room) -> str:
    """The room's record as TOML text (:func:`record`)."""
    return tomli_w.dumps(record(room))


def load_toml(text: str) -> dict[str, Any]:
    """A room's record from TOML text, checked. Raises :class:`~simulation.config.ConfigError` naming the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the room's record is not TOML: {exc}") from None
    return check_record(data)


def check_record(data: Mapping[str, Any]) -> dict[str, Any]:
    """A room's record checked: its format and version, every field's type and range."""
    if data.get("format") != FORMAT:
        raise ConfigError(f"format = {data.get('format')!r} is not a room's record: allowed {FORMAT!r}")
    if data.get("version") != FORMAT_VERSION:
        raise ConfigError(f"version = {data.get('version')!r} is not allowed: allowed {FORMAT_VERSION}")
    for key in ("scenario", "population", "seed", "round_weeks", "participants", "rounds"):
        if key not in data:
            raise ConfigError(f"{key} is missing from the room's record")
    if data["round_weeks"] not in ROUND_WEEKS:
        raise ConfigError(f"round_weeks = {data['round_weeks']!r} is not allowed: allowed 1, 4")
    if not isinstance(data["rounds"], list):
        raise ConfigError("rounds must be a list of tables")
    people = data["participants"]
    if not isinstance(people, list) or len(people) > 1000:
        raise ConfigError("participants must be a list of at most 1000 tables")
    for k, p in enumerate(people):
        if not isinstance(p, Mapping) or p.get("number") != k + 1:
            raise ConfigError(f"participants[{k}].number must be {k + 1} (numbered in order of joining)")
        if not isinstance(p.get("name", ""), str) or len(p.get("name", "")) > MAX_NAME:
            raise ConfigError(f"participants[{k}].name must be text of at most {MAX_NAME} characters")
        if not isinstance(p.get("joined_round"), int) or not 0 <= p["joined_round"] <= len(data["rounds"]):
            raise ConfigError(f"participants[{k}].joined_round must be 0 to {len(data['rounds'])}")
    for k, r in enumerate(data["rounds"]):
        if not isinstance(r, Mapping) or r.get("length") not in ROUND_WEEKS:
            raise ConfigError(f"rounds[{k}].length is not allowed: allowed 1, 4")
        for c in r.get("choices", []):
            n = c.get("participant") if isinstance(c, Mapping) else None
            if not isinstance(n, int) or not 1 <= n <= len(people):
                raise ConfigError(f"rounds[{k}].choices: participant must be 1 to {len(people)}")
            try:
                Choice.from_dict({f: v for f, v in c.items() if f != "participant"})
            except (RoomError, TypeError) as exc:
                raise ConfigError(f"rounds[{k}].choices: {exc}") from None
    weeks = sum(r["length"] for r in data["rounds"])
    if weeks > LIMITS.max_weeks:
        raise ConfigError(f"rounds: {weeks} weeks in all is not allowed: at most {LIMITS.max_weeks}")
    return dict(data)


def replay(data: Mapping[str, Any], code: str = "REPLY", tokens: list[str] | None = None, **room_args: Any) -> Room:
    """Play a room again from its record: the same people join before the same rounds, make the same choices.

    ``tokens`` (one per participant, in order of joining) gives them back their tokens (a restored room).
    """
    data = check_record(data)
    room = Room(code, data["scenario"], data["population"], data["seed"], **room_args)
    people = data["participants"]
    given: list[str | None] = list(tokens) if tokens is not None else [None] * len(people)
    token_of: dict[int, str] = {}

    def join_for(r: int) -> None:
        for p in people:
            if p["joined_round"] == r:
                token_of[p["number"]] = room.join(p.get("name", ""), token=given[p["number"] - 1])

    for r, rnd in enumerate(data["rounds"]):
        join_for(r)
        room.set_round(rnd["length"])
        for c in rnd.get("choices", []):
            n = c["participant"]
            room.choose(token_of[n], Choice.from_dict({f: v for f, v in c.items() if f != "participant"}))
        room.next_week()
    join_for(len(data["rounds"]))
    room.set_round(data["round_weeks"])
    return room


# -- debrief -----------------------------------------------------------------------------------------------
MEASURES = (
    ("cross_sector_ties", "Ties across sectors (people from other sectors they trust enough to work with)"),
    ("projects", "Projects worked on"),
    ("confidence", "Confidence (out of 100)"),
)


def person_measures(
    model: LeadershipModel, slots: np.ndarray, extra_projects: list[set[int]] | None = None
) -> dict[str, np.ndarray]:
    """Per person (slots): cross-sector working-trust ties, projects worked on (as formed, plus ``extra_projects``,
    those they joined later), confidence out of 100."""
    people = model.people
    slots = np.asarray(slots, np.int64)
    nb, owner = model.trust.rows(slots, model.params.trust.working_threshold)
    cross = people.sector[nb] != people.sector[slots[owner]]
    ties = np.bincount(owner[cross], minlength=slots.size)
    book = model.projects
    ids = people.person_id[slots]
    if book.count:
        proj = np.repeat(np.arange(book.count), [len(m) for m in book.member_ids])
        member = np.concatenate(book.member_ids)
    else:
        proj = member = np.empty(0, np.int64)
    counts = np.zeros(slots.size)
    for k, pid in enumerate(ids.tolist()):
        mine = set(proj[member == pid].tolist())
        if extra_projects is not None:
            mine |= extra_projects[k]
        counts[k] = len(mine)
    return dict(
        cross_sector_ties=ties.astype(np.float64),
        projects=counts,
        confidence=100 * people.confidence[slots].astype(np.float64),
    )


def _plain_run(room: Room, seed: int) -> DashboardModel:
    model = DashboardModel(room.scenario, seed, **{POPULATION.path: room.population})
    for _ in range(room.week):
        model.step()
    return model


def room_means(room: Room) -> dict[str, float]:
    """The mean over a room's participants of what their people achieved (:data:`MEASURES`)."""
    with room.lock:
        parts = sorted(room.participants.values(), key=lambda p: p.index)
        slots = np.array([p.slot for p in parts], np.int64)
        vals = person_measures(room.model, slots, [p.projects for p in parts])
    return {k: float(np.mean(vals[k])) if slots.size else float("nan") for k, _ in MEASURES}


def debrief(room: Room, runs: int = 4, other: Room | None = None) -> dict[str, Any]:
    """The room against the model's own rule.

    ``room``: the participants' people now. ``same_people``: the same people (same slot and person id) at the same
    week of the room's scenario and seed run with nobody choosing (participants whose person is not in that run,
    after staff turnover, are left out). ``same_roles``: over ``runs`` paired runs (the room's seed and the next
    ones, no choices), the mean over the people of the same sector, seniority and locality as each participant's
    person (not programme leads). Each is the mean over the participants; ``rows`` has them per participant.
    ``other``: another room (the same group playing the other strategy): its participants' people's means, in
    ``table`` as ``other`` and described in ``other``.
    """
    if other is not None and other.code == room.code:
        raise ConfigError("the other room must be another room: its code is this room's")
    if not 1 <= runs <= 10:
        raise ConfigError(f"runs = {runs!r} is not allowed: allowed 1 to 10")
    with room.lock:
        parts = sorted(room.participants.values(), key=lambda p: p.index)
        slots = np.array([p.slot for p in parts], np.int64)
        ids = room.model.people.person_id[slots].copy()
        mine = person_measures(room.model, slots, [p.projects for p in parts])
        people = room.model.people
        roles = np.stack([people.sector[slots], people.seniority[slots], people.locality[slots]], axis=1)
        seeds = [(room.seed + k) % (LIMITS.max_seed + 1) for k in range(runs)]
    twin_vals = {k: np.full(slots.size, np.nan) for k, _ in MEASURES}
    role_sums = {k: np.zeros(slots.size) for k, _ in MEASURES}
    for n, seed in enumerate(seeds):
        model = _plain_run(room, seed)
        mp = model.people
        if n == 0:  # the room's own seed: the same people
            same = (
                (mp.person_id[slots] == ids) & (mp.sector[slots] == roles[:, 0]) & (mp.seniority[slots] == roles[:, 1])
            )
            vals = person_measures(model, slots[same])
            for k, _ in MEASURES:
                twin_vals[k][same] = vals[k]
        everyone = np.flatnonzero(~mp.is_lead)
        vals = person_measures(model, everyone)
        key = _role_key(mp.sector[everyone], mp.seniority[everyone], mp.locality[everyone])
        uniq, inv = np.unique(key, return_inverse=True)
        count = np.bincount(inv, minlength=uniq.size)
        want = _role_key(roles[:, 0], roles[:, 1], roles[:, 2])
        pos = np.minimum(np.searchsorted(uniq, want), uniq.size - 1)
        found = uniq[pos] == want
        for k, _ in MEASURES:
            mean = np.bincount(inv, weights=vals[k], minlength=uniq.size) / count
            role_sums[k] += np.where(found, mean[pos], np.nan)
    role_vals = {k: v / len(seeds) for k, v in role_sums.items()}
    theirs = room_means(other) if other is not None else None
    table = [
        dict(
            other=theirs[k] if theirs is not None else None,
            measure=label,
            room=float(np.mean(mine[k])) if slots.size else float("nan"),
            same_people=float(np.nanmean(twin_vals[k])) if np.isfinite(twin_vals[k]).any() else float("nan"),
            same_roles=float(np.nanmean(role_vals[k])) if slots.size else float("nan"),
        )
        for k, label in MEASURES
    ]
    rows = [
        dict(
            participant=p.index + 1,
            name=p.name,
            role=room.label(int(slots[i])),
            **{f"room_{k}": float(mine[k][i]) for k, _ in MEASURES},
            **{f"model_{k}": float(twin_vals[k][i]) for k, _ in MEASURES},
            **{f"roles_{k}": float(role_vals[k][i]) for k, _ in MEASURES},
        )
        for i, p in enumerate(parts)
    ]
    compared = int(np.isfinite(twin_vals["confidence"]).sum())
    about = (
        None
        if other is None
        else dict(code=other.code, scenario=other.scenario, week=other.week, participants=other.n_participants)
    )
    return dict(week=room.week, seeds=seeds, table=table, rows=rows, compared=compared, other=about)


def _role_key(sector, seniority, locality) -> np.ndarray:
    """One number per (sector, seniority, locality)."""
    return (np.asarray(sector, np.int64) * 3 + np.asarray(seniority, np.int64)) * 100_000 + np.asarray(locality)


# -- a room on disk (issue 16, point 5) ------------------------------------------------------------------------
SAVED_FORMAT = "syslead-workshop-saved-room"
SAVED_VERSION = 1


def saved(room: Room) -> dict[str, Any]:
    """What a server keeps of a room: its record (:func:`record`), code, facilitator's secret, the participants'
    tokens (so that a phone gets its person back) and this round's choices made so far."""
    with room.lock:
        parts = sorted(room.participants.values(), key=lambda p: p.index)
        return dict(
            format=SAVED_FORMAT,
            version=SAVED_VERSION,
            code=room.code,
            secret=room.secret,
            max_participants=room.max_participants,
            tokens=[p.token for p in parts],
            pending={str(p.index + 1): p.choice.to_dict() for p in parts if p.choice is not None},
            record=record(room),
        )


def save_room(room: Room, folder: Path) -> Path:
    """Write the room to ``folder/CODE.json`` (readable by its owner only), replacing the file at once (a file
    half-written by a crash is never left in its place)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{room.code}.json"
    tmp = folder / f".{room.code}.json.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(saved(room), fh)
    os.replace(tmp, path)
    return path


def load_room(path: Path, **room_args: Any) -> Room:
    """A room saved by :func:`save_room`, played again from its record. Raises
    :class:`~simulation.config.ConfigError` naming the file and the field when it is not a saved room."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a saved room ({exc})") from None
    try:
        if not isinstance(data, dict) or data.get("format") != SAVED_FORMAT:
            raise ConfigError(f"format is not allowed: allowed {SAVED_FORMAT!r}")
        if data.get("version") != SAVED_VERSION:
            raise ConfigError(f"version = {data.get('version')!r} is not allowed: allowed {SAVED_VERSION}")
        code, secret, tokens = data.get("code"), data.get("secret"), data.get("tokens")
        if not (isinstance(code, str) and code == Path(path).stem and code.isalnum()):
            raise ConfigError("code must be the file's name")
        if not isinstance(secret, str) or not secret:
            raise ConfigError("secret is missing")
        people = data.get("record", {}).get("participants", [])
        if not isinstance(tokens, list) or len(tokens) != len(people) or not all(isinstance(t, str) for t in tokens):
            raise ConfigError("tokens must hold one token per participant")
        room = replay(
            data["record"],
            code=code,
            tokens=tokens,
            secret=secret,
            max_participants=max(int(data.get("max_participants", 40)), len(tokens)),
            **room_args,
        )
        for n, c in data.get("pending", {}).items():
            room.choose(tokens[int(n) - 1], Choice.from_dict(c))
    except (ConfigError, RoomError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return room
