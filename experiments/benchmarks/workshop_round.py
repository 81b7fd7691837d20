"""How long a workshop round takes on the server, without browsers: 40 participants choose (everything their page
offers them), then the round is played; a room saved to a folder after every change, as the server does.

    PYTHONPATH=. .venv/bin/python experiments/benchmarks/workshop_round.py [--people 1000] [--rounds 6]

Prints, per round length, the time of one round (``next_week``), of one participant's choice (checked and saved to
disk) and of drawing their page (``Room.person``); and the time to restore the room from its file (a restart).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from simulation.dashboard.workshop.room import Choice, RoomRegistry


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--participants", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        reg = RoomRegistry(folder=folder)
        room = reg.create(population=args.people, seed=1)
        tokens = [room.join(f"P{k}") for k in range(args.participants)]
        for weeks in (1, 4):
            room.set_round(weeks)
            rounds, chooses, pages = [], [], []
            for _ in range(args.rounds):
                for t in tokens:
                    t0 = time.perf_counter()
                    me = room.person(t)
                    pages.append(time.perf_counter() - t0)
                    c = Choice(
                        event=bool(me["events"]),
                        visit=True if me["scheme_open"] else None,
                        visit_with=me["visit_options"][0][0] if me["scheme_open"] and me["visit_options"] else None,
                        online=True,
                        propose=True if me["can_propose"] else None,
                        team=tuple(i for i, _ in me["team_options"][:2]) if me["can_propose"] else (),
                        join=me["asking"][0][0] if me["asking"] else None,
                    )
                    t0 = time.perf_counter()
                    room.choose(t, c)
                    chooses.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                room.next_week()
                rounds.append(time.perf_counter() - t0)
            print(
                f"{weeks}-week rounds ({args.people:,} people, {args.participants} participants, to week {room.week}): "
                f"a round {np.median(rounds):.2f} s (median; max {max(rounds):.2f} s); "
                f"a choice {1000 * np.median(chooses):.1f} ms; "
                f"a page {1000 * np.median(pages):.1f} ms (95th percentile {1000 * np.percentile(pages, 95):.1f} ms)"
            )
        t0 = time.perf_counter()
        back = RoomRegistry(folder=folder).get(room.code)
        print(
            f"restore after a restart (replaying {len(room.rounds)} rounds to week {back.week}): "
            f"{time.perf_counter() - t0:.1f} s"
        )


if __name__ == "__main__":
    main()
