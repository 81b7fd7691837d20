"""Per-session state: what one browser session holds, handed down by a context; freed when the session ends.

Nothing mutable lives at module level: :func:`~simulation.dashboard.layout.Layout` makes one
:class:`SessionState` per browser session (``use_memo``) and provides it with :data:`SESSION`; a page
rendered alone (the component tests) gets its own from :func:`use_session`. When a session's kernel closes
(its tab closed, or culled), :func:`release_memory` collects its models and hands the freed heap back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, cast

import solara
import solara.lab

from .. import scenarios
from .inputs import POPULATION, ComparePair, DashboardModel, event_key
from .programme import scenario_calendar
from .story.chapters import Place

PRESENTER_SCALE = 1.6
"""Text and chart labels in Presenter mode, relative to normal."""


def default_inputs(model: DashboardModel) -> dict[str, Any]:
    """The inputs that rebuild ``model`` (what the settings show): seed, levers, event switches."""
    inputs: dict[str, Any] = {"seed": model.seed, **model.lever_values()}
    running = {e.type for e in model.params.programme.events}
    for t in model.event_types_in_calendar():
        inputs[event_key(t)] = t in running
    return inputs


def rebuild(model: DashboardModel, inputs: dict[str, Any]) -> DashboardModel:
    """Reset: a new model of the *same scenario* (and designed calendar, if any) with ``inputs``."""
    kwargs = {k: v for k, v in inputs.items() if k != "seed"}
    if "programme.events" in model.inputs:
        kwargs["programme.events"] = model.inputs["programme.events"]
    return DashboardModel(model.scenario_name, int(inputs.get("seed", model.seed)), **kwargs)


class SessionState:
    """What one browser session holds. Made once per session (``use_memo`` in :func:`Layout`).

    Models are built on first use, so a visitor who only reads About costs nothing. ``*_tick`` counts
    the weeks stepped (the pages redraw on it); ``lock`` keeps Step and Play from stepping a model at once.
    """

    def __init__(self):
        self.presenter = solara.reactive(False)
        self.programme = solara.reactive(scenario_calendar(scenarios.DEFAULT_SCENARIO))
        self.programme_scenario = solara.reactive(scenarios.DEFAULT_SCENARIO)
        self.explore_tick = solara.reactive(0)
        self.compare_tick = solara.reactive(0)
        self.lock = threading.Lock()
        self._explore: solara.Reactive[DashboardModel] | None = None
        self._explore_inputs: solara.Reactive[dict] | None = None
        self._compare: solara.Reactive[ComparePair] | None = None
        self._compare_inputs: solara.Reactive[dict] | None = None
        self._story: solara.Reactive[Place] | None = None

    @property
    def explore(self) -> solara.Reactive[DashboardModel]:
        if self._explore is None:
            self._explore = solara.reactive(DashboardModel())
        return self._explore

    @property
    def explore_inputs(self) -> solara.Reactive[dict]:
        if self._explore_inputs is None:
            self._explore_inputs = solara.reactive(default_inputs(self.explore.value))
        return self._explore_inputs

    def set_explore(self, model: DashboardModel) -> None:
        """A new Explore model (scenario chosen, designer's programme): the settings follow it."""
        self.explore.value = model
        self.explore_inputs.value = default_inputs(model)

    @property
    def compare(self) -> solara.Reactive[ComparePair]:
        if self._compare is None:
            self._compare = solara.reactive(ComparePair())
        return self._compare

    @property
    def compare_inputs(self) -> solara.Reactive[dict]:
        if self._compare_inputs is None:
            pair = self.compare.value
            self._compare_inputs = solara.reactive(
                {
                    "scenario_a": pair.scenario_a,
                    "scenario_b": pair.scenario_b,
                    "seed": pair.seed,
                    POPULATION.path: pair.a.params.population.size,
                }
            )
        return self._compare_inputs

    @property
    def story(self) -> solara.Reactive[Place]:
        """The Story page's place: its runs, chapter and what-ifs (made on the first visit)."""
        if self._story is None:
            self._story = solara.reactive(Place.start())
        return self._story


SESSION = solara.create_context(cast("SessionState | None", None))


def use_session() -> SessionState:
    """The session's state from :func:`Layout`; a page rendered alone (tests) gets its own."""
    own = solara.use_memo(SessionState, [])
    provided = solara.use_context(SESSION)
    return provided if provided is not None else own


def font_scale(session: SessionState) -> float:
    return PRESENTER_SCALE if session.presenter.value else 1.0


def release_memory() -> None:
    """Collect what closed sessions left (Mesa models hold reference cycles, so only the cycle collector
    frees them) and hand the freed heap back to the system (glibc's ``malloc_trim``), so the server's
    memory falls again when people close their tabs."""
    import contextlib
    import ctypes
    import gc
    import sys

    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc
            ctypes.CDLL("libc.so.6").malloc_trim(0)


RELEASE_WAIT_S = 30.0
"""How long a closing session's release waits for Solara to finish closing it."""

RELEASE_QUIET_S = 5.0
"""How long the release waits after a session has closed, in case others follow. A room's tabs close together,
so the sessions of a burst are released once, this long after the last of them closed."""

RELEASE_AGAIN_S = 20.0
"""When the release runs a second time after the last close of a burst. The server lets go of a closed
session's last objects (its connection, the frames that closed it, what they held) over the next seconds:
after a room of 20 closed, a collection 5 s after the last close handed back 50 MB, and one 5-10 s later 5-6 MB
more; none later found anything (docs/performance.md, 2026-12-05)."""

RELEASE_AT_LEAST_EVERY_S = 60.0
"""A steady trickle of closes (one every few seconds) postpones the release no longer than this."""


class _Releases:
    """When to release: once per burst of closes, :data:`RELEASE_QUIET_S` after its last close, and again
    :data:`RELEASE_AGAIN_S` after it unless another close has come since (whose own release then follows)."""

    def __init__(
        self,
        release: Callable[[], None] = release_memory,
        quiet_s: float = RELEASE_QUIET_S,
        again_s: float = RELEASE_AGAIN_S,
        at_least_every_s: float = RELEASE_AT_LEAST_EVERY_S,
        wait_s: float = RELEASE_WAIT_S,
    ):
        self.release, self.quiet_s, self.again_s = release, quiet_s, again_s
        self.at_least_every_s, self.wait_s = at_least_every_s, wait_s
        self._lock = threading.Lock()
        self._closes = 0
        self._last = time.monotonic()

    def after(self, closed: threading.Event) -> None:
        """Run in a thread of its own for each closing session: wait for its close, then for quiet."""
        closed.wait(self.wait_s)
        with self._lock:
            self._closes += 1
            mine = self._closes
        time.sleep(self.quiet_s)
        with self._lock:
            now = time.monotonic()
            if mine != self._closes and now - self._last < self.at_least_every_s:
                return  # a later close will release
            self._last = now
        self.release()
        time.sleep(max(self.again_s - self.quiet_s, 0.0))
        with self._lock:
            if mine != self._closes:
                return
            self._last = time.monotonic()
        self.release()


_releases = _Releases()


def _on_kernel_start() -> Callable[[], None]:
    """Solara calls the returned function when the session's kernel closes (tab closed, or culled) but
    *before* it drops the session's state and widgets: collecting then would find every model still held.
    So the release waits, in a thread of its own, for the close to finish (the context's ``closed_event``;
    only the event is held, never the context, which would keep the session's state alive), then for a quiet
    moment with no other session closing (:class:`_Releases`)."""
    try:
        from solara.server import kernel_context

        closed = kernel_context.get_current_context().closed_event
    except (ImportError, RuntimeError, AttributeError):  # no server (tests render pages without one)
        return release_memory

    def on_close() -> None:
        threading.Thread(target=_releases.after, args=(closed,), name="syslead-release", daemon=True).start()

    return on_close


solara.lab.on_kernel_start(_on_kernel_start)
