"""The page around every page: the top bar (tabs, Presenter switch), the page's language and zoom, the styles,
and the session's state (made here, once per browser session, and provided to the pages)."""

from __future__ import annotations

import functools
from importlib import resources

import solara
import solara.lab

from .session import SESSION, SessionState
from .widgets import PageSetup


@functools.cache
def asset(name: str) -> str:
    """A file shipped with the dashboard (styles, ``about.md``), read once per server."""
    return (resources.files("simulation.dashboard") / name).read_text(encoding="utf-8")


@solara.component
def Layout(children: list[solara.Element] = []) -> solara.Element:  # noqa: B006 - solara's layout signature
    """Every page's frame; makes the session's :class:`SessionState` and provides it to the page."""
    session = solara.use_memo(SessionState, [])
    SESSION.provide(session)
    route, routes = solara.use_route()
    router = solara.use_router()
    paths = [solara.resolve_path(r, level=0) for r in routes]
    index = routes.index(route) if route in routes else 0
    if router.path.startswith("/workshop/join"):  # a participant's phone: their person only, no tabs
        with solara.Column(classes=["syslead-page", "syslead-join"], style={"padding": "12px 16px"}) as bare:
            solara.Title("syslead workshop")
            PageSetup.element()
            solara.Style(asset("style.css"))
            solara.Column(children=children)
        return bare
    with solara.AppLayout(title="syslead", navigation=True) as main:
        with solara.AppBar():
            with solara.lab.Tabs(value=index, on_value=lambda i: router.push(paths[i]), align="center"):
                for r in routes:
                    solara.lab.Tab(r.label)
            solara.Switch(label="Presenter", value=session.presenter, classes=["syslead-presenter-switch"])
        with solara.Column(classes=["syslead-page"]):
            solara.Title("syslead: system leadership dashboard")
            PageSetup.element()
            solara.Style(asset("style.css"))
            # Always present (empty when off): inserting it shifted the page's elements, which rebuilt the
            # whole page on every switch (and lost a click made just after it).
            solara.Style(asset("presenter.css") if session.presenter.value else "")
            solara.Column(children=children)
    return main
