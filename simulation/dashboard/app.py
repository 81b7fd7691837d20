"""The workshop dashboard's Solara app: its four pages and their routes (``solara run simulation.dashboard.app``).

Serve it with ``syslead dashboard`` (see :mod:`simulation.dashboard.cli`). One module per page
(:mod:`.explore`, :mod:`.compare`, :mod:`.designer`, :mod:`.about`; the guided Story, :mod:`.story`), the frame
around them (:mod:`.layout`), what one browser session holds (:mod:`.session`) and the pieces every page uses
(:mod:`.components`, :mod:`.widgets`, :mod:`.wording`).

The pages have no side panel (a 400-pixel drawer covers a phone): the run controls (Step, Play, Reset)
sit at the top of the page under a one-line introduction, and the settings are a card beside the
pictures on a wide screen and below them on a phone. The controls are the dashboard's own
(:func:`~simulation.dashboard.components.RunControls`): Reset rebuilds the model from the session's inputs
*and its chosen scenario*. The network is drawn by the browser
(:class:`~simulation.dashboard.widgets.NetworkCanvas`): positions and colours once per model, then a small
frame a week; the server draws nothing per week.
"""

from __future__ import annotations

import solara

from .about import About, about_html
from .compare import Compare
from .designer import Designer
from .explore import Explore
from .layout import Layout, asset
from .static_gzip import install as compress_static_files_once
from .story.page import StoryPage
from .workshop.pages import Facilitator, Participant, Projector


def warm_up() -> None:
    """Pay the server's one-time costs when it starts, not when the first person opens a page: the default
    model's layout (shared by every session with the same people) and its payload, the code paths of a
    week's frame, plots and feed, the styles and the About page. Also what lets the server's memory fall
    back to where it started once the room's tabs close (a first session otherwise leaves about 16 MB of
    such one-time costs behind)."""
    from .charts import display_frame, project_feed, timeseries_option
    from .inputs import DashboardModel
    from .widgets import network_frame, network_layout

    model = DashboardModel()
    model.step()
    network_layout(model)
    network_frame(model)
    timeseries_option([("this run", display_frame(model))])
    project_feed(model)
    for name in ("style.css", "presenter.css"):
        asset(name)
    about_html()


warm_up()
compress_static_files_once()  # the page's 7.4 MB of scripts and styles gzip-compressed once, not per person

routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="designer", component=Designer, label="Programme designer"),
    solara.Route(path="story", component=StoryPage, label="Story"),  # the guided story (issue 16, 6)
    solara.Route(path="about", component=About, label="About"),
    solara.Route(
        path="workshop",
        label="Workshop",
        children=[  # workshop mode (issue 16): docs/workshop.md
            solara.Route(path="/", component=Facilitator, label="Workshop"),
            solara.Route(path="join", component=Participant, label="Join"),
            solara.Route(path="screen", component=Projector, label="Projector"),
        ],
    ),
]
