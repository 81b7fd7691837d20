"""The workshop dashboard (issue 5): a Solara app served offline by ``syslead dashboard``.

* :mod:`.app` - the pages (Explore, Compare, Programme designer, About) and the per-session state;
* :mod:`.cli` - the ``syslead dashboard`` command;
* :mod:`.inputs` - bounded inputs named by parameter paths, and the models built from them;
* :mod:`.network` - the precomputed sector layout and the network drawing;
* :mod:`.charts` - the time-series plots and the project feed;
* :mod:`.programme` - the programme designer's calendar: edits, TOML in and out, runs.

See docs/dashboard.md for running it at a workshop.
"""
