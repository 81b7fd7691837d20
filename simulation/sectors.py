"""The sectors of a local health and care system, their labels and colours.

The eight sectors are the ones the South Manchester case names. The order is
fixed: arrays indexed by sector (``knowledge[:, s]``, per-sector metrics) use
it, and so does the colour-blind-safe Okabe-Ito palette below.
"""

from __future__ import annotations

SECTORS: tuple[str, ...] = (
    "acute",
    "primary_care",
    "community_health",
    "social_care",
    "vcs",
    "housing",
    "other_public",
    "patients",
)
"""Machine names, used in parameter paths (``population.shares.vcs``) and columns."""

SECTOR_LABELS: dict[str, str] = {
    "acute": "Acute hospital",
    "primary_care": "Primary care (GPs)",
    "community_health": "Community health",
    "social_care": "Social care",
    "vcs": "Voluntary & community",
    "housing": "Housing",
    "other_public": "Other public services",
    "patients": "Patients & citizens",
}

# Okabe & Ito (2008): eight colours distinguishable with the common forms of
# colour-vision deficiency.
SECTOR_COLOURS: dict[str, str] = {
    "acute": "#0072B2",
    "primary_care": "#E69F00",
    "community_health": "#56B4E9",
    "social_care": "#009E73",
    "vcs": "#D55E00",
    "housing": "#CC79A7",
    "other_public": "#000000",
    "patients": "#F0E442",
}

SECTOR_INDEX: dict[str, int] = {name: i for i, name in enumerate(SECTORS)}
N_SECTORS = len(SECTORS)

SENIORITY: tuple[str, ...] = ("frontline", "manager", "senior")
MINDSET_STAGES: tuple[str, ...] = ("unaware", "aware", "practising", "champion")
UNAWARE, AWARE, PRACTISING, CHAMPION = range(4)
PATIENTS_INDEX = SECTOR_INDEX["patients"]
VCS_INDEX = SECTOR_INDEX["vcs"]
