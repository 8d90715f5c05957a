"""Labels in Vietnamese and English, and numbers formatted the way each language writes them.

Vietnamese writes ``1.435`` for one thousand four hundred and thirty-five and
``97,8%`` for a share; English writes ``1,435`` and ``97.8%``.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("vi", "en")

_TEXT: dict[str, dict[str, str]] = {
    "title": {
        "vi": "Bản đồ vùng lõm sóng và hạ tầng viễn thông",
        "en": "Coverage gaps and telecom infrastructure",
    },
    "villages_covered": {"vi": "Thôn/bản có sóng {tech}", "en": "Villages with {tech}"},
    "centres_fibre": {"vi": "Trung tâm xã có cáp quang", "en": "Commune centres on fibre"},
    "centres_no_fibre": {
        "vi": "Trung tâm xã chưa có cáp quang",
        "en": "Commune centres without fibre",
    },
    "postal_broadband": {
        "vi": "Điểm BĐ-VHX có băng rộng cố định",
        "en": "Postal points with fixed broadband",
    },
    "postal_no_broadband": {
        "vi": "Điểm BĐ-VHX chưa có băng rộng",
        "en": "Postal points without broadband",
    },
    "legend": {"vi": "Chú giải", "en": "Legend"},
    "infrastructure": {"vi": "Hạ tầng", "en": "Infrastructure"},
    "villages_not_covered": {"vi": "Thôn/bản lõm sóng {tech}", "en": "Villages without {tech}"},
    "date_of_run": {"vi": "ngày {date}", "en": "{date}"},
    "now_part_of": {"vi": "{old} (nay thuộc {new})", "en": "{old} (now part of {new})"},
    "new_province": {"vi": "tỉnh {name}", "en": "{name} province"},
    "new_city": {"vi": "thành phố {name}", "en": "{name} city"},
    "population_covered": {
        "vi": "Dân số được phủ sóng {tech}",
        "en": "Population covered by {tech}",
    },
    "model_rule": {"vi": "Mô hình: {model}; quy tắc: {rule}", "en": "Model: {model}; rule: {rule}"},
    "model_range": {"vi": "bán kính phủ sóng cố định", "en": "fixed coverage radii"},
    "model_hata": {"vi": "Okumura-Hata (không xét địa hình)", "en": "Okumura-Hata (no terrain)"},
    "model_terrain": {
        "vi": "địa hình (nhiễu xạ knife-edge trên DEM)",
        "en": "terrain (knife-edge diffraction over the DEM)",
    },
    "model_itm": {
        "vi": "Longley-Rice ITM 1.2.2 trên DEM, {reliability}",
        "en": "Longley-Rice ITM 1.2.2 over the DEM, {reliability}",
    },
    "itm_median": {"vi": "giá trị trung vị", "en": "median"},
    "itm_reliability": {
        "vi": "{time}% thời gian, {situation}% tình huống",
        "en": "{time} % of time, {situation} % of situations",
    },
    "rule_area": {"vi": "≥ {threshold} diện tích thôn", "en": "≥ {threshold} of village area"},
    "rule_centroid": {"vi": "điểm trung tâm thôn", "en": "village centre point"},
    "rule_population": {
        "vi": "theo dân số, ≥ {threshold} diện tích",
        "en": "population-weighted, ≥ {threshold} of area",
    },
    "layer_communes": {
        "vi": "Xã: tỷ lệ thôn có sóng {tech}",
        "en": "Communes: share of villages with {tech}",
    },
    "layer_villages": {
        "vi": "Thôn/bản (có sóng / lõm sóng)",
        "en": "Villages (covered / not covered)",
    },
    "layer_gaps": {"vi": "Thôn lõm sóng {tech}", "en": "Villages without {tech}"},
    "layer_tech": {"vi": "Vùng phủ {tech}", "en": "{tech} coverage"},
    "layer_sites": {"vi": "Trạm BTS", "en": "Cell sites"},
    "layer_fibre_nodes": {"vi": "Nút cáp quang", "en": "Fibre nodes"},
    "layer_fibre_routes": {"vi": "Tuyến cáp quang", "en": "Fibre routes"},
    "layer_centres": {"vi": "Trung tâm xã (cáp quang)", "en": "Commune centres (fibre)"},
    "layer_postal": {"vi": "Điểm bưu chính (băng rộng)", "en": "Postal points (broadband)"},
    "layer_hillshade": {"vi": "Địa hình", "en": "Terrain"},
    "layer_osm": {"vi": "OpenStreetMap (cần mạng)", "en": "OpenStreetMap (online)"},
    "village": {"vi": "Thôn/bản", "en": "Village"},
    "commune": {"vi": "Xã", "en": "Commune"},
    "district": {"vi": "Huyện", "en": "District"},
    "population": {"vi": "Dân số", "en": "Population"},
    "covered": {"vi": "Có sóng", "en": "Covered"},
    "not_covered": {"vi": "Lõm sóng", "en": "Not covered"},
    "covered_area": {"vi": "Diện tích có sóng {tech}", "en": "Area with {tech}"},
    "villages": {"vi": "Số thôn", "en": "Villages"},
    "villages_with": {"vi": "Thôn có sóng", "en": "Villages covered"},
    "share": {"vi": "Tỷ lệ", "en": "Share"},
    "site": {"vi": "Trạm", "en": "Site"},
    "operator": {"vi": "Nhà mạng", "en": "Operator"},
    "technologies": {"vi": "Công nghệ", "en": "Technologies"},
    "band": {"vi": "Băng tần (MHz)", "en": "Band (MHz)"},
    "height": {"vi": "Độ cao anten (m)", "en": "Antenna height (m)"},
    "fibre": {"vi": "Cáp quang", "en": "Fibre"},
    "broadband": {"vi": "Băng rộng cố định", "en": "Fixed broadband"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "decided_by": {"vi": "Căn cứ", "en": "Decided by"},
    "decided_attribute": {"vi": "thuộc tính dữ liệu", "en": "attribute"},
    "decided_distance": {"vi": "khoảng cách tới cáp quang", "en": "distance to fibre"},
    "decided_no data": {"vi": "không có dữ liệu", "en": "no data"},
    "distance_m": {"vi": "Khoảng cách tới cáp quang (m)", "en": "Distance to fibre (m)"},
    "search": {"vi": "Tìm thôn, xã…", "en": "Find a village or commune…"},
    "fullscreen": {"vi": "Toàn màn hình", "en": "Full screen"},
    "by_district": {"vi": "Theo huyện", "en": "By district"},
    "centres_on_fibre": {"vi": "TT xã có cáp quang", "en": "Centres on fibre"},
    "legend_share": {"vi": "Tỷ lệ thôn có sóng", "en": "Share of villages with"},
    "no_data": {"vi": "không có thôn", "en": "no villages"},
    "generated": {"vi": "Tạo bởi coverage {version}", "en": "Made with coverage {version}"},
    "layer_plan": {"vi": "Trạm đề xuất", "en": "Proposed sites"},
    "plan_site": {"vi": "Trạm đề xuất số {rank}", "en": "Proposed site {rank}"},
    "plan_candidate": {"vi": "Mã vị trí", "en": "Candidate"},
    "plan_kind": {"vi": "Loại vị trí", "en": "Kind"},
    "plan_villages_new": {"vi": "Thôn/bản có sóng mới", "en": "Villages newly covered"},
    "plan_population_new": {"vi": "Dân số có sóng mới", "en": "People newly covered"},
    "plan_cumulative": {"vi": "Tỷ lệ thôn có sóng (lũy kế)", "en": "Villages covered (cumulative)"},
    "plan_village_new": {"vi": "Thôn/bản có sóng nhờ trạm mới", "en": "Newly covered village"},
    "plan_villages_legend": {
        "vi": "Thôn/bản có sóng nhờ trạm đề xuất",
        "en": "Villages the proposed sites cover",
    },
    "layer_fibre_plan": {"vi": "Cáp quang đề xuất", "en": "Proposed fibre"},
    "fibre_plan_legend": {"vi": "Tuyến cáp quang đề xuất", "en": "Proposed fibre route"},
    "fibre_targets_legend": {"vi": "Điểm cần kéo cáp quang", "en": "Point the fibre reaches"},
    "fibre_unreachable_legend": {
        "vi": "Điểm không tới được bằng đường bộ",
        "en": "Unreachable by road",
    },
    "fibre_unreachable_tip": {
        "vi": "Không tới được bằng đường bộ: không có tuyến cáp đề xuất",
        "en": "Unreachable by road: no fibre route proposed",
    },
    "fibre_class": {"vi": "Loại tuyến", "en": "Class"},
    "fibre_km": {"vi": "Chiều dài (km)", "en": "Length (km)"},
    "fibre_targets_served": {"vi": "Số điểm phục vụ", "en": "Targets served"},
    "fibre_cost": {"vi": "Chi phí", "en": "Cost"},
    "fibre_km_to_network": {"vi": "Khoảng cách tới mạng (km)", "en": "km to the network"},
    "fibre_cost_share": {"vi": "Chi phí phân bổ", "en": "Cost share"},
    "fibre_class_connector": {"vi": "đoạn nối vào đường", "en": "connector to the road"},
    "fibre_class_spur": {"vi": "đoạn nối giữa hai đường", "en": "spur between roads"},
    "fibre_class_straight": {"vi": "đường thẳng (không có lớp đường)", "en": "straight line"},
    "fibre_kind_centre": {"vi": "Trung tâm xã", "en": "Commune centre"},
    "fibre_kind_postal": {"vi": "Điểm bưu chính", "en": "Postal point"},
    "fibre_kind_site": {"vi": "Trạm BTS", "en": "Cell site"},
    "layer_new_communes": {
        "vi": "Xã, phường (từ 2025): tỷ lệ thôn có sóng {tech}",
        "en": "Communes of 2025: share of villages with {tech}",
    },
    "new_commune": {"vi": "Xã, phường", "en": "Commune (2025)"},
    "code": {"vi": "Mã", "en": "Code"},
    "by_new_commune": {
        "vi": "Theo xã, phường (từ 01/07/2025), tỷ lệ thấp nhất trước",
        "en": "By commune of today (since 1 July 2025), lowest share first",
    },
    "worst_of": {
        "vi": "{shown} xã, phường có tỷ lệ thấp nhất trong {total}",
        "en": "The {shown} of {total} communes with the lowest share",
    },
    "search_new": {"vi": "Tìm thôn, xã, phường…", "en": "Find a village or commune…"},
    "part_of": {"vi": "{new} — phần thuộc {old}", "en": "{new} — the part that was {old}"},
    "old_unit": {"vi": "{unit} cũ", "en": "{name}"},
    "unit_count": {"vi": "{n} xã, phường", "en": "{n} communes"},
    "layer_measurements": {
        "vi": "Sai số đo − dự báo: {n} điểm, trung bình {mean} dB, RMSE {rmse} dB",
        "en": "Measured − predicted: {n} points, mean {mean} dB, RMSE {rmse} dB",
    },
    "measurements_calibrated": {"vi": "sau hiệu chỉnh", "en": "after calibration"},
    "residual_legend": {"vi": "Sai số đo − dự báo (dB)", "en": "Measured − predicted (dB)"},
    "residual_optimistic": {
        "vi": "đo thấp hơn dự báo: mô hình lạc quan",
        "en": "measured below predicted: model too optimistic",
    },
    "residual_pessimistic": {
        "vi": "đo cao hơn dự báo: mô hình bi quan",
        "en": "measured above predicted: model too pessimistic",
    },
    "measured_dbm": {"vi": "Mức đo (dBm)", "en": "Measured (dBm)"},
    "predicted_dbm": {"vi": "Mức dự báo (dBm)", "en": "Predicted (dBm)"},
    "residual_db": {"vi": "Đo − dự báo (dB)", "en": "Measured − predicted (dB)"},
    "serving_site": {"vi": "Trạm phục vụ", "en": "Serving site"},
    "distance_km": {"vi": "Khoảng cách tới trạm (km)", "en": "Distance to site (km)"},
    "technology": {"vi": "Công nghệ", "en": "Technology"},
    "demo_note": {
        "vi": "Dữ liệu minh họa (tỉnh mô phỏng Quảng Bình)",
        "en": "Demo data (a province modelled on Quảng Bình)",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    """Return the label ``key`` in ``lang``, with ``{placeholders}`` filled.

    Examples
    --------
    >>> text("villages_covered", "en", tech="3G/4G")
    'Villages with 3G/4G'
    """
    return _TEXT[key][lang].format(**values)


def model_name(summary: dict, lang: str) -> str:
    """The coverage model of a run, in words (ITM with its time/situation reliability).

    Examples
    --------
    >>> model_name({"model": "range"}, "en")
    'fixed coverage radii'
    >>> info = {"itm": {"time_location_situation_percent": [90, 50, 50]}}
    >>> model_name({"model": "itm", "model_info": info}, "en")
    'Longley-Rice ITM 1.2.2 over the DEM, 90 % of time, 50 % of situations'
    """
    model = summary["model"]
    if f"model_{model}" not in _TEXT:
        return str(model)
    if model != "itm":
        return text(f"model_{model}", lang)
    info = (summary.get("model_info") or {}).get("itm") or {}
    time, _, situation = info.get("time_location_situation_percent", [50, 50, 50])
    if time == 50 and situation == 50:
        reliability = text("itm_median", lang)
    else:

        def pct(v: float) -> str:
            return number(v, lang, 0 if float(v).is_integer() else 1)

        reliability = text("itm_reliability", lang, time=pct(time), situation=pct(situation))
    return text("model_itm", lang, reliability=reliability)


def number(value: float, lang: str, decimals: int = 0) -> str:
    """Format a number with the language's separators.

    Examples
    --------
    >>> number(1435, "vi"), number(1435, "en"), number(2.5, "vi", 1)
    ('1.435', '1,435', '2,5')
    """
    formatted = f"{value:,.{decimals}f}"
    if lang == "vi":
        formatted = formatted.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return formatted


def percent(share: float | None, lang: str, decimals: int = 1) -> str:
    """Format a share in [0, 1] as a percentage, or an em dash when unknown.

    Examples
    --------
    >>> percent(0.9782, "vi"), percent(0.9782, "en"), percent(None, "en")
    ('97,8%', '97.8%', '—')
    """
    if share is None:
        return "—"
    return number(100 * share, lang, decimals) + "%"


def ratio(part: int, total: int, share: float | None, lang: str) -> str:
    """Format ``1.435 / 1.467 (97,8%)``."""
    return f"{number(part, lang)} / {number(total, lang)} ({percent(share, lang)})"


def headline_figures(summary: dict, lang: str) -> list[tuple[str, str]]:
    """The headline (label, value) pairs of a run's summary, in ``lang``.

    Examples
    --------
    >>> s = {"headline_technologies": "3G/4G", "villages_covered": 1, "villages_total": 4,
    ...      "village_coverage_share": 0.25, "commune_centres_fibre": 1,
    ...      "commune_centres_total": 2, "commune_centre_fibre_share": 0.5,
    ...      "postal_points_broadband": 0, "postal_points_total": 0,
    ...      "postal_broadband_share": None}
    >>> headline_figures(s, "en")[0]
    ('Villages with 3G/4G', '1 / 4 (25.0%)')
    """
    tech = summary["headline_technologies"]
    figures = [
        (
            text("villages_covered", lang, tech=tech),
            ratio(
                summary["villages_covered"],
                summary["villages_total"],
                summary["village_coverage_share"],
                lang,
            ),
        ),
        (
            text("centres_fibre", lang),
            ratio(
                summary["commune_centres_fibre"],
                summary["commune_centres_total"],
                summary["commune_centre_fibre_share"],
                lang,
            ),
        ),
        (
            text("postal_broadband", lang),
            ratio(
                summary["postal_points_broadband"],
                summary["postal_points_total"],
                summary["postal_broadband_share"],
                lang,
            ),
        ),
    ]
    if "population_total" in summary:
        figures.append(
            (
                text("population_covered", lang, tech=tech),
                ratio(
                    summary["population_covered"],
                    summary["population_total"],
                    summary["population_coverage_share"],
                    lang,
                ),
            )
        )
    return figures


#: Provinces merged into another on 1 July 2025 (Resolution 202/2025/QH15): the old
#: name, then the unit it is now part of and whether that unit is a city.
MERGED_2025: dict[str, tuple[str, bool]] = {
    "Hà Giang": ("Tuyên Quang", False),
    "Yên Bái": ("Lào Cai", False),
    "Bắc Kạn": ("Thái Nguyên", False),
    "Vĩnh Phúc": ("Phú Thọ", False),
    "Hòa Bình": ("Phú Thọ", False),
    "Bắc Giang": ("Bắc Ninh", False),
    "Thái Bình": ("Hưng Yên", False),
    "Hải Dương": ("Hải Phòng", True),
    "Hà Nam": ("Ninh Bình", False),
    "Nam Định": ("Ninh Bình", False),
    "Quảng Bình": ("Quảng Trị", False),
    "Quảng Nam": ("Đà Nẵng", True),
    "Kon Tum": ("Quảng Ngãi", False),
    "Bình Định": ("Gia Lai", False),
    "Ninh Thuận": ("Khánh Hòa", False),
    "Đắk Nông": ("Lâm Đồng", False),
    "Bình Thuận": ("Lâm Đồng", False),
    "Phú Yên": ("Đắk Lắk", False),
    "Bình Dương": ("Hồ Chí Minh", True),
    "Bà Rịa - Vũng Tàu": ("Hồ Chí Minh", True),
    "Bình Phước": ("Đồng Nai", False),
    "Long An": ("Tây Ninh", False),
    "Sóc Trăng": ("Cần Thơ", True),
    "Hậu Giang": ("Cần Thơ", True),
    "Bến Tre": ("Vĩnh Long", False),
    "Trà Vinh": ("Vĩnh Long", False),
    "Tiền Giang": ("Đồng Tháp", False),
    "Bạc Liêu": ("Cà Mau", False),
    "Kiên Giang": ("An Giang", False),
}

_PREFIXES = ("tỉnh ", "thành phố ", "tp. ", "tp ", "province of ")


def _fold(name: str) -> str:
    """Lower case, no diacritics, no punctuation: 'Bà Rịa–Vũng Tàu' ~ 'ba ria vung tau'."""
    import re
    import unicodedata

    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


_MERGED_BY_FOLD = {_fold(k): k for k in MERGED_2025}


def _bare(name: str) -> str:
    """A province name without its 'Tỉnh' / 'Thành phố' prefix."""
    clean = " ".join(str(name).split())
    for prefix in _PREFIXES:
        if clean.casefold().startswith(prefix):
            return clean[len(prefix) :].strip()
    return clean


def province_label(provinces: object, lang: str) -> str | None:
    """Name the province(s) of the data, and what they are part of since the 2025 merger.

    ``provinces`` is the communes' ``province`` column (any iterable of names);
    ``None`` when there is none.

    Examples
    --------
    >>> province_label(["Tỉnh Quảng Bình", "Tỉnh Quảng Bình"], "vi")
    'Quảng Bình (nay thuộc tỉnh Quảng Trị)'
    >>> province_label(["Quang Binh"], "en")
    'Quảng Bình (now part of Quảng Trị province)'
    >>> province_label(["Tỉnh Sơn La"], "en"), province_label(None, "vi")
    ('Sơn La', None)
    """
    if provinces is None:
        return None
    names: list[str] = []
    for raw in provinces:  # type: ignore[attr-defined]
        if raw is None or (isinstance(raw, float) and raw != raw) or not str(raw).strip():
            continue
        bare = _bare(str(raw))
        bare = _MERGED_BY_FOLD.get(_fold(bare), bare)
        if bare not in names:
            names.append(bare)
    if not names:
        return None
    labels = []
    for name in names:
        if name in MERGED_2025:
            new, city = MERGED_2025[name]
            unit = text("new_city" if city else "new_province", lang, name=new)
            if new == "Hồ Chí Minh":
                unit = "Thành phố Hồ Chí Minh" if lang == "vi" else "Ho Chi Minh City"
            labels.append(text("now_part_of", lang, old=name, new=unit))
        else:
            labels.append(name)
    return ", ".join(labels)


def _names(values: object) -> list[str]:
    """The distinct non-empty names of an iterable, in order, spaces tidied."""
    names: list[str] = []
    for raw in values if values is not None else ():  # type: ignore[attr-defined]
        if raw is None or (isinstance(raw, float) and raw != raw) or not str(raw).strip():
            continue
        clean = " ".join(str(raw).split())
        if clean not in names:
            names.append(clean)
    return names


def _is_city(name: str) -> bool:
    return name.casefold().startswith(("thành phố ", "tp. ", "tp "))


def _unit_name(name: str, lang: str, *, capital: bool) -> str:
    """'Tỉnh Quảng Trị' / 'Quảng Trị province' (a 'Thành phố' as a city)."""
    bare = _bare(name)
    key = "new_city" if _is_city(name) else "new_province"
    label = text(key, lang, name=bare)
    return label[:1].upper() + label[1:] if capital else label


def new_units_label(new_provinces: object, old_provinces: object, count: int, lang: str) -> str:
    """Name the province of today that the new units are in, the part of it that the
    data covers (the old province(s) it was before 1 July 2025) and the number of units.

    ``new_provinces`` is the new units' ``province`` column, ``old_provinces`` the old
    communes' (either may be ``None``). The part is named when an old province is one
    that merged in 2025 (or absorbed another), so the data covers only part of today's.

    Examples
    --------
    >>> new_units_label(["Tỉnh Quảng Trị"], ["Tỉnh Quảng Bình"], 41, "vi")
    'Tỉnh Quảng Trị — phần thuộc tỉnh Quảng Bình cũ (41 xã, phường)'
    >>> new_units_label(["Tỉnh Quảng Trị"], ["Quảng Bình"], 41, "en")
    'Quảng Trị province — the part that was Quảng Bình (41 communes)'
    >>> new_units_label(None, ["Tỉnh Quảng Bình"], 3, "en")
    'Quảng Trị province — the part that was Quảng Bình (3 communes)'
    >>> new_units_label(["Tỉnh Sơn La"], ["Tỉnh Sơn La"], 75, "vi")
    'Tỉnh Sơn La (75 xã, phường)'
    """
    olds: list[tuple[str, str]] = []
    for name in _names(old_provinces):
        bare = _MERGED_BY_FOLD.get(_fold(_bare(name)), _bare(name))
        if bare not in [b for b, _ in olds]:
            olds.append((bare, name))
    news = _names(new_provinces)
    if not news:  # no province on the new units: today's name from the merger table
        for bare, _ in olds:
            if bare in MERGED_2025:
                new, city = MERGED_2025[bare]
                name = ("Thành phố " if city else "Tỉnh ") + new
                if name not in news:
                    news.append(name)
            elif "Tỉnh " + bare not in news:
                news.append("Tỉnh " + bare)
    absorbing = {new for new, _ in MERGED_2025.values()}
    merged = [(b, raw) for b, raw in olds if b in MERGED_2025 or b in absorbing]
    count_text = text("unit_count", lang, n=number(count, lang))
    place = ", ".join(_unit_name(n, lang, capital=True) for n in news)
    if not merged or not place:
        return f"{place} ({count_text})" if place else count_text
    joiner = " và " if lang == "vi" else " and "
    parts = joiner.join(
        text("old_unit", lang, unit=_unit_name(raw, lang, capital=False), name=bare)
        for bare, raw in merged
    )
    return f"{text('part_of', lang, new=place, old=parts)} ({count_text})"


def run_date(day: object, lang: str) -> str:
    """The date of a run as each language writes it (``datetime.date``).

    Examples
    --------
    >>> import datetime
    >>> d = datetime.date(2026, 3, 7)
    >>> run_date(d, "vi"), run_date(d, "en")
    ('ngày 07/03/2026', '7 March 2026')
    """
    import datetime

    assert isinstance(day, datetime.date)
    if lang == "vi":
        return text("date_of_run", lang, date=day.strftime("%d/%m/%Y"))
    months = (
        "January February March April May June July August September October November December"
    ).split()
    return text("date_of_run", lang, date=f"{day.day} {months[day.month - 1]} {day.year}")


def subtitle(provinces: object, day: object, lang: str, *, place: str | None = None) -> str:
    """The line under a map's title: the province(s) and the date of the run.

    ``place`` replaces the province label (the maps by the units of today pass
    :func:`new_units_label`).

    Examples
    --------
    >>> import datetime
    >>> subtitle(["Tỉnh Quảng Bình"], datetime.date(2026, 3, 7), "vi")
    'Quảng Bình (nay thuộc tỉnh Quảng Trị) · ngày 07/03/2026'
    """
    place = place or province_label(provinces, lang)
    when = run_date(day, lang)
    return f"{place} · {when}" if place else when
