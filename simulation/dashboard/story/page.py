"""The Story page (``/story``): the South Manchester case in six chapters (issue 16, point 6).

Each chapter runs the model to its week of the case's calendar (in a thread, with a progress bar), tells the
case in plain words with quotations, shows its key numbers and one chart (or the network), and offers one
"what if"; the next chapter shows that what-if beside the case as it happened, on the same seed. The logic,
runs and words are :mod:`.chapters` (no Solara); this module only draws them. The session's place in the
story (:class:`~.chapters.Place`) lives in its :class:`~simulation.dashboard.session.SessionState`, so
leaving the page and coming back finds the same chapter and runs.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import reacton.ipyvuetify as rv
import solara
import solara.lab

from ...config import ConfigError
from ..charts import SERIES_STYLES, timeseries_option
from ..components import Intro, LeverSlider, NetworkLegend, NetworkView, SeedSlider
from ..session import PRESENTER_SCALE, use_session
from ..widgets import Chart
from ..wording import markdown_html
from .chapters import PEOPLE, ChapterResult, Place, Story, number, option_label, sector_counts

INTRO = (
    "The South Manchester case in six chapters. Each chapter runs the model to that point of the case's "
    "calendar. At the end of a chapter, choose a what-if: the next chapter shows it beside the case as it "
    "happened, on the same people."
)
CASE_LABEL = "As it happened"
WHAT_IF = "What if"
"""The what-if's short name in the charts' legends and the table's header (the card above names it in full)."""
NO_WHAT_IF = (
    "The case as it happened. Choose a what-if at the end of the previous chapter to see it here beside the case."
)
PROGRESS_STEP = 0.05
"""Progress is redrawn every 5% of a chapter's weeks (not every week)."""


def what_if_label(result: ChapterResult) -> str:
    return f"What if: {option_label(result.what_if, result.case_run.params)}" if result.what_if else ""


def line_option(result: ChapterResult, font_scale: float = 1.0) -> dict:
    """One panel: the chapter's metric week by week, the case (solid) and the what-if (dashed)."""
    series = [(CASE_LABEL, result.case_run.frame)]
    if result.alt_run is not None:
        series.append((WHAT_IF, result.alt_run.frame))
    option = timeseries_option(series, (result.chapter.chart,), font_scale=font_scale, cols=1)
    option["title"][0]["text"] = result.chapter.chart_title.format(week=result.week)
    return option


def sector_option(result: ChapterResult, font_scale: float = 1.0) -> dict:
    """Bars: people reached by the programme in each sector by the chapter's week, the case and the what-if."""
    fs = round(12 * font_scale)
    case = sector_counts(result.case_run, result.week)
    runs = [(CASE_LABEL, case)]
    if result.alt_run is not None:
        runs.append((WHAT_IF, sector_counts(result.alt_run, result.week)))
    return {
        "animation": False,
        "title": {
            "text": result.chapter.chart_title.format(week=result.week),
            "textStyle": {"fontSize": fs, "fontWeight": "normal"},
        },
        "legend": {"top": 24 * font_scale, "data": [label for label, _ in runs], "textStyle": {"fontSize": fs}},
        "grid": {"left": "2%", "right": "4%", "top": 60 * font_scale, "bottom": "4%", "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1, "axisLabel": {"fontSize": fs * 0.85}},
        "yAxis": {"type": "category", "inverse": True, "data": list(case), "axisLabel": {"fontSize": fs * 0.85}},
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": fs}},
        "series": [
            {
                "name": label,
                "type": "bar",
                "data": [float(v) for v in counts.values()],
                "itemStyle": {"color": SERIES_STYLES[j]["color"]},
                "label": {"show": True, "position": "right", "fontSize": fs * 0.85},
            }
            for j, (label, counts) in enumerate(runs)
        ],
    }


def chart_description(result: ChapterResult) -> str:
    """The chart in words, for a screen reader (the chart's ``aria-label``)."""
    ch, w = result.chapter, result.week
    title = ch.chart_title.format(week=w)
    if ch.chart == "sectors":
        parts = [", ".join(f"{k} {number(v)}" for k, v in sector_counts(result.case_run, w).items())]
        text = f"{title}. {CASE_LABEL}: {parts[0]}."
        if result.alt_run is not None:
            alt = ", ".join(f"{k} {number(v)}" for k, v in sector_counts(result.alt_run, w).items())
            text += f" {what_if_label(result)}: {alt}."
        return text
    text = f"{title}, from week 0 to week {w}. {CASE_LABEL}: {number(result.case_run.at(ch.chart, w))} in week {w}."
    if result.alt_run is not None:
        text += f" {what_if_label(result)}: {number(result.alt_run.at(ch.chart, w))} in week {w}."
    return text


def numbers_markdown(result: ChapterResult) -> str:
    rows = result.table()
    header = f"| | {CASE_LABEL} |" + (f" {WHAT_IF} |" if result.what_if else "")
    line = "\n|---|---:|" + ("---:|" if result.what_if else "") + "\n"
    body = "".join(
        f"| {label} | {case} |" + (f" {alt} |" if alt is not None else "") + "\n" for label, case, alt in rows
    )
    return header + line + body


@solara.component
def ChapterView(result: ChapterResult, presenter: bool) -> None:
    """A chapter run to its week: title, the case in words, the what-if's effect, key numbers, one chart."""
    ch = result.chapter
    scale = PRESENTER_SCALE if presenter else 1.0
    solara.HTML(
        tag="h2", unsafe_innerHTML=html.escape(f"{result.index + 1}. {ch.title}"), classes=["syslead-story-title"]
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML="".join(f"<p>{html.escape(p)}</p>" for p in result.narration),
        classes=["syslead-story-text"],
    )
    if result.what_if is not None:
        with solara.Card(what_if_label(result), classes=["syslead-verdict", "syslead-story-what-if"]):
            with solara.Column(gap="2px"):
                for s in result.comparison:
                    solara.Text(s, classes=["syslead-sentence"])
            solara.Text(
                f"One paired run: the same {result.case_run.params.population.size:,} people and the same seed "
                f"({result.seed}), the same chance draws "
                "wherever the change leaves them alone. Another seed can tell a somewhat different story.",
                classes=["syslead-hint"],
            )
    elif result.index > 0:
        solara.Text(NO_WHAT_IF, classes=["syslead-hint"])
    if ch.chart == "network":
        StoryNetwork(result, presenter)
    else:
        option = sector_option(result, scale) if ch.chart == "sectors" else line_option(result, scale)
        height = (420 if presenter else 300) + (40 if result.alt_run is not None else 0)
        Chart.element(
            option=option,
            attributes={
                "style": f"height: {height}px; width: 100%;",
                "role": "img",
                "aria-label": chart_description(result),
            },
            responsive=True,
        )
    with solara.Card("Key numbers", classes=["syslead-summary", "syslead-story-numbers"]):
        solara.HTML(tag="div", unsafe_innerHTML=markdown_html(numbers_markdown(result)))


@solara.component
def StoryNetwork(result: ChapterResult, presenter: bool) -> None:
    """The network at the chapter's week (the first chapter: before the programme), from a model at that week."""
    session = use_session()
    story = session.story.value.story
    model = solara.use_memo(lambda: story.model(), dependencies=[id(story)])
    solara.Text(result.chapter.chart_title, classes=["syslead-network-title"])
    NetworkView(model, model.week, presenter)
    NetworkLegend()


@solara.component
def WhatIfCard(place: Place, on_place: Callable[[Place], None]) -> None:
    story, i = place.story, place.chapter
    ch = story.chapters[i]
    with solara.Card("What if?", classes=["syslead-settings", "syslead-story-choice"]):
        if ch.what_if is None:
            solara.Text(
                "The end of the story. Go back to any chapter and choose another what-if, or try your own "
                "settings on the Explore page.",
                classes=["syslead-sentence"],
            )
            return
        rv.RadioGroup(
            label=ch.what_if.question,
            v_model=place.chosen(ch.key),
            on_v_model=lambda key: on_place(place.choose(ch.key, key)),
            children=[rv.Radio(label=option_label(o, story.base), value=o.key) for o in ch.what_if.options],
            class_="syslead-story-options",
        )
        solara.Text(
            "The next chapter shows what this changes, beside the case as it happened, on the same people.",
            classes=["syslead-hint"],
        )
        solara.Button("See it in the next chapter", color="primary", on_click=lambda: on_place(place.at(i + 1)))


@solara.component
def StorySettings(place: Place, on_place: Callable[[Place], None]) -> None:
    story = place.story
    # Reactive values, read when Run again is pressed: a handler made at the last render could still hold the
    # values before a slider's move if the chapter's run re-renders the page from its thread at that moment.
    chosen_people = solara.use_reactive(story.people)
    chosen_seed = solara.use_reactive(story.seed)
    people, seed = chosen_people.value, chosen_seed.value
    error, set_error = solara.use_state("")

    def again() -> None:
        try:
            on_place(Place(Story(chosen_people.value, chosen_seed.value), place.chapter, place.what_ifs))
            set_error("")
        except ConfigError as exc:
            set_error(str(exc))

    with solara.Card("Settings", classes=["syslead-settings"]):
        with solara.Div(classes=["syslead-sliders"]):
            LeverSlider(PEOPLE, people, chosen_people.set)
            SeedSlider(seed, chosen_seed.set)
        solara.Button("Run again", outlined=True, on_click=again)
        if (people, seed) != (story.people, story.seed):
            solara.Text(
                "Changed: press Run again to run the story with these.", classes=["syslead-hint", "syslead-changed"]
            )
        if error:
            solara.Text(error, classes=["syslead-status", "syslead-error"])


@solara.component
def StoryPage() -> None:
    session = use_session()
    place_r = session.story
    place = place_r.value
    story, i = place.story, place.chapter
    n = len(story.chapters)
    ch = story.chapters[i]
    what_ifs = dict(place.what_ifs)
    previous_choice = place.chosen(story.chapters[i - 1].key) if i > 0 else ""
    progress = solara.use_reactive(0.0)

    def set_place(p: Place) -> None:
        place_r.value = p

    def run() -> ChapterResult:
        progress.value = 0.0

        def on_progress(share: float) -> None:
            if share >= 1.0 or share - progress.value >= PROGRESS_STEP:
                progress.value = share

        return story.run_to(i, what_ifs, on_progress=on_progress)

    task = solara.lab.use_task(run, dependencies=[id(story), i, previous_choice], prefer_threaded=True)

    Intro(INTRO)
    with solara.Row(classes=["syslead-controls"], style={"align-items": "center", "flex-wrap": "wrap", "gap": "8px"}):
        solara.Button("Previous chapter", color="primary", disabled=i == 0, on_click=lambda: set_place(place.at(i - 1)))
        solara.Button("Next chapter", color="primary", disabled=i == n - 1, on_click=lambda: set_place(place.at(i + 1)))
        solara.Text(f"Week {ch.week}", classes=["syslead-week"])
        solara.Text(f"Chapter {i + 1} of {n}", classes=["syslead-subtitle"])
    with solara.Row(classes=["syslead-chapters"], style={"flex-wrap": "wrap", "gap": "4px"}):
        for k, c in enumerate(story.chapters):
            solara.Button(
                f"{k + 1}. {c.title}",
                text=k != i,
                outlined=k == i,
                color="primary",
                on_click=lambda k=k: set_place(place.at(k)),
                attributes={"aria-current": "step"} if k == i else {},
                classes=["syslead-chapter-button"],
            )
    with rv.Row():
        with rv.Col(cols=12, md=8, lg=9, class_="syslead-main"):
            result = task.value if task.finished else None
            if result is not None and result.index == i:
                ChapterView(result, session.presenter.value)
            elif task.error:
                solara.Text(str(task.exception), classes=["syslead-status", "syslead-error"])
            else:
                solara.HTML(
                    tag="h2", unsafe_innerHTML=html.escape(f"{i + 1}. {ch.title}"), classes=["syslead-story-title"]
                )
                solara.ProgressLinear(max(progress.value * 100, 1.0))
                solara.Text(f"Running the model to week {ch.week}…", classes=["syslead-hint"])
        with rv.Col(cols=12, md=4, lg=3, class_="syslead-side"):
            WhatIfCard(place, set_place)
            StorySettings(place, set_place)
