"""Regenerate the parameter table in docs/ODD.md from simulation/config.py.

Usage: python experiments/update_odd.py   (tests/test_docs.py fails when the table is stale)
"""

from __future__ import annotations

import re
from pathlib import Path

from simulation.config import markdown_table

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
BLOCK = re.compile(r"(<!-- params:begin -->\n).*?(<!-- params:end -->)", re.S)


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + markdown_table() + m.group(2), text)


if __name__ == "__main__":
    ODD.write_text(render(ODD.read_text()))
    print(f"updated {ODD}")
