"""The guided story of the South Manchester case (issue 16, point 6): the dashboard's ``/story`` page.

* :mod:`.chapters` - the story with no Solara: chapters as data, the paired runs (the case as it happened and one
  "what if" on the same seed), the key numbers and the plain-English sentences computed from them;
* :mod:`.page` - the Solara page (``/story``).

See docs/dashboard.md ("Story") and docs/workshop.md.
"""
