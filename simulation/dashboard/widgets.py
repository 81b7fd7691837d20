"""Browser-side widgets of the dashboard (ipyvue templates, inline: no extra files to package).

- :class:`NetworkCanvas` draws the trust network in the browser on a ``<canvas>``. The layout (positions
  and sector colours) is sent once per model; each week only a small frame follows (mindset and
  confidence as one byte per person, the working ties between organisations as pairs of 16-bit
  indices), base64-encoded. The server does no drawing per week (the matplotlib frame it replaced
  took about 130 ms of a core at 3,000 people; building a frame takes about 1 ms).
- :class:`FileChooser` loads a small text file by a click (a file chooser, which phones offer) or by a
  drop, and hands its text to Python.
- :class:`PageSetup` sets the page language and lets people zoom (Solara's page shell blocks pinch-zoom
  and has no ``lang``), both needed for accessibility (WCAG 2.2: 3.1.1 and 1.4.4); makes the page's
  scrolling area reachable by keyboard (2.1.1); and gives Vuetify's selects the roles of ARIA 1.2's
  select-only combobox (Vuetify 2 nests the focusable input inside a ``role="button"`` box: 4.1.2).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import ipyvue
import numpy as np
import traitlets
from solara.components.echarts import EchartsWidget

from ..sectors import SECTOR_COLOURS, SECTORS
from .network import layout_for, people_key

if TYPE_CHECKING:
    import solara

    from ..model import LeadershipModel

MAX_TIES_DRAWN = 60_000
"""Ties sent per frame at most (a 5,000-person model late in a run has well under this)."""

_NETWORK_TEMPLATE = r"""
<template>
  <div class="syslead-canvas-box" ref="box">
    <canvas ref="canvas" role="img" :aria-label="label" style="width: 100%; display: block;"></canvas>
  </div>
</template>
<script>
module.exports = {
  mounted() {
    this.onResize = () => this.draw();
    window.addEventListener('resize', this.onResize);
    this.decode();
    this.draw();
  },
  destroyed() { window.removeEventListener('resize', this.onResize); },
  watch: {
    positions() { this.decode(); this.draw(); },
    frame() { this.draw(); },
  },
  methods: {
    bytes(b64) {
      const s = atob(b64 || '');
      const out = new Uint8Array(s.length);
      for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k);
      return out;
    },
    decode() {
      const L = this.positions || {};
      const xy = new Uint16Array(this.bytes(L.xy).buffer);
      this.n = L.n || 0;
      this.xs = new Float32Array(this.n); this.ys = new Float32Array(this.n);
      for (let k = 0; k < this.n; k++) { this.xs[k] = xy[2 * k] / 65535; this.ys[k] = xy[2 * k + 1] / 65535; }
      this.sector = this.bytes(L.sector);
      this.colours = L.colours || [];
      this.aspect = L.aspect || 1;
    },
    draw() {
      const canvas = this.$refs.canvas;
      if (!canvas || !this.n) return;
      const width = Math.max(this.$refs.box.clientWidth, 50);
      const height = Math.round(width / this.aspect);
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
      canvas.style.height = height + 'px';
      const g = canvas.getContext('2d');
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.clearRect(0, 0, width, height);
      const pad = 6, w = width - 2 * pad, h = height - 2 * pad;
      const X = k => pad + this.xs[k] * w, Y = k => pad + (1 - this.ys[k]) * h;
      const F = this.frame || {};
      const ties = new Uint16Array(this.bytes(F.ties).buffer);
      const sector = this.sector;
      for (const cross of [false, true]) {
        g.beginPath();
        for (let t = 0; t + 1 < ties.length; t += 2) {
          const i = ties[t], j = ties[t + 1];
          if ((sector[i] !== sector[j]) !== cross) continue;
          g.moveTo(X(i), Y(i)); g.lineTo(X(j), Y(j));
        }
        g.strokeStyle = cross ? 'rgba(59,59,59,0.55)' : 'rgba(154,154,154,0.45)';
        g.lineWidth = cross ? 0.6 : 0.4;
        g.stroke();
      }
      const mindset = this.bytes(F.mindset), conf = this.bytes(F.confidence);
      const scale = Math.max(width / 480, 0.6);
      g.lineWidth = 0.4; g.strokeStyle = '#333333';
      for (let stage = 0; stage < 4; stage++) {
        for (let k = 0; k < this.n; k++) {
          if (mindset[k] !== stage) continue;
          const r = (1.2 + 3.2 * conf[k] / 255) * scale * (stage === 3 ? 1.5 : 1);
          const x = X(k), y = Y(k);
          g.fillStyle = this.colours[sector[k]] || '#777777';
          g.beginPath();
          if (stage === 0) { g.arc(x, y, r, 0, 2 * Math.PI); }
          else if (stage === 1) { g.rect(x - r, y - r, 2 * r, 2 * r); }
          else if (stage === 2) {
            g.moveTo(x, y - 1.3 * r); g.lineTo(x + 1.15 * r, y + r); g.lineTo(x - 1.15 * r, y + r); g.closePath();
          }
          else { for (let p = 0; p < 10; p++) { const a = -Math.PI / 2 + p * Math.PI / 5, q = p % 2 ? 0.45 * r : r;
                   g.lineTo(x + q * Math.cos(a), y + q * Math.sin(a)); } g.closePath(); }
          g.fill(); g.stroke();
        }
      }
    },
  },
};
</script>
"""


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def network_layout(model: LeadershipModel) -> dict:
    """What the browser needs once per model: positions (16-bit, scaled to the unit box), sectors, colours.

    Shared by every session whose model has the same people (cached by :func:`people_key`; read-only)."""
    key = people_key(model)
    payload = _LAYOUTS.get(key)
    if payload is None:
        payload = _layout_payload(model)
        _LAYOUTS[key] = payload
        while len(_LAYOUTS) > MAX_CACHED_LAYOUTS:
            _LAYOUTS.pop(next(iter(_LAYOUTS)), None)
    return payload


MAX_CACHED_LAYOUTS = 64
_LAYOUTS: dict[str, dict] = {}


def _layout_payload(model) -> dict:
    pos = layout_for(model)
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    xy = np.rint((pos - lo) / span * 65535).astype("<u2")
    return {
        "n": len(pos),
        "xy": _b64(xy),
        "sector": _b64(model.people.sector.astype(np.uint8)),
        "colours": [SECTOR_COLOURS[s] for s in SECTORS],
        "aspect": float(max(span[0] / span[1], 0.5)),
    }


def network_frame(model: LeadershipModel) -> dict:
    """One week's state: mindset and confidence (a byte per person), working ties between organisations.

    About 1 ms and 9 kB at 3,000 people in week 30 (the PNG frame it replaced: 130 to 420 ms of drawing
    and 180 kB, measured side by side).
    """
    people, net = model.people, model.trust
    sel = net.w >= model.params.trust.working_threshold
    i, j = net.i[sel], net.j[sel]
    keep = people.org[i] != people.org[j]
    pairs = np.stack([i[keep], j[keep]], axis=1)[:MAX_TIES_DRAWN].astype("<u2")
    conf = np.clip(np.rint(people.confidence * 255), 0, 255).astype(np.uint8)
    return {
        "week": int(model.week),
        "mindset": _b64(people.mindset.astype(np.uint8)),
        "confidence": _b64(conf),
        "ties": _b64(pairs),
        "n_ties": len(pairs),
    }


class NetworkCanvas(ipyvue.VueTemplate):
    """The network, drawn by the browser from :func:`network_layout` (once) and :func:`network_frame` (weekly)."""

    template = traitlets.Unicode(_NETWORK_TEMPLATE).tag(sync=True)
    positions = traitlets.Dict().tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)


_FILE_TEMPLATE = r"""
<template>
  <div class="syslead-file" :class="{ 'syslead-file-over': over }" ref="zone"
       @dragover.prevent="over = true" @dragleave="over = false" @drop.prevent="dropped">
    <input type="file" ref="input" :accept="accept" :id="'file-' + _uid" class="syslead-file-input"
           @change="chosen" />
    <label :for="'file-' + _uid" class="v-btn v-btn--outlined theme--light v-size--default primary--text
           syslead-file-button">{{ button }}</label>
    <span class="syslead-file-hint">{{ hint }}</span>
  </div>
</template>
<script>
module.exports = {
  data() { return { over: false, count: 0 }; },
  methods: {
    read(file) {
      if (!file) return;
      const reader = new FileReader();
      reader.onload = () => { this.count += 1; this.file = { name: file.name, size: file.size, text: reader.result,
                                                              count: this.count }; };
      reader.readAsText(file.slice(0, this.max_bytes + 1));
    },
    chosen(e) { this.read(e.target.files[0]); e.target.value = ''; },
    dropped(e) { this.over = false; this.read(e.dataTransfer.files[0]); },
  },
};
</script>
<style id="syslead-file-chooser">
.syslead-file { border: 1px dashed #777; border-radius: 6px; padding: 10px; margin: 8px 0; }
.syslead-file-over { background: #e7f1fa; }
.syslead-file-input { position: absolute; width: 1px; height: 1px; opacity: 0; }
.syslead-file-input:focus + label { outline: 2px solid #0b3b60; outline-offset: 2px; }
.syslead-file-button { cursor: pointer; padding: 6px 14px !important; border: 1px solid currentColor;
  border-radius: 4px; display: inline-block; margin-right: 8px; }
.syslead-file-hint { font-size: 0.85rem; color: #444; }
</style>
"""


class FileChooser(ipyvue.VueTemplate):
    """A file chooser (click, tap) that also takes a drop. ``file`` becomes ``{name, size, text, count}``."""

    template = traitlets.Unicode(_FILE_TEMPLATE).tag(sync=True)
    file = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    button = traitlets.Unicode("Choose a file").tag(sync=True)
    hint = traitlets.Unicode("or drop one here").tag(sync=True)
    accept = traitlets.Unicode("").tag(sync=True)
    max_bytes = traitlets.Int(1_000_000).tag(sync=True)


_PAGE_TEMPLATE = r"""
<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.setAttribute('lang', this.lang);
    const meta = document.querySelector('meta[name=viewport]');
    if (meta) meta.setAttribute('content', 'width=device-width, initial-scale=1');
    const fix = () => {
      // The page's scrolling area takes the keyboard focus, so that a page with nothing else to focus (About)
      // scrolls with the arrow keys (WCAG 2.1.1; axe: scrollable-region-focusable).
      document.querySelectorAll('.v-content__wrap > div:not([tabindex])').forEach(d => d.setAttribute('tabindex', '0'));
      // Vuetify 2's select puts role="button" on a box around its own focusable input: a control inside a
      // control (axe: nested-interactive, WCAG 4.1.2). The input becomes the select-only combobox of ARIA 1.2
      // and takes the box's popup state; the box keeps no role. Vue re-sets only what changes (aria-expanded
      // when the menu opens), and this observer moves it again.
      document.querySelectorAll('.v-select .v-input__slot[role], .v-select .v-input__slot[aria-expanded]')
        .forEach(slot => {
          const input = slot.querySelector('input:not([type=hidden])');
          if (!input) return;
          input.setAttribute('role', 'combobox');
          input.setAttribute('aria-haspopup', 'listbox');
          input.setAttribute('aria-expanded', slot.getAttribute('aria-expanded') || 'false');
          if (slot.hasAttribute('aria-owns')) input.dataset.sysleadOwns = slot.getAttribute('aria-owns');
          for (const a of ['role', 'aria-haspopup', 'aria-expanded', 'aria-owns']) slot.removeAttribute(a);
        });
      document.querySelectorAll('.v-select input[data-syslead-owns]').forEach(input => {
        const id = input.dataset.sysleadOwns;  // a menu is in the page only once it has been opened
        const present = !!document.getElementById(id);
        if (present && input.getAttribute('aria-controls') !== id) input.setAttribute('aria-controls', id);
        else if (!present && input.hasAttribute('aria-controls')) input.removeAttribute('aria-controls');
      });
    };
    fix();
    this.observer = new MutationObserver(fix);
    this.observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                          attributeFilter: ['role', 'aria-expanded', 'aria-owns']});
  },
  destroyed() { if (this.observer) this.observer.disconnect(); },
};
</script>
"""


class PageSetup(ipyvue.VueTemplate):
    """Page language, zoom, a focusable scrolling area and the selects' roles (see the module docstring)."""

    template = traitlets.Unicode(_PAGE_TEMPLATE).tag(sync=True)
    lang = traitlets.Unicode("en-GB").tag(sync=True)


def _chart_template() -> str:
    """Solara's ECharts template loading the minified library, with one guard: an option arriving before the
    chart library has loaded
    (every page's first Step on a cold browser) threw ``Cannot read properties of undefined (reading
    'setOption')``; the chart is created with the latest option once the library is there."""
    import solara.components.echarts as solara_echarts

    text = (Path(solara_echarts.__file__).parent / "echarts.vue").read_text(encoding="utf-8")
    # The minified library (1.0 MB, in the same offline asset package) instead of the 3.2 MB readable build:
    # every browser that opens a page parses it (eight at once on a workshop laptop's two cores).
    text = text.replace("/dist/echarts.js`", "/dist/echarts.min.js`", 1)
    watcher = "      this.chart.setOption(this.option, true);\n    },\n  },"
    if watcher not in text:  # pragma: no cover - a solara upgrade changed the template: keep theirs
        return text
    text = text.replace(watcher, "      if (this.chart) this.chart.setOption(this.option, true);\n    },\n  },", 1)
    # ... and a chart whose page was left before the library arrived is not created ("invalid dom").
    return text.replace(
        "      this.chart = this.echarts.init(this.$refs.echarts);",
        "      if (!this.$refs.echarts || this._isDestroyed) return;\n"
        "      this.chart = this.echarts.init(this.$refs.echarts);",
        1,
    )


class Chart(EchartsWidget):
    """Solara's ECharts widget without the console error (see :func:`_chart_template`)."""

    template_file = None  # type: ignore[assignment]  # the template below replaces the base class's file
    template = traitlets.Unicode(_chart_template()).tag(sync=True)


def figure_echarts(option: dict, height_px: float) -> solara.Element:
    """A responsive chart element of ``height_px`` pixels, full width."""
    return Chart.element(
        option=option, attributes={"style": f"height: {height_px:.0f}px; width: 100%;"}, responsive=True
    )
