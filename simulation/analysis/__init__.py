"""Analysis of sweeps: paired statistics, plain-language summaries, figures and the policy report.

- :mod:`.stats`: paired differences and ratios with bootstrap intervals, effect sizes, Wilcoxon and Holm.
- :mod:`.summary`: sentences whose wording follows the numbers.
- :mod:`.figures`: matplotlib figures (Okabe-Ito colours, units on every axis).
- :mod:`.report`: ``report.html`` + ``figures/*.png`` + ``tables/*.csv`` for a results folder.
- :mod:`.compare`: ``syslead compare`` (with ``--precision``) and ``syslead main`` (the strategy comparison).

See ``docs/report.md``.
"""
