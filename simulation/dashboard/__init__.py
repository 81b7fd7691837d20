"""The workshop dashboard (issue 5): a Solara app served offline by ``syslead dashboard``.

One module per page, and the shared parts:

* :mod:`.app` - the routes (``solara run simulation.dashboard.app``);
* :mod:`.explore`, :mod:`.compare`, :mod:`.designer`, :mod:`.about` - the four pages;
* :mod:`.layout` - the frame around every page (tabs, Presenter switch, language, zoom, styles);
* :mod:`.session` - what one browser session holds, and freeing it when the session ends;
* :mod:`.components` - pieces the pages share (run controls, network view, plots, feed, tables, sliders);
* :mod:`.widgets` - what runs in the browser (network canvas, file chooser, charts, page setup);
* :mod:`.wording` - plain-English labels and numbers;
* :mod:`.inputs` - bounded inputs named by parameter paths (checked by config), the limits, the models;
* :mod:`.network` - the network layout per model (:mod:`simulation.analysis.layout`) and the PNG export;
* :mod:`.charts` - the time-series plots and the project feed;
* :mod:`.programme` - the programme designer's calendar: edits, TOML in and out, runs;
* :mod:`.cli` - the ``syslead dashboard`` command;
* :mod:`.story` - the guided story of the case (``/story``, issue 16 point 6): chapters and paired runs
  (:mod:`.story.chapters`, no Solara) and the page (:mod:`.story.page`).

See docs/dashboard.md for running it at a workshop.
"""
