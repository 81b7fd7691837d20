"""The mechanisms of the case, one module each: a ``phase(model)`` (or two) of the weekly step and its domain rules.

Each module reads like the case it models and calls the array code in :mod:`simulation.kernels`. The order of
the phases in a week is the table :data:`simulation.model.PHASES`; docs/architecture.md says where everything
lives, docs/ODD.md what each mechanism does.

=================  ======================================================================================
module             mechanism (phase of the week)
=================  ======================================================================================
``trust``          trust upkeep: decay, pruning, everyday colleague contact; merge contacts
``events``         events: who hears of them, who comes, what meeting there does (the meetings queue)
``matching``       Brew and Biscuits cross-sector matching
``online``         the #sysleadershipmcr online network
``mindset``        the system-leadership mindset: social contagion, role modelling, lapsing
``time_budget``    hours are finite: over-commitment, dropping out
``wellbeing``      confidence and energy
``opportunities``  finite problems to work on per locality and theme (used by projects, commissioning)
``projects``       self-organising projects: proposals, team assembly, progress, sponsors, reviews
``commissioning``  commissioned projects with assigned teams
``referrals``      cross-sector referrals
``churn``          turnover and reorganisations
``champions``      champions convene gatherings
=================  ======================================================================================
"""
