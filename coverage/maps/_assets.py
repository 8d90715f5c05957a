"""Web assets inlined into every map, so the HTML works with the network unplugged.

Leaflet and Leaflet.markercluster come from the XStatic packages on PyPI
(``xstatic-leaflet``, ``xstatic-leaflet-markercluster``): they ship the upstream
release files unchanged, which is exactly what folium would otherwise load from a
CDN. The two small controls (full screen and name search) are written here.
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from pathlib import Path

import xstatic.pkg.leaflet as _leaflet
import xstatic.pkg.leaflet_markercluster as _cluster


def _read(base: str, name: str) -> str:
    return (Path(base) / name).read_text(encoding="utf-8")


@cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images (layer-control icon, markers) inlined as data URIs."""
    css = _read(_leaflet.BASE_DIR, "leaflet.css")
    images = Path(_leaflet.BASE_DIR) / "images"

    def inline(match: re.Match) -> str:
        path = images / match.group(1)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)


@cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript."""
    return _strip_source_map(_read(_leaflet.BASE_DIR, "leaflet.js"))


@cache
def markercluster_js() -> str:
    """Leaflet.markercluster's JavaScript."""
    return _strip_source_map(_read(_cluster.BASE_DIR, "leaflet.markercluster.js"))


@cache
def markercluster_css() -> str:
    """Leaflet.markercluster's two stylesheets."""
    return _read(_cluster.BASE_DIR, "MarkerCluster.css") + _read(
        _cluster.BASE_DIR, "MarkerCluster.Default.css"
    )


def _strip_source_map(js: str) -> str:
    # a sourceMappingURL would make the browser fetch a .map file that is not there
    return re.sub(r"//# sourceMappingURL=\S+", "", js)


def script_json(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` can appear).

    Examples
    --------
    >>> script_json({"name": "</script>"})
    '{"name": "\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: A full-screen toggle and a name search box, as Leaflet controls (no dependencies).
CONTROLS_JS = """
L.Control.CovFullscreen = L.Control.extend({
  options: {position: 'topleft', title: 'Full screen'},
  onAdd: function (map) {
    var a = L.DomUtil.create('a', 'leaflet-bar-part cov-fullscreen');
    var bar = L.DomUtil.create('div', 'leaflet-bar leaflet-control');
    bar.appendChild(a);
    a.href = '#'; a.title = this.options.title; a.setAttribute('role', 'button');
    a.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">' +
      '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" ' +
      'stroke-width="2"/></svg>';
    L.DomEvent.on(a, 'click', function (e) {
      L.DomEvent.preventDefault(e);
      var el = map.getContainer().closest('.cov-page') || map.getContainer();
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (el.requestFullscreen) { el.requestFullscreen(); }
    });
    document.addEventListener('fullscreenchange', function () { map.invalidateSize(); });
    return bar;
  }
});
L.Control.CovSearch = L.Control.extend({
  options: {position: 'topleft', placeholder: 'Search', entries: []},
  onAdd: function (map) {
    var box = L.DomUtil.create('div', 'leaflet-bar leaflet-control cov-search');
    var input = L.DomUtil.create('input', '', box);
    var listId = 'cov-search-list-' + L.Util.stamp(this);
    var list = L.DomUtil.create('datalist', '', box);
    list.id = listId;
    input.type = 'search'; input.placeholder = this.options.placeholder;
    input.setAttribute('list', listId); input.setAttribute('aria-label', this.options.placeholder);
    var entries = this.options.entries, byLabel = {};
    entries.forEach(function (e) {
      var opt = document.createElement('option');
      opt.value = e.label; list.appendChild(opt); byLabel[e.label] = e;
    });
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    var go = function () {
      var hit = byLabel[input.value];
      if (!hit) { return; }
      map.fitBounds(hit.bounds, {maxZoom: 14});
      var marker = L.circleMarker(L.latLngBounds(hit.bounds).getCenter(),
        {radius: 14, color: '#0050b4', weight: 3, fill: false}).addTo(map);
      setTimeout(function () { map.removeLayer(marker); }, 4000);
    };
    L.DomEvent.on(input, 'change', go);
    L.DomEvent.on(input, 'keydown', function (e) { if (e.key === 'Enter') { go(); } });
    return box;
  }
});
"""

CONTROLS_CSS = """
.cov-fullscreen { display: flex !important; align-items: center; justify-content: center;
  cursor: pointer; }
.cov-search input { width: 15em; padding: 5px 6px; border: 0; border-radius: 4px; font: inherit; }
"""
