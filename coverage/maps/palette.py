"""The colours of every map (HTML, leadership page, PNG) and how they were chosen.

The commune choropleth (share of villages covered, fixed classes) uses six steps of
**viridis** (matplotlib's default sequential scheme, Smith & van der Walt 2015): dark
violet for the worst communes, through blue and green, to yellow for 100 %. Why:

* viridis is perceptually uniform and keeps its order in lightness, so adjacent
  classes stay apart for readers with red-green colour blindness (deuteranopia,
  protanopia) and in greyscale print;
* it contains **no red and no light blue**, so no class can be mistaken for an
  uncovered village (:data:`UNCOVERED`, the one red on the map) or for the sea
  (:data:`SEA`);
* the worst classes are the darkest: a problem commune draws the eye, a fully
  covered one recedes.

The palette is checked, not assumed: :func:`palette_report` simulates deuteranopia,
protanopia and tritanopia with the Machado, Oliveira & Fernandes (2009) matrices
(severity 1) and measures CIE76 ΔE in CIELAB; every pair of adjacent classes stays at
least :data:`MIN_ADJACENT_DELTA_E` apart and every class stays at least
:data:`MIN_REFERENCE_DELTA_E` from the gap red and the sea, with and without the
simulation (``tests/test_maps.py`` asserts it).

Point layers do not rely on hue at all: **white means connected, black means not**,
and the shape says what the point is (circle: commune centre, triangle: postal point).
Black markers carry a white halo, white markers a dark edge, so both stand out on any
background, the red gaps and the dark classes included.

Examples
--------
>>> share_colour(0.3), share_colour(0.97), share_colour(1.0), share_colour(None)
('#440154', '#7ad151', '#fde725', '#bdbdbd')
>>> round(delta_e(UNCOVERED, SEA))
97
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

#: Fixed classes of the commune choropleth: (upper bound of the share, colour), worst first.
#: A fixed scale (not quantiles) keeps colours comparable between runs and provinces.
SHARE_CLASSES: tuple[tuple[float, str], ...] = (
    (0.50, "#440154"),  # below 50 %: viridis 0.0
    (0.80, "#414487"),  # 50-80 %: viridis 0.2
    (0.90, "#2a788e"),  # 80-90 %: viridis 0.4
    (0.95, "#22a884"),  # 90-95 %: viridis 0.6
    (1.00, "#7ad151"),  # 95-<100 %: viridis 0.8
    (np.inf, "#fde725"),  # 100 %: viridis 1.0
)
#: Legend labels of the classes, in the order of :data:`SHARE_CLASSES`.
SHARE_LABELS: tuple[str, ...] = ("< 50%", "50–80%", "80–90%", "90–95%", "95–<100%", "100%")
#: A commune without villages: neutral grey, lighter than every class.
NO_DATA_COLOUR = "#bdbdbd"
#: Uncovered villages: the only red on the map.
UNCOVERED = "#d7301f"
#: Outline of uncovered villages.
UNCOVERED_EDGE = "#67000d"
#: Covered villages (planner's optional village layer).
COVERED = "#1a9850"
#: The page/axes background, which reads as sea around the province.
SEA = "#dbe9f4"
#: Points that are connected (centre on fibre, postal point with broadband).
POINT_OK = "#ffffff"
#: Points that are not connected: black, with a white halo.
POINT_MISSING = "#000000"
#: Edge of white markers, halo of black ones.
POINT_OK_EDGE = "#252525"
POINT_MISSING_HALO = "#ffffff"
#: Cell sites and fibre routes.
SITE_COLOUR = "#08306b"
FIBRE_COLOUR = "#6a51a3"
#: Technology footprints (planner's optional layers).
TECH_COLOURS = {"2G": "#807dba", "3G": "#fd8d3c", "4G": "#41ab5d", "5G": "#e7298a"}
#: The proposed sites of a site plan (``coverage map --plan``): their rings, footprints and
#: the villages they newly cover. Magenta: no class, tech colour, gap red or sea is near it,
#: for normal vision and the three simulated deficiencies (:func:`plan_colour_report`).
PLAN_COLOUR = "#ff00ff"
#: The new cable of a fibre plan (``coverage map --plan``), drawn over a dark casing so it
#: reads on the light classes and the sea as on the dark ones. Mint: the colour farthest
#: (CIE76, searched over the RGB cube) from the classes, the gap red, the sea, the 3G/4G
#: footprints, the existing fibre, the plan magenta, the sites, black and white, for
#: normal vision and the three simulated deficiencies (:func:`fibre_plan_colour_report`).
FIBRE_PLAN_COLOUR = "#66ffaa"
#: The casing under the new cable and the rings of its targets.
FIBRE_PLAN_CASING = "#0b3d2a"
#: The rank numbers inside the proposed sites' white markers.
PLAN_MARKER_TEXT = "#000000"
#: Measurements coloured by their residual, measured - predicted (``coverage map
#: --measurements``): ColorBrewer's RdBu in 11 classes of 4 dB centred on 0 dB, from
#: :data:`RESIDUAL_LIMIT_DB` below to as far above (the end classes take everything beyond).
#: Red where the measured level is below the prediction (the model is too optimistic: the
#: network is weaker than the map says, a gap the map may hide, hence the gaps' warm hue),
#: blue where it is above (too pessimistic), near white where they agree. No diverging
#: ramp stays clear of every choropleth class for the three simulated deficiencies; the
#: points are told from the layers under them by their shape and dark outline instead.
RESIDUAL_RAMP: tuple[str, ...] = (
    "#67001f",
    "#b1182b",
    "#d6604d",
    "#f3a481",
    "#fddbc7",
    "#f6f7f7",
    "#d1e5f0",
    "#90c4dd",
    "#4393c3",
    "#2065ab",
    "#053061",
)
#: The ramp's ends (dB): a residual beyond takes the end colour.
RESIDUAL_LIMIT_DB = 20.0
#: The outline of the measurement points.
RESIDUAL_EDGE = "#252525"
#: Marker-cluster bubbles: neutral greys that do not compete with the classes.
CLUSTER_GREYS = ("#f0f0f0", "#bdbdbd", "#737373")

MIN_ADJACENT_DELTA_E = 12.0
MIN_REFERENCE_DELTA_E = 20.0

#: Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD_MATRICES: dict[str, np.ndarray] = {
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}


def share_colour(share: float | None) -> str:
    """Return the choropleth colour of a share (grey when there are no villages).

    Examples
    --------
    >>> share_colour(0.5), share_colour(0.9)
    ('#414487', '#22a884')
    """
    if share is None or pd.isna(share):
        return NO_DATA_COLOUR
    for upper, colour in SHARE_CLASSES:
        if share < upper:
            return colour
    return SHARE_CLASSES[-1][1]


def residual_class(residual_db: object) -> np.ndarray:
    """The class (index into :data:`RESIDUAL_RAMP`) of each residual (dB): 4 dB wide,
    the middle one from -2 to +2 dB, the ends taking everything beyond ±18 dB; NaN takes
    the middle class.

    Examples
    --------
    >>> residual_class([-30.0, -18.5, -2.1, 0.0, 1.9, 6.0, 25.0]).tolist()
    [0, 0, 4, 5, 5, 7, 10]
    """
    values = np.asarray(residual_db, dtype=float)
    mid = len(RESIDUAL_RAMP) // 2
    step = 2 * RESIDUAL_LIMIT_DB / (len(RESIDUAL_RAMP) - 1)
    k = np.floor(np.nan_to_num(values, nan=0.0) / step + 0.5).astype(np.int64) + mid
    return np.clip(k, 0, len(RESIDUAL_RAMP) - 1)


def residual_colour(residual_db: object) -> np.ndarray:
    """The :data:`RESIDUAL_RAMP` colour of each residual (dB).

    Examples
    --------
    >>> residual_colour([-25.0, 0.0, 25.0]).tolist()
    ['#67001f', '#f6f7f7', '#053061']
    """
    return np.asarray(RESIDUAL_RAMP, dtype=object)[residual_class(residual_db)]


def _linear(colour: str) -> np.ndarray:
    srgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = (
        np.array(
            [
                [0.4124564, 0.3575761, 0.1804375],
                [0.2126729, 0.7151522, 0.0721750],
                [0.0193339, 0.1191920, 0.9503041],
            ]
        )
        @ linear
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])  # D65 white
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, *, vision: str | None = None) -> float:
    """CIE76 colour difference of two ``#rrggbb`` colours, as seen with ``vision``.

    ``vision`` is ``None`` (normal) or a key of :data:`CVD_MATRICES`.

    Examples
    --------
    >>> round(delta_e("#000000", "#ffffff"))
    100
    """
    la, lb = _linear(a), _linear(b)
    if vision is not None:
        m = CVD_MATRICES[vision]
        la, lb = np.clip(m @ la, 0, 1), np.clip(m @ lb, 0, 1)
    return float(np.linalg.norm(_lab(la) - _lab(lb)))


def palette_report() -> dict[str, dict[str, float]]:
    """The smallest ΔE of the share classes, per vision: between adjacent classes, and
    against the gap red, the sea and the no-data grey.

    Examples
    --------
    >>> report = palette_report()
    >>> all(r["adjacent"] >= MIN_ADJACENT_DELTA_E for r in report.values())
    True
    """
    colours = [c for _, c in SHARE_CLASSES]
    out = {}
    for vision in (None, *CVD_MATRICES):

        def d(a: str, b: str, v: str | None = vision) -> float:
            return delta_e(a, b, vision=v)

        out[vision or "normal"] = {
            "adjacent": min(d(a, b) for a, b in pairwise(colours)),
            "gap_red": min(d(c, UNCOVERED) for c in colours),
            "sea": min(d(c, SEA) for c in colours),
            "no_data": min(d(c, NO_DATA_COLOUR) for c in colours),
        }
    return out


def plan_colour_report() -> dict[str, float]:
    """The smallest ΔE between :data:`PLAN_COLOUR` and the classes, the gap red and its
    edge, the sea and the 3G/4G footprints, per vision.

    Examples
    --------
    >>> all(v >= MIN_REFERENCE_DELTA_E for v in plan_colour_report().values())
    True
    """
    others = [c for _, c in SHARE_CLASSES]
    others += [
        UNCOVERED,
        UNCOVERED_EDGE,
        SEA,
        NO_DATA_COLOUR,
        TECH_COLOURS["3G"],
        TECH_COLOURS["4G"],
    ]
    return {
        vision or "normal": min(delta_e(PLAN_COLOUR, c, vision=vision) for c in others)
        for vision in (None, *CVD_MATRICES)
    }


def fibre_plan_colour_report() -> dict[str, float]:
    """The smallest ΔE between :data:`FIBRE_PLAN_COLOUR` and the classes, the gap red and
    its edge, the sea, the 3G/4G footprints, the existing fibre, the site-plan magenta,
    the sites, black and white, per vision.

    Examples
    --------
    >>> all(v >= MIN_REFERENCE_DELTA_E for v in fibre_plan_colour_report().values())
    True
    """
    others = [c for _, c in SHARE_CLASSES]
    others += [UNCOVERED, UNCOVERED_EDGE, SEA, NO_DATA_COLOUR, TECH_COLOURS["3G"]]
    others += [TECH_COLOURS["4G"], FIBRE_COLOUR, PLAN_COLOUR, SITE_COLOUR, "#000000", "#ffffff"]
    return {
        vision or "normal": min(delta_e(FIBRE_PLAN_COLOUR, c, vision=vision) for c in others)
        for vision in (None, *CVD_MATRICES)
    }


__all__ = [
    "COVERED",
    "FIBRE_PLAN_COLOUR",
    "NO_DATA_COLOUR",
    "PLAN_COLOUR",
    "RESIDUAL_EDGE",
    "RESIDUAL_LIMIT_DB",
    "RESIDUAL_RAMP",
    "SEA",
    "SHARE_CLASSES",
    "SHARE_LABELS",
    "UNCOVERED",
    "delta_e",
    "fibre_plan_colour_report",
    "palette_report",
    "plan_colour_report",
    "residual_class",
    "residual_colour",
    "share_colour",
]
