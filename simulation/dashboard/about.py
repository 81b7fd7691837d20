"""The About page: the model in plain English (``about.md``), in the order of NetLogo's Info tab."""

from __future__ import annotations

import functools

import solara

from .layout import asset
from .wording import markdown_html


@functools.cache
def about_html() -> str:
    """``about.md`` as HTML, made once per server."""
    return markdown_html(asset("about.md"))


@solara.component
def About() -> None:
    with solara.Column(classes=["syslead-about"]):
        solara.HTML(tag="div", unsafe_innerHTML=about_html())
