"""Altair charts for the reports: one shared theme, one builder per chart family.

Every chart is built from processed tables or claim results (never typed numbers),
carries a title and alt text (`description` in the spec, used as the figure's alt text),
and is saved by `save_chart` as a Vega-Lite spec (`.vl.json`, interactive in HTML) and
the same spec as vector SVG (`.svg`, via vl-convert, for the PDF). The spec's `usermeta`
names the function that made it and the files it read (showyourwork-style provenance).

How it differs from `figures.py`: this module says what each chart looks like (a function
from tables to one Altair chart); `figures.py` says which figures the reports get, reads
the tables for them and writes their files and indexes.

Palette: Okabe-Ito (colour-blind safe). Sizes are chosen to read at print size in a
two-column PDF (~8.5 cm wide) and on screen.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from .io import write_text

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
VERDICT_COLORS = {"supports": "#009E73", "contradicts": "#D55E00", "neither": "#999999", "not estimable": "#dddddd"}
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
WIDTH = 320
HEIGHT = 190


def theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
            "title": {
                "fontSize": 13,
                "anchor": "start",
                "fontWeight": 600,
                "subtitleFontSize": 11,
                "subtitleColor": "#444",
            },
            "axis": {
                "labelFontSize": 10,
                "titleFontSize": 11,
                "gridColor": "#e6e6e6",
                "domainColor": "#888",
                "tickColor": "#888",
            },
            "legend": {"labelFontSize": 10, "titleFontSize": 11, "orient": "bottom"},
            "range": {"category": OKABE_ITO},
        }
    }


def _theme_provider():
    return theme()


try:  # altair >= 5.5
    alt.theme.register("r2p", enable=True)(_theme_provider)
except AttributeError:  # pragma: no cover - older altair
    alt.themes.register("r2p", _theme_provider)
    alt.themes.enable("r2p")


def _with_meta(chart: alt.TopLevelMixin, alt_text: str, maker: Callable, inputs: list[str]) -> alt.TopLevelMixin:
    return chart.properties(
        description=alt_text,
        usermeta={"r2p": {"made_by": f"{maker.__module__}.{maker.__qualname__}", "inputs": sorted(inputs)}},
    )


def save_chart(chart: alt.TopLevelMixin, out_dir: str | Path, name: str) -> tuple[Path, Path]:
    """Write `<name>.vl.json` and `<name>.svg` atomically; return their paths."""
    import vl_convert as vlc

    out_dir = Path(out_dir)
    spec = chart.to_dict()
    text = json.dumps(spec, indent=1, sort_keys=True, ensure_ascii=False)
    svg = vlc.vegalite_to_svg(spec)
    spec_path = write_text(text + "\n", out_dir / f"{name}.vl.json")
    svg_path = write_text(svg, out_dir / f"{name}.svg")
    return spec_path, svg_path


# --------------------------------------------------------------------------- chart builders


def hmi_timeline(hmi: pd.DataFrame, release: str = "0.3", last_year: int | None = None) -> alt.Chart:
    """Every HMI as a bar from start to end year, coloured by whom it was directed against."""
    d = hmi[hmi["release"] == release].copy()
    if last_year is None:  # ongoing interventions are drawn to the last year of the data
        last_year = int(hmi["end_year"].max()) if hmi["end_year"].notna().any() else int(hmi["start_year"].max())
    d["end"] = d["end_year"].fillna(last_year).astype(int) + 1
    d["start"] = d["start_year"].astype(int)
    d["regime change"] = np.where(d["regime_change"].fillna(False), "yes", "no")
    d["target_label"] = d["target_label"].astype(str)
    d = d[["case_id", "start", "end", "target_label", "regime change", "mandate"]].sort_values(["start", "case_id"])
    d["mandate"] = np.where(d["mandate"].fillna(False), "UNSC mandate", "no mandate")
    base = alt.Chart(d)
    bars = base.mark_bar(height=6).encode(
        x=alt.X("start:Q", title=None, axis=alt.Axis(format="d"), scale=alt.Scale(domain=[1958, last_year + 1])),
        x2="end:Q",
        y=alt.Y("case_id:N", sort=alt.SortField("start"), title=None, axis=alt.Axis(labelFontSize=8, labelLimit=170)),
        color=alt.Color(
            "target_label:N",
            title="Directed against",
            sort=["impartial", "against rebels", "against government", "against foreign forces"],
        ),
        tooltip=[
            "case_id:N",
            "start:Q",
            alt.Tooltip("end:Q", title="end (exclusive)"),
            "target_label:N",
            "mandate:N",
            "regime change:N",
        ],
    )
    marks = (
        base.transform_filter(alt.datum["regime change"] == "yes")
        .mark_point(shape="diamond", filled=True, size=45, color="black")
        .encode(x="end:Q", y=alt.Y("case_id:N", sort=alt.SortField("start")), tooltip=["case_id:N", "regime change:N"])
    )
    n, k = len(d), int((d["regime change"] == "yes").sum())
    chart = (bars + marks).properties(
        width=WIDTH,
        height=max(300, 9 * n),
        title=alt.Title(
            f"Humanitarian military interventions, PRIF {release}",
            subtitle=f"{n} interventions; diamonds mark the {k} with regime-change activity",
        ),
    )
    alt_text = (
        f"Timeline of {n} humanitarian military interventions from {d.start.min()} to {int(d.end.max()) - 1}, "
        f"coloured by whom they were directed against; {k} are marked as involving regime-change activity."
    )
    return _with_meta(chart, alt_text, hmi_timeline, ["data/processed/hmi_cases.parquet"])


def share_breakdown(rows: list[dict], title: str, subtitle: str, inputs: list[str]) -> alt.Chart:
    """Shares with 95% intervals by group (rows: group, share, ci_low, ci_high, k, n)."""
    d = pd.DataFrame(rows)
    base = alt.Chart(d).encode(y=alt.Y("group:N", title=None, sort=None))
    rule = base.mark_rule(color="#444").encode(
        x=alt.X("ci_low:Q", title="Share (95% interval)", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        x2="ci_high:Q",
    )
    pt = base.mark_point(filled=True, size=60, color=OKABE_ITO[0]).encode(
        x="share:Q", tooltip=["group:N", alt.Tooltip("share:Q", format=".0%"), "k:Q", "n:Q"]
    )
    half = alt.Chart(pd.DataFrame({"x": [0.5]})).mark_rule(strokeDash=[4, 3], color="#D55E00").encode(x="x:Q")
    chart = (rule + pt + half).properties(
        width=WIDTH, height=26 * len(d) + 20, title=alt.Title(title, subtitle=subtitle)
    )
    alt_text = (
        f"{title}. " + "; ".join(f"{r['group']}: {r['k']} of {r['n']}" for r in rows) + ". Dashed line at one half."
    )
    return _with_meta(chart, alt_text, share_breakdown, inputs)


def spec_curve_chart(curve: pd.DataFrame, claim: dict) -> alt.Chart:
    """A claim's specification curve with its choice panel (as R's specr draws it).

    Top: every distinct specification's estimate with its 95% interval, sorted, coloured by
    how the declared rule classifies it; bottom: which option of each dimension produced
    each estimate, so that a reader sees which choices drive the verdict. Duplicates (same
    sample and numbers as an earlier specification) are drawn once."""
    d = curve.copy()
    if "duplicate_of" in d:
        d = d[d["duplicate_of"].isna()]
    d = d[d["estimate"].notna()].sort_values(["estimate", "spec_id"]).reset_index(drop=True)
    d["rank"] = np.arange(1, len(d) + 1)
    d["outcome"] = d["outcome"].fillna("not estimable")
    d["primary"] = np.where(d["is_primary"], "primary", "")
    bounds = []
    for side in ("support", "contradict"):
        b = claim["decision_rule"][side]
        v = next(iter(b.values()))
        for x in v if isinstance(v, list) else [v]:  # an equivalence band draws both edges
            bounds.append({"bound": f"{side} bound", "value": x})
    bdf = pd.DataFrame(bounds).drop_duplicates("value")
    x = alt.X(
        "rank:Q",
        title=f"Distinct specifications, sorted by estimate (n = {len(d)})",
        axis=alt.Axis(labels=False, ticks=False),
        scale=alt.Scale(domain=[0.5, max(len(d), 1) + 0.5]),
    )
    # the layers share the top-level data (layered charts with their own copies would make
    # Altair compare the frames by their printed form, ~0.1 s per layer)
    base = alt.Chart().encode(x=x)
    ci = base.mark_rule(opacity=0.55, aria=False).encode(
        y=alt.Y("ci_low:Q", title="Estimate and 95% interval"),
        y2="ci_high:Q",
        color=alt.Color(
            "outcome:N",
            title="Specification",
            scale=alt.Scale(domain=list(VERDICT_COLORS), range=list(VERDICT_COLORS.values())),
        ),
    )
    pts = base.mark_point(filled=True, size=14, aria=False).encode(
        y="estimate:Q",
        color=alt.Color("outcome:N"),
        tooltip=[
            "choices:N",
            alt.Tooltip("estimate:Q", format=".3g"),
            alt.Tooltip("ci_low:Q", format=".3g"),
            alt.Tooltip("ci_high:Q", format=".3g"),
            "n:Q",
        ],
    )
    prim = (
        base.transform_filter(alt.datum.primary == "primary")
        .mark_point(shape="triangle-down", size=90, color="black", filled=True, aria=False)
        .encode(y="ci_high:Q")
    )
    rules = (
        alt.Chart(bdf)
        .mark_rule(strokeDash=[4, 3], color="#444", aria=False)
        .encode(y="value:Q", tooltip=["bound:N", "value:Q"])
    )
    top = alt.layer(ci, pts, prim, rules, data=d).properties(width=WIDTH, height=HEIGHT)
    # the choice panel: one row per "dimension = option" that varies, a mark where a specification uses it
    dims = [k for k in claim["specifications"] if len(claim["specifications"][k]) > 1]
    rows = []
    for r, ch, oc in zip(d["rank"], d["choices"], d["outcome"]):
        c = json.loads(ch)
        for k in dims:
            rows.append({"rank": int(r), "choice": f"{k} = {c.get(k)}", "outcome": oc})
    order = [f"{k} = {o}" for k in dims for o in claim["specifications"][k]]
    panel = (
        alt.Chart(pd.DataFrame(rows, columns=["rank", "choice", "outcome"]))
        .mark_tick(thickness=2, size=9, aria=False)
        .encode(
            x=alt.X(
                "rank:Q",
                title=None,
                axis=alt.Axis(labels=False, ticks=False),
                scale=alt.Scale(domain=[0.5, max(len(d), 1) + 0.5]),
            ),
            y=alt.Y("choice:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
            color=alt.Color(
                "outcome:N",
                legend=None,
                scale=alt.Scale(domain=list(VERDICT_COLORS), range=list(VERDICT_COLORS.values())),
            ),
        )
        .properties(width=WIDTH, height=max(40, 11 * len(order)))
    )
    chart = alt.vconcat(top, panel, spacing=4).properties(
        title=alt.Title(
            f"{claim['id']}: specification curve and choices",
            subtitle=f"Verdict: {claim['verdict']}; triangle = primary specification; rows below: the choices of each specification",
        ),
    )
    shares = claim["robustness"]
    alt_text = (
        f"Specification curve for claim {claim['id']}: {len(d)} distinct estimates with 95% intervals, sorted, "
        f"and below them the analysis choices behind each. Of {shares.get('n_distinct', len(d))} distinct "
        f"specifications, {(shares['share_supporting'] or 0):.0%} support the claim, "
        f"{(shares['share_contradicting'] or 0):.0%} contradict it, {(shares.get('share_neither') or 0):.0%} are "
        f"too imprecise to decide and {(shares.get('share_not_estimable') or 0):.0%} cannot be estimated; "
        "dashed lines mark the declared bounds."
    )
    return _with_meta(
        chart, alt_text, spec_curve_chart, [f"results/claims/{claim['id']}.json", "results/claims/spec_curve.parquet"]
    )


def onset_series(cy: pd.DataFrame, breaks: tuple[int, ...] = (1999, 2005, 2011)) -> alt.Chart:
    """New intrastate conflicts per year (world), with the candidate break years."""
    g = cy.groupby("year").agg(onsets=("intra_onset_new", "sum"), states=("gwcode", "size")).reset_index()
    g["onsets"] = g["onsets"].astype(int)
    line = (
        alt.Chart(g)
        .mark_bar(color=OKABE_ITO[0], opacity=0.85)
        .encode(
            x=alt.X("year:O", title=None, axis=alt.Axis(values=list(range(1950, 2025, 10)), labelAngle=0)),
            y=alt.Y("onsets:Q", title="New intrastate conflicts"),
            tooltip=["year:O", "onsets:Q", alt.Tooltip("states:Q", title="states in system")],
        )
    )
    b = pd.DataFrame({"year": list(breaks), "label": ["Kosovo", "World Summit", "Libya"][: len(breaks)]})
    b["ypix"] = [8 + 11 * i for i in range(len(b))]  # stagger the labels so they never overlap
    rules = alt.Chart(b).mark_rule(color="#D55E00", strokeDash=[4, 3]).encode(x="year:O")
    text = (
        alt.Chart(b)
        .mark_text(align="right", dx=-3, fontSize=9, color="#D55E00")
        .encode(x="year:O", y=alt.Y("ypix:Q", scale=None, axis=None), text="label:N")
    )
    chart = (line + rules + text).properties(
        width=WIDTH,
        height=HEIGHT,
        title=alt.Title(
            f"Rebellion onsets, {int(cy['year'].min())}-{int(cy['year'].max())}",
            subtitle="New UCDP/PRIO intrastate conflicts per year",
        ),
    )
    alt_text = (
        f"Bar chart of new intrastate conflicts per year from {g.year.min()} to {g.year.max()} "
        f"(total {int(g.onsets.sum())}), with dashed lines at {', '.join(map(str, breaks))}."
    )
    return _with_meta(chart, alt_text, onset_series, ["data/processed/country_year.parquet"])


def veto_series(by_member: pd.DataFrame) -> alt.Chart:
    """Vetoes per year by member, 1990 onwards."""
    d = by_member[by_member["year"] >= 1990].groupby(["year", "member"]).size().rename("vetoes").reset_index()
    y0, y1 = int(d["year"].min()), int(d["year"].max())  # the years the data hold, not typed
    chart = (
        alt.Chart(d)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None, axis=alt.Axis(values=list(range(y0, y1 + 1, 5)), labelAngle=0)),
            y=alt.Y("vetoes:Q", title="Vetoes cast"),
            color=alt.Color(
                "member:N", title=None, sort=["Russia", "China", "United States", "United Kingdom", "France"]
            ),
            tooltip=["year:O", "member:N", "vetoes:Q"],
        )
        .properties(
            width=WIDTH,
            height=HEIGHT,
            title=alt.Title(f"Security Council vetoes, {y0}-{y1}", subtitle="One per member per vetoed draft"),
        )
    )
    alt_text = (
        f"Stacked bars of Security Council vetoes per year from {y0} to {y1} by permanent member; "
        f"{int(d[d.member == 'Russia'].vetoes.sum())} Russian and {int(d[d.member == 'China'].vetoes.sum())} Chinese vetoes in that period."
    )
    return _with_meta(chart, alt_text, veto_series, ["data/processed/unsc_vetoes_by_member.parquet"])


def group_positions(rows: list[dict], title: str, subtitle: str, inputs: list[str]) -> alt.Chart:
    """Countries' mean positions (rows: country, group, position)."""
    d = pd.DataFrame(rows)
    chart = (
        alt.Chart(d)
        .mark_point(filled=True, size=80)
        .encode(
            x=alt.X("position:Q", title="Mean position (0 = no, 1 = yes)", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("group:N", title=None, sort=None),
            color=alt.Color("group:N", legend=None),
            tooltip=["country:N", "group:N", alt.Tooltip("position:Q", format=".2f")],
        )
    )
    labels = chart.mark_text(angle=315, align="left", dx=4, dy=-4, fontSize=8, color="#333").encode(text="country:N")
    out = (chart + labels).properties(width=WIDTH, height=130, title=alt.Title(title, subtitle=subtitle))
    alt_text = f"{title}: " + "; ".join(f"{r['country']} ({r['group']}) {r['position']:.2f}" for r in rows)
    return _with_meta(out, alt_text, group_positions, inputs)


@functools.cache
def _case_fatalities_layers(series: tuple[str, ...]) -> tuple[alt.Chart, alt.Chart]:
    """The layers of `case_fatalities` without data: built once, shared by the 41 briefs'
    charts (Altair's encoding shorthands cost about 0.03 s per chart to parse)."""
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("deaths:Q", title="Deaths (UCDP best estimate)"),
            color=alt.Color("series:N", title=None, sort=list(series)),
            xOffset="series:N",
            tooltip=["year:O", "series:N", alt.Tooltip("deaths:Q", format=",.0f")],
        )
    )
    rule = alt.Chart().mark_rule(color="black", strokeDash=[4, 3]).encode(x="year:O")
    return bars, rule


def case_fatalities(cy_case: pd.DataFrame, case: dict) -> alt.Chart:
    """Deaths by year in the target country around an intervention (UCDP, 1989+)."""
    d = cy_case.melt(
        id_vars=["year"],
        value_vars=["osv_gov_best", "osv_nonstate_best", "battle_deaths_best"],
        var_name="series",
        value_name="deaths",
    ).dropna()
    names = {
        "osv_gov_best": "one-sided, government",
        "osv_nonstate_best": "one-sided, non-state",
        "battle_deaths_best": "battle deaths",
    }
    d["series"] = d["series"].map(names)
    start = pd.DataFrame({"year": [int(case["start_year"])]})
    if d.empty:
        chart = (
            alt.Chart(pd.DataFrame({"text": ["No UCDP fatality data for these years (coverage starts 1989)."]}))
            .mark_text(fontSize=11, color="#444")
            .encode(text="text:N")
            .properties(width=WIDTH, height=60)
        )
        alt_text = (
            "No UCDP fatality data are available for the years around this intervention (coverage starts in 1989)."
        )
    else:
        bars, rule = _case_fatalities_layers(tuple(names.values()))
        bars, rule = bars.copy(deep=False), rule.copy(deep=False)
        bars.data, rule.data = d, start
        chart = (bars + rule).properties(width=WIDTH, height=HEIGHT)
        tot = d.groupby("series")["deaths"].sum()
        alt_text = (
            f"Deaths by year in the target country of {case['case_id']}, {d.year.min()}-{d.year.max()}, "
            "by type: "
            + ", ".join(f"{k} {v:,.0f}" for k, v in tot.items())
            + f"; dashed line at the start year {case['start_year']}."
        )
    chart = chart.properties(title=alt.Title("Fatalities around the intervention", subtitle="Dashed line: start year"))
    return _with_meta(
        chart, alt_text, case_fatalities, ["data/processed/country_year.parquet", "data/processed/hmi_cases.parquet"]
    )


def yearly_stacked(
    d: pd.DataFrame,
    categories: list[str],
    title: str,
    subtitle: str,
    y_title: str,
    mark_year: int | None,
    mark_label: str,
    alt_text: str,
    maker: Callable,
    inputs: list[str],
) -> alt.Chart:
    """Counts per year stacked by category (d: year, category, count; every year of the range
    present, zeros included), with a dashed line at `mark_year`."""
    d = d.assign(order=d["category"].map({c: i for i, c in enumerate(categories)}))
    years = sorted(d["year"].unique())
    step = 5 if len(years) > 15 else 1
    bars = (
        alt.Chart(d)
        .mark_bar()
        .encode(
            x=alt.X(
                "year:O",
                title=None,
                sort=years,
                axis=alt.Axis(values=[y for y in years if y % step == 0], labelAngle=0),
            ),
            y=alt.Y("count:Q", title=y_title, stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "category:N",
                title=None,
                sort=categories,
                scale=alt.Scale(domain=categories, range=OKABE_ITO[: len(categories)]),
            ),
            order=alt.Order("order:Q", sort="ascending"),
            tooltip=["year:O", "category:N", "count:Q"],
        )
    )
    layers = [bars]
    if mark_year is not None:
        m = pd.DataFrame({"year": [mark_year], "label": [mark_label]})
        layers.append(alt.Chart(m).mark_rule(color="#D55E00", strokeDash=[4, 3]).encode(x=alt.X("year:O", sort=years)))
        layers.append(
            alt.Chart(m)
            .mark_text(align="right", dx=-3, dy=2, baseline="top", fontSize=9, color="#D55E00")
            .encode(x=alt.X("year:O", sort=years), y=alt.value(0), text="label:N")
        )
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=alt.Title(title, subtitle=subtitle))
    return _with_meta(chart, alt_text, maker, inputs)


def reporting_duties(per_year: list[dict], first_year: int, last_year: int, claim_id: str = "AC1") -> alt.Chart:
    """Force authorisations to Member States or regional organisations per year, by the reporting
    duty they place on the mandate-taker (AC1's `details.per_year`)."""
    by_year = {int(r["year"]): r for r in per_year}
    cats = ["regular or at stated intervals", "other reporting duty", "no reporting duty"]
    rows = []
    for y in range(first_year, last_year + 1):
        r = by_year.get(y, {"n": 0, "report_req": 0, "regular_or_interval": 0})
        reg, req, n = int(r["regular_or_interval"]), int(r["report_req"]), int(r["n"])
        rows += [
            {"year": y, "category": cats[0], "count": reg},
            {"year": y, "category": cats[1], "count": req - reg},
            {"year": y, "category": cats[2], "count": n - req},
        ]
    d = pd.DataFrame(rows)
    tot = d.groupby("category")["count"].sum()
    alt_text = (
        f"Stacked bars of force-authorising resolutions addressed to Member States or regional organisations "
        f"per year, {first_year}-{last_year} ({int(tot.sum())} in all), by the reporting duty on the "
        f"mandate-taker: {int(tot[cats[0]])} regular or at stated intervals, {int(tot[cats[1]])} with another "
        f"duty, {int(tot[cats[2]])} with none; dashed line at 2011 (Resolution 1973)."
    )
    return yearly_stacked(
        d,
        cats,
        f"Reporting duties in force authorisations, {first_year}-{last_year}",
        "To Member States or regional organisations; the texts end in 2015",
        "Resolutions",
        2011,
        "Res. 1973",
        alt_text,
        reporting_duties,
        [f"results/claims/{claim_id}.json"],
    )


def consensus_series(d: pd.DataFrame, first_year: int) -> alt.Chart:
    """Adopted Chapter VII resolutions with a recorded tally per year: unanimous or not (LB2's
    measure; d: resolution, adoption_date, chapter7, has_tally, non_unanimous)."""
    x = d[d["chapter7"] & d["has_tally"]].assign(year=lambda t: t["adoption_date"].dt.year)
    x = x[x["year"] >= first_year]
    last_year = int(x["year"].max())
    cats = ["votes against or abstentions", "unanimous"]
    x = x.assign(category=x["non_unanimous"].map({True: cats[0], False: cats[1]}))
    g = x.groupby(["year", "category"]).size()
    idx = pd.MultiIndex.from_product([range(first_year, last_year + 1), cats], names=["year", "category"])
    g = g.reindex(idx, fill_value=0).rename("count").reset_index()
    tot = g.groupby("category")["count"].sum()
    alt_text = (
        f"Stacked bars of adopted Chapter VII resolutions with a recorded tally per year, {first_year}-"
        f"{last_year} ({int(tot.sum())} in all): {int(tot[cats[0]])} adopted with votes against or "
        f"abstentions, {int(tot[cats[1]])} unanimously; dashed line at 2011 (Resolution 1973)."
    )
    return yearly_stacked(
        g,
        cats,
        f"Consensus on Chapter VII resolutions, {first_year}-{last_year}",
        "Adopted resolutions by tally; tallies do not name who abstained",
        "Resolutions",
        2011,
        "Res. 1973",
        alt_text,
        consensus_series,
        ["data/processed/unsc_resolutions_coded.parquet", "data/processed/unsc_outcomes.parquet"],
    )


def named_shares(
    rows: list[dict], periods: list[str], title: str, subtitle: str, alt_text: str, inputs: list[str]
) -> alt.Chart:
    """Shares by label and period as grouped horizontal bars (rows: label, period, k, n, share)."""
    d = pd.DataFrame(rows)
    labels = list(dict.fromkeys(d["label"]))
    chart = (
        alt.Chart(d)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=labels),
            yOffset=alt.YOffset("period:N", sort=periods),
            x=alt.X("share:Q", title="Share of resolutions", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "period:N", title=None, sort=periods, scale=alt.Scale(domain=periods, range=OKABE_ITO[: len(periods)])
            ),
            tooltip=["label:N", "period:N", "k:Q", "n:Q", alt.Tooltip("share:Q", format=".0%")],
        )
        .properties(width=WIDTH, height=34 * len(labels) + 10, title=alt.Title(title, subtitle=subtitle))
    )
    return _with_meta(chart, alt_text, named_shares, inputs)


#: labels of the regional organisations' codes (config/coding/unsc_resolution_coding_guide.md)
ORG_LABELS = {"AU": "African Union", "LAS": "Arab League", "EU": "European Union"}


def regional_orgs_named(ro1: dict) -> alt.Chart:
    """RO1: share of the primary set of resolutions naming a regional organisation, before and after
    Resolution 1973, any and by organisation (`primary_detail.result`, `details.organisations_named`)."""
    res = ro1["primary_detail"]["result"]
    named = ro1["details"]["organisations_named"]
    prim = ro1["primary_specification"]
    periods = [f"{prim['before']}", f"{prim['after']} (after Res. 1973)"]
    rows = [
        {"label": "any organisation", "period": periods[0], "k": res["k_before"], "n": res["n_before"]},
        {"label": "any organisation", "period": periods[1], "k": res["k_after"], "n": res["n_after"]},
    ]
    orgs = [k for k in named["before"] if k != "n"]
    orgs.sort(key=lambda o: -(named["before"][o] + named["after"][o]))
    for o in orgs:
        for per, key in zip(periods, ("before", "after")):
            rows.append({"label": ORG_LABELS.get(o, o), "period": per, "k": named[key][o], "n": named[key]["n"]})
    for r in rows:
        r["share"] = r["k"] / r["n"] if r["n"] else None
    what = (
        "force-authorising and protection-of-civilians resolutions"
        if prim["resolutions"] == "force-or-protection"
        else "force-authorising resolutions"
    )
    alt_text = (
        f"Grouped bars: share of {what} naming a regional organisation, {periods[0]} and {periods[1]}: "
        + "; ".join(f"{r['label']}, {r['period']}: {r['k']} of {r['n']}" for r in rows)
        + "."
    )
    sub = (
        "Resolutions authorising force or protecting civilians"
        if prim["resolutions"] == "force-or-protection"
        else "Resolutions authorising force"
    )
    return named_shares(
        rows,
        periods,
        "Regional organisations named in resolutions",
        sub,
        alt_text,
        [f"results/claims/{ro1['id']}.json"],
    )


def oda_comparison(pc1: dict) -> alt.Chart:
    """PC1: for each measured intervention, the target's log ratio of net ODA (after the end over
    before the start) and its comparison countries' median, as a dumbbell per intervention
    (`primary_detail.interventions`)."""
    rows = [r for r in pc1["primary_detail"]["interventions"] if r.get("reason") is None]
    rows.sort(key=lambda r: r["target_log_ratio"] - r["comparison_median_log_ratio"])
    order = [r["case_id"] for r in rows]
    long = []
    for r in rows:
        long.append(
            {
                "case": r["case_id"],
                "series": "target",
                "log_ratio": r["target_log_ratio"],
                "n_comparisons": r["n_comparisons"],
            }
        )
        long.append(
            {
                "case": r["case_id"],
                "series": "comparisons (median)",
                "log_ratio": r["comparison_median_log_ratio"],
                "n_comparisons": r["n_comparisons"],
            }
        )
    d = pd.DataFrame(long)
    spec = pc1["primary_specification"]
    y = alt.Y("case:N", sort=order, title=None)
    rule = alt.Chart(d).mark_rule(color="#999").encode(y=y, x=alt.X("min(log_ratio):Q"), x2="max(log_ratio):Q")
    pts = (
        alt.Chart(d)
        .mark_point(filled=True, size=45)
        .encode(
            y=y,
            x=alt.X("log_ratio:Q", title="log of mean net ODA after / before"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["target", "comparisons (median)"], range=["#1f4e79", "#c0504d"]),
            ),
            tooltip=["case:N", "series:N", alt.Tooltip("log_ratio:Q", format=".2f"), "n_comparisons:Q"],
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3], color="#666").encode(x="x:Q")
    up = sum(r["target_log_ratio"] > r["comparison_median_log_ratio"] for r in rows)
    alt_text = (
        f"Dumbbell chart, one row per intervention ({len(rows)} measured): the target's log ratio of mean "
        f"net ODA ({spec['measure']}, {spec['k']} years after the end over {spec['k']} before the start) "
        f"beside its comparison countries' median; the target's is higher in {up} of {len(rows)}: "
        + "; ".join(
            f"{r['case_id']} {r['target_log_ratio']:.2f} vs {r['comparison_median_log_ratio']:.2f}" for r in rows
        )
        + "."
    )
    chart = (rule + pts + zero).properties(
        width=380,
        height=alt.Step(13),
        title=alt.Title(
            "Aid after interventions against comparable conflicts",
            subtitle=f"Net ODA, {spec['measure']}; {spec['k']} years after vs before; World Bank WDI",
        ),
    )
    return _with_meta(chart, alt_text, oda_comparison, [f"results/claims/{pc1['id']}.json"])
