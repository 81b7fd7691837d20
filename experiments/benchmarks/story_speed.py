"""How long the Story page's chapters take to run (issue 16, point 6), without a browser.

    .venv/bin/python experiments/benchmarks/story_speed.py [--people 1000] [--seed 1] [--out FILE]

Walks a :class:`simulation.dashboard.story.chapters.Story` through its six chapters in order, as a room
would, with a what-if chosen in every chapter (the first alternative of each), and times each
``run_to``: the case stepped on from the previous chapter's week, plus the what-if run from week 0 to the
chapter's week. Then times going back to each chapter (cached: no model stepped). The machine's load
average is recorded: other work on the machine inflates every time. docs/dashboard.md ("Story") quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from simulation.dashboard.story.chapters import DEFAULT_PEOPLE, DEFAULT_SEED, Story


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", default=None, help="write the timings as JSON here")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    story = Story(args.people, args.seed)
    built = time.perf_counter() - t0
    choices = {c.key: c.what_if.options[1].key for c in story.chapters if c.what_if is not None}
    rows = []
    for i, ch in enumerate(story.chapters):
        t = time.perf_counter()
        story.run_to(i, choices)
        first = time.perf_counter() - t
        rows.append({"chapter": ch.title, "week": ch.week, "first_s": round(first, 3)})
    for row, i in zip(rows, range(len(story.chapters))):
        t = time.perf_counter()
        story.run_to(i, choices)
        row["again_s"] = round(time.perf_counter() - t, 4)
    out = {"people": args.people, "seed": args.seed, "load_average": load, "build_s": round(built, 3), "chapters": rows}
    for r in rows:
        print(f"{r['chapter']:<36} week {r['week']:>3}: {r['first_s']:6.2f} s first, {r['again_s']:.4f} s again")
    print(f"(load average {load:.1f} at the start)")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
