"""Workshop mode's pages: the facilitator's (``/workshop``) and a participant's (``/workshop/join?room=CODE``).

The room (:class:`~.room.Room`) lives in the server's :data:`~.room.ROOMS`, shared by every browser session;
each page waits on the room's ``version`` (woken by every change; a number compared, nothing sent when
nothing changed) and redraws when it moves, so a participant's screen shows the new week within a second of
"Next week". The addresses carry what brings a page back after a reload or a phone waking up: the facilitator's
``key`` (never shown to participants) and a participant's ``me`` token.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from html import escape
from typing import Any, cast
from urllib.parse import parse_qs, urlencode, urlsplit

import segno
import solara

from ...config import ConfigError
from ..inputs import LIMITS
from ..widgets import FileChooser
from .projector import key_numbers, named_people, network_png, trend_png
from .record import debrief, load_toml, to_csv, to_toml
from .room import ROOMS, ROUND_WEEKS, WORKSHOP_SCENARIOS, Choice, Room, RoomError, you_are

POLL_S = 0.5
"""How often a waiting page looks whether it has closed (seconds); a change of its room wakes it at once."""
DEFAULT_PEOPLE = 1000
MAX_RECORD_BYTES = LIMITS.max_file_kb * 1024
"""The largest room's record the facilitator page takes."""


def _query() -> dict[str, str]:
    search = solara.use_router().search or ""
    return {k: v[0] for k, v in parse_qs(search).items() if v}


def _origin() -> str:
    """The address this page was opened at (``http://HOST:PORT``), for the join link and its QR code."""
    headers = solara.lab.headers.value or {}  # type: ignore[attr-defined]  # (a reactive solara.lab sets up at import)
    host = (headers.get("host") or ["127.0.0.1:8765"])[0]
    return f"http://{host}"


def use_room_version(
    room: Room | None, key: Callable[[Room], Any] | None = None, key_depends_on: tuple[Any, ...] = ()
) -> int:
    """The room's ``version`` while the page is open, moved on only when ``key(room)`` changes (every change
    without a ``key``): a phone need not redraw when someone else presses "Done". ``key_depends_on``: what the
    key reads besides the room (a participant's token), so that a new one starts a new thread with the new key.

    One thread per page, for the page's life: it waits on the room (woken by every change, so a new week reaches
    every screen as soon as it is made; every :data:`POLL_S` seconds it looks whether the page has closed) and
    sets the page's state.
    """
    version, set_version = solara.use_state(room.version if room else 0)
    drawn = key(room) if key is not None and room is not None else None  # what this render shows

    def follow(cancel: threading.Event) -> None:  # the thread of the first render: its version and key
        if room is None:
            return
        seen, last = version, drawn
        while not cancel.is_set():
            new = room.wait_for_change(seen, POLL_S)
            if new == seen or cancel.is_set():
                continue
            seen = new
            if key is not None:
                now = key(room)
                if now == last:
                    continue
                last = now
            set_version(seen)

    solara.use_thread(follow, dependencies=[room, *key_depends_on], intrusive_cancel=False)
    return version


def qr_svg(url: str) -> str:
    """The join address as a QR code: inline SVG drawn by segno on this machine (no internet)."""
    return segno.make(url, error="m").svg_inline(
        scale=6, border=2, title="QR code of the join address", dark="#000000", light="#ffffff"
    )


@solara.component
def Facilitator() -> None:
    """``/workshop``: Start room, the code, the join address as a link and a QR code, the counts, Next week."""
    router = solara.use_router()
    q = _query()
    scenario = solara.use_reactive(WORKSHOP_SCENARIOS[0])
    people = solara.use_reactive(DEFAULT_PEOPLE)
    error = solara.use_reactive("")
    room: Room | None = None
    problem = error.value
    if q.get("room"):
        try:
            room = ROOMS.facilitate(q["room"], q.get("key"))
        except RoomError as exc:
            problem = str(exc)
    use_room_version(room)

    def start() -> None:
        try:
            new = ROOMS.create(scenario.value, people.value)
        except (RoomError, ConfigError) as exc:
            error.value = str(exc)
            return
        error.value = ""
        router.push("/workshop?" + urlencode({"room": new.code, "key": new.secret}))

    def start_from_record(info: dict[str, Any] | None) -> None:
        if not info:
            return
        name, text = str(info.get("name", "the file")), str(info.get("text", ""))
        try:
            if len(text.encode("utf-8")) > MAX_RECORD_BYTES:
                raise ConfigError(f"the file is larger than {MAX_RECORD_BYTES // 1024} kB: not a room's record")
            new = ROOMS.create_from_record(load_toml(text))
        except (RoomError, ConfigError) as exc:
            error.value = f"{name}: {exc}"
            return
        error.value = ""
        router.push("/workshop?" + urlencode({"room": new.code, "key": new.secret}))

    with solara.Column(classes=["syslead-workshop"], style={"max-width": "960px"}):
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<h2>Workshop: the room plays the system</h2><p>Each participant "
            "becomes one person of the model on their phone and decides, week by week, what their person "
            "does; everyone else follows the model's rules.</p>",
        )
        if problem:
            solara.Error(problem)
        if room is None:
            solara.Select(label="Scenario", values=list(WORKSHOP_SCENARIOS), value=scenario)
            solara.SliderInt(
                label=f"People in the system: {people.value:,}",
                value=people,
                min=LIMITS.min_people,
                max=LIMITS.max_people,
                step=100,
            )
            solara.Button("Start room", on_click=start, color="primary")
            solara.HTML(
                tag="p",
                unsafe_innerHTML="Or carry on from a room of an earlier session: its record (the TOML download of "
                "the debrief) is played again, and the new room starts where that one stopped, with its "
                "participants' people named in it. People join the new room as new participants.",
            )
            FileChooser.element(
                button="Start from a saved room",
                hint="(.toml), or drop one here",
                accept=".toml,text/plain,application/toml",
                max_bytes=MAX_RECORD_BYTES,
                on_file=start_from_record,
            )
            return
        join = f"{_origin()}/workshop/join?{urlencode({'room': room.code})}"
        with solara.Row(style={"flex-wrap": "wrap", "gap": "24px", "align-items": "flex-start"}):
            with solara.Column(style={"min-width": "280px", "flex": "1"}):
                solara.HTML(
                    tag="p",
                    unsafe_innerHTML=f'Room code: <strong class="syslead-room-code" '
                    f'style="font-size:2em;letter-spacing:0.1em">{room.code}</strong>',
                )
                solara.HTML(
                    tag="p",
                    unsafe_innerHTML=f'Join address: <a href="{join}" target="_blank" rel="noopener">{join}</a>',
                )
                screen = "/workshop/screen?" + urlencode({"room": room.code, "key": room.secret})
                solara.HTML(
                    tag="p",
                    unsafe_innerHTML=f'<a href="{screen}" target="_blank" rel="noopener">Open the projector view</a> '
                    "(for the big screen: the network with your participants' people named, and what happened)",
                )
                n, k = room.n_participants, room.n_ready
                solara.Text(f"{n} participant" if n == 1 else f"{n} participants", classes=["syslead-participants"])
                solara.Text(f"{k} of {n} ready", classes=["syslead-ready"])
                solara.Text(f"Week {room.week}", classes=["syslead-week"])
                names = [p.name or "(no name)" for p in room.participants.values()]
                if names:
                    solara.Text("In the room: " + ", ".join(names))
                RoundLength(room)
                with solara.Row(style={"align-items": "center", "gap": "12px"}):
                    solara.Button(
                        "Next week", on_click=room.next_week, color="primary", disabled=room.weeks_this_round == 0
                    )
                    if room.round_weeks > 1:
                        solara.Text(f"Next month: weeks {room.week + 1} to {room.week + room.weeks_this_round}")
                solara.Text(f"{room.scenario}, {room.population:,} people.")
                Debrief(room)
            solara.HTML(
                tag="div",
                unsafe_innerHTML=qr_svg(join),
                classes=["syslead-qr"],
                attributes={"role": "img", "aria-label": f"QR code of the join address {join}"},
            )


DEBRIEF_RUNS = 4
"""Paired runs of the model alone for the debrief."""


def _num(x: float) -> str:
    return "not in that run" if x != x else f"{x:.1f}"


@solara.component
def Debrief(room: Room) -> None:
    """The end of the game: the room against the model's own rule, and the room's record to download."""
    result = solara.use_reactive(cast(dict[str, Any] | None, None))
    other_address = solara.use_reactive("")
    problem = solara.use_reactive("")

    def run() -> None:
        other = None
        if other_address.value.strip():
            try:
                q = parse_qs(urlsplit(other_address.value.strip()).query)
                other = ROOMS.facilitate(q.get("room", [""])[0], q.get("key", [""])[0])
            except RoomError as exc:
                problem.set(f"The other room: {exc}")
                return
        try:
            result.set(debrief(room, DEBRIEF_RUNS, other))
            problem.set("")
        except ConfigError as exc:
            problem.set(str(exc))

    with solara.Column(classes=["syslead-debrief"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Debrief")
        solara.InputText(
            "To set beside it the same group's game with the other strategy: that room's facilitator address "
            "(optional)",
            value=other_address,
            continuous_update=True,
        )
        solara.Button("Debrief: the room against the model", on_click=run)
        if problem.value:
            solara.Error(problem.value)
        d = result.value
        if d is not None and d["week"] == room.week:
            seeds = d["seeds"]
            o = d["other"]
            other_head = (
                f"<th scope='col'>The people played in room {o['code']} "
                f"({escape(o['scenario'])}, week {o['week']})</th>"
                if o
                else ""
            )
            head = (
                "<tr><th scope='col'>In week {w}</th><th scope='col'>The people you played</th>"
                "<th scope='col'>The same people, the model deciding for them</th>"
                f"<th scope='col'>People in the same roles, the model deciding ({len(seeds)} runs)</th>"
                f"{other_head}</tr>"
            ).format(w=d["week"])
            body = "".join(
                f"<tr><th scope='row'>{escape(r['measure'])}</th><td>{_num(r['room'])}</td>"
                f"<td>{_num(r['same_people'])}</td><td>{_num(r['same_roles'])}</td>"
                + (f"<td>{_num(r['other'])}</td>" if o else "")
                + "</tr>"
                for r in d["table"]
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"<table class='syslead-debrief-table'>{head}{body}</table>"
                "<p>Averages over the participants. <em>The same people</em>: the same system (this scenario, "
                "this population and this seed) run again with nobody choosing, so the model's own rules decide "
                f"for everyone; people who left in one run and not the other are not compared ({d['compared']} "
                f"of {len(d['rows'])} compared). <em>The same roles</em>: in runs of the model alone with seeds "
                f"{seeds[0]} to {seeds[-1]}, the average of everyone with the same sector, seniority and locality "
                "as each participant's person. Ties across sectors: people in other sectors they trust enough to "
                "work with.</p>",
            )
        with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
            solara.FileDownload(
                lambda: to_csv(room).encode(),
                filename=f"room-{room.code}.csv",
                label="Download the record (CSV)",
            )
            solara.FileDownload(
                lambda: to_toml(room).encode(),
                filename=f"room-{room.code}.toml",
                label="Download the room to replay (TOML)",
            )


ROUND_LABELS = {label: weeks for weeks, label in ROUND_WEEKS.items()}


@solara.component
def RoundLength(room: Room) -> None:
    """The facilitator's choice of round: a week or a month (the participants' choices hold for the round)."""

    def pick(label: str) -> None:
        room.set_round(ROUND_LABELS[label])

    solara.ToggleButtonsSingle(
        value=ROUND_WEEKS[room.round_weeks], values=list(ROUND_LABELS), on_value=pick, classes=["syslead-round"]
    )


@solara.component
def Participant() -> None:
    """``/workshop/join?room=CODE``: a first name, then the person, their week and their choices, and Done."""
    router = solara.use_router()
    q = _query()
    name = solara.use_reactive("")
    problem = solara.use_reactive("")
    try:
        room = ROOMS.get(q.get("room"))
    except RoomError as exc:
        solara.Error(str(exc))
        return
    token = q.get("me")
    version = use_room_version(room, key=lambda r: _what_a_phone_shows(r, token), key_depends_on=(token,))
    if token not in room.participants:

        def join() -> None:
            try:
                me = room.join(name.value)
            except RoomError as exc:
                problem.value = str(exc)
                return
            router.push("/workshop/join?" + urlencode({"room": room.code, "me": me}))

        with solara.Column(style={"max-width": "480px"}):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"<h2>Room {room.code}</h2><p>You will play one person of the "
                "local health and care system.</p>",
            )
            if problem.value:
                solara.Error(problem.value)
            solara.InputText("Your first name (optional)", value=name, continuous_update=True)
            solara.Button("Join", on_click=join, color="primary")
        return
    PersonCard(room, token, version)


def _what_a_phone_shows(room: Room, token: str | None) -> tuple[Any, ...]:
    """What of the room a participant's page shows: the week, the round's length, and their own person and choice
    (another participant's "Done" or a join changes none of it)."""
    with room.lock:
        p = room.participants.get(token) if token else None
        return (room.week, room.round_weeks, None if p is None else (p.slot, p.person_id, p.choice))


ANYONE = "whoever the scheme finds for you"
ANY_THEME = "any theme (as ideas come)"
NO_JOIN = "no, not this time"


def _numbered(options: list[tuple[int, str]]) -> dict[str, int]:
    """Options as the page shows them ("1. a district nurse (Community health)") to their ids."""
    return {f"{n}. {label}": key for n, (key, label) in enumerate(options, 1)}


@solara.component
def PersonCard(room: Room, token: str, version: int = 0) -> None:
    """The participant's person and this round's choices (``version``: the room's, so that a new week redraws)."""
    me = room.person(token)
    go = solara.use_reactive(False)
    visit = solara.use_reactive(False)
    whom = solara.use_reactive(ANYONE)
    post = solara.use_reactive(False)
    propose = solara.use_reactive(False)
    theme = solara.use_reactive(ANY_THEME)
    team = solara.use_reactive(cast(list[str], []))
    join = solara.use_reactive(NO_JOIN)
    problem = solara.use_reactive("")

    def new_week() -> None:
        for r in (go, visit, post, propose):
            r.set(False)
        whom.set(ANYONE)
        theme.set(ANY_THEME)
        team.set([])
        join.set(NO_JOIN)

    solara.use_effect(new_week, [me["week"]])  # last round's ticks do not carry over to the next
    visits = _numbered(me["visit_options"])
    mates = _numbered(me["team_options"])
    themes = {name: k for k, name in me["theme_options"]}
    asking = _numbered(me["asking"])

    def done() -> None:
        try:
            room.choose(
                token,
                Choice(
                    event=go.value if me["events"] else False,
                    visit=visit.value if me["scheme_open"] else None,
                    visit_with=visits.get(whom.value) if me["scheme_open"] and visit.value else None,
                    online=post.value or None,
                    propose=propose.value if me["can_propose"] else None,
                    theme=themes.get(theme.value) if me["can_propose"] and propose.value else None,
                    team=tuple(mates[t] for t in team.value if t in mates)
                    if me["can_propose"] and propose.value
                    else (),
                    join=asking.get(join.value),
                ),
            )
            problem.set("")
        except RoomError as exc:  # the page was out of date (someone left, a project ended): choose again
            problem.set(str(exc))

    ties = ", ".join(f"{c} in {s}" for s, c in me["tie_sectors"]) or "nobody yet"
    first, n = me["week"] + 1, max(1, me["round_weeks"])
    when = f"week {first}" if n == 1 else f"weeks {first} to {first + n - 1}"
    with solara.Column(style={"max-width": "480px"}, classes=["syslead-participant"]):
        solara.HTML(tag="h2", unsafe_innerHTML=f"Week {me['week']}", classes=["syslead-week"])
        if me["name"]:
            solara.Text(f"Hello {me['name']}.")
        solara.HTML(tag="p", unsafe_innerHTML=f"<strong>{escape(you_are(me))}</strong>.")
        solara.HTML(
            tag="ul",
            unsafe_innerHTML=f"<li>Sector: {escape(me['sector'])}</li>"
            f"<li>You trust {me['ties']} people enough to work with: {escape(ties)}</li>"
            f"<li>Confidence: {me['confidence']} out of 100</li><li>Energy: {me['energy']} out of 100</li>"
            f"<li>Projects you have worked on: {me['projects']}</li>"
            f"<li>On the online network (#sysleadershipmcr): {'yes' if me['online'] else 'not yet'}</li>",
        )
        solara.HTML(tag="h3", unsafe_innerHTML=f"What do you do in {when}?")
        if n > 1:
            solara.Text("Your choices hold for every week of this month.")
        if me["events"]:
            solara.Checkbox(label="Go to " + " and ".join(me["events"]) + " (unticked: keep to the day job)", value=go)
        else:
            solara.Text("No event on offer: you keep to the day job.")
        if me["scheme_open"]:
            solara.Checkbox(
                label="Accept a Brew and Biscuits visit (a cup of tea with someone from another sector)", value=visit
            )
            if visit.value and visits:
                solara.Select(label="Whom to visit", values=[ANYONE, *visits], value=whom)
        solara.Checkbox(label="Post online (join #sysleadershipmcr and share news)", value=post)
        if me["can_propose"]:
            solara.Checkbox(label="Propose a project with people you trust", value=propose)
            if propose.value:
                solara.Select(label="Theme", values=[ANY_THEME, *themes], value=theme)
                if mates:
                    solara.SelectMultiple(
                        label="Ask people you trust to join",
                        all_values=list(mates),
                        values=team.value,
                        on_value=team.set,
                    )
        else:
            solara.Text(
                "You cannot propose a project yet: that takes practising system leadership, "
                "enough confidence and energy."
            )
        if asking:
            solara.Select(label="A project asks you to join: join it?", values=[NO_JOIN, *asking], value=join)
        if problem.value:
            solara.Error(problem.value)
        solara.Button("Done", on_click=done, color="primary")
        if me["choice"] is not None:
            solara.Text(
                "Done: your choices are in. Wait for the facilitator's next week (you can still change them).",
                classes=["syslead-done"],
            )


def _png(data: bytes, alt: str) -> None:
    """A PNG drawn on the server, with its text alternative."""
    src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<img src="{src}" alt="{escape(alt)}" style="max-width:100%;max-height:85vh;height:auto">',
    )


Pictures = tuple[int, tuple[tuple[int, str], ...], bytes, bytes]
"""The projector's pictures: the week and the names they show, the network's PNG and the charts' PNG."""
FEED_LINES = 12
"""Happenings the projector shows (the latest first)."""


@solara.component
def Projector() -> None:
    """``/workshop/screen?room=CODE&key=KEY``: the big screen: the week, the network with the participants' people
    named, a feed of what happened to them, the key numbers and two charts, presenter-sized. The facilitator's
    key is needed (the screen names everyone's person)."""
    q = _query()
    try:
        room = ROOMS.facilitate(q.get("room"), q.get("key"))
    except RoomError as exc:
        solara.Error(str(exc))
        return
    use_room_version(room)  # the heading counts who is ready: every change
    week = room.week
    names = tuple(named_people(room))  # the network is redrawn for a new week or a new name, not for each "Done"
    pictures, set_pictures = solara.use_state(cast("Pictures | None", None))

    def draw(cancel: threading.Event) -> None:
        """The pictures are drawn apart from the page (about a second at 1,000 people): the heading shows the new
        week at once, the last pictures stay until the new ones are ready."""
        last = pictures
        # only a name changed (someone joined): the network is redrawn, the charts of the week stand
        charts = last[3] if last is not None and last[0] == week else trend_png(room)
        drawn = (week, names, network_png(room), charts)
        if not cancel.is_set():
            set_pictures(drawn)

    solara.use_thread(draw, dependencies=[room, week, names], intrusive_cancel=False)
    feed = [line for _, line in room.feed[-FEED_LINES:]][::-1]
    n, k = room.n_participants, room.n_ready
    with solara.Column(classes=["syslead-projector"], style={"font-size": "1.6rem", "max-width": "1800px"}):
        solara.HTML(
            tag="h2",
            unsafe_innerHTML=f"Week {week} &middot; room {room.code} &middot; {k} of {n} ready",
            style={"font-size": "2.6rem"},
        )
        with solara.Row(style={"flex-wrap": "wrap", "gap": "24px", "align-items": "flex-start"}):
            with solara.Column(style={"flex": "3", "min-width": "480px"}):
                if pictures is None:
                    solara.Text("Drawing the trust network...")
                else:
                    _png(
                        pictures[2],
                        f"The trust network in week {pictures[0]}, the participants' people named: "
                        + ", ".join(name for _, name in pictures[1]),
                    )
                solara.Text(
                    "The trust network: colour is the sector, size the confidence; the participants' people are "
                    "ringed and named."
                )
            with solara.Column(style={"flex": "2", "min-width": "360px"}):
                solara.HTML(tag="h3", unsafe_innerHTML="What happened", style={"font-size": "2rem"})
                items = "".join(f"<li>{escape(line)}</li>" for line in feed) or "<li>Nothing to report yet.</li>"
                solara.HTML(tag="ul", unsafe_innerHTML=items, classes=["syslead-feed"])
                solara.HTML(tag="h3", unsafe_innerHTML=f"In week {week}", style={"font-size": "2rem"})
                numbers = "".join(f"<li><strong>{v:,}</strong> {escape(label)}</li>" for label, v in key_numbers(room))
                solara.HTML(tag="ul", unsafe_innerHTML=numbers, classes=["syslead-key-numbers"])
        if pictures is not None:
            _png(
                pictures[3],
                "Charts: people practising system leadership and working ties across sectors, week by week",
            )
