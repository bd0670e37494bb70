"""Claims on the Security Council after Libya (issue 17): accountability (AC), consensus (LB2)
and regional organisations (RO).

Data: `unsc_resolutions_coded` (the automatic coding of the resolution texts 1946-2015, rules
in `config/coding/unsc_resolution_coding_guide.md`, measured against a hand-coded sample in
`unsc_coding_validation.csv`), `unsc_outcomes` (meeting outcomes with yes-no-abstain tallies,
1946-2019), `unsc_outcome_vetoes` (vetoed drafts by member), `hmi_cases` (PRIF: regional
organisations among the interveners). The registry entries are in config/claims.yaml (as first
written, with the disclosure of what had been seen, in notes/council_claims.yaml).

Periods: `before` "YYYY-YYYY" counts resolutions adopted from 1 January of the first year to
31 December of the last (all before-periods end in 2010); `after` "2011-YYYY" counts resolutions
adopted after resolution 1973 (17 March 2011, excluded) to 31 December of the last year. The
resolution texts end with S/RES/2259 (23 December 2015), so no after-period can run past 2015
for the text-coded features; the tallies and vetoes run to 2019.

Estimate in all three: the risk ratio (share after / share before) with the log (Katz)
interval (`stats.risk_ratio`); a zero cell makes a specification not estimable (reason given).
"""

from __future__ import annotations

import pandas as pd

from ..stats import StatResult, fisher_2x2, json_safe, risk_ratio
from . import Claim, ClaimOutput, Data, published, run_curve

LIBYA = pd.Timestamp("2011-03-17")
TEXTS_END = pd.Timestamp("2015-12-31")
MEETINGS_END_YEAR = 2019
AFRICAN = ("AU", "ECOWAS", "ECCAS", "SADC", "IGAD", "CEMAC", "ICGLR")


def parse_period(text: str) -> tuple[int, int]:
    a, b = (int(x) for x in str(text).split("-"))
    if b < a:
        raise ValueError(f"period {text!r} ends before it starts")
    return a, b


def in_before(dates: pd.Series, period: str) -> pd.Series:
    a, b = parse_period(period)
    if b >= LIBYA.year:
        raise ValueError(f"before-period {period} must end before {LIBYA.year}")
    return (dates >= pd.Timestamp(f"{a}-01-01")) & (dates <= pd.Timestamp(f"{b}-12-31"))


def in_after(dates: pd.Series, period: str) -> pd.Series:
    a, b = parse_period(period)
    if a < LIBYA.year:
        raise ValueError(f"after-period {period} must start in {LIBYA.year} or later")
    start = max(LIBYA + pd.Timedelta(days=1), pd.Timestamp(f"{a}-01-01"))
    return (dates >= start) & (dates <= pd.Timestamp(f"{b}-12-31"))


def compare_shares(
    flag: pd.Series, dates: pd.Series, before: str, after: str, alpha: float, last_date: pd.Timestamp = TEXTS_END
) -> StatResult:
    """Risk ratio of the share of `flag` among rows adopted `after` vs `before`."""
    if pd.Timestamp(f"{parse_period(after)[1]}-12-31") > last_date:
        return StatResult(
            method="risk ratio, log (Katz) interval",
            reason=(f"after-period {after} runs past the data ({last_date.date()})"),
        )
    b, a = in_before(dates, before), in_after(dates, after)
    k_a, n_a = int((flag & a).sum()), int(a.sum())
    k_b, n_b = int((flag & b).sum()), int(b.sum())
    res = risk_ratio(k_a, n_a, k_b, n_b, alpha=alpha)
    res.extra.update(
        share_after=k_a / n_a if n_a else None,
        share_before=k_b / n_b if n_b else None,
        k_after=k_a,
        n_after=n_a,
        k_before=k_b,
        n_before=n_b,
        before=before,
        after=after,
    )
    return res


# ----------------------------------------------------------------------------- shared data


def coded(data: Data) -> pd.DataFrame:
    c = data.table("unsc_resolutions_coded").copy()
    c["force_to"] = c["force_to"].map(list)
    c["regional_orgs"] = c["regional_orgs"].map(list)
    c["non_un_taker"] = c["force_to"].map(lambda v: "member_states" in v or "regional_org" in v)
    return c


def with_tallies(data: Data) -> pd.DataFrame:
    """Coded resolutions with their meeting tally (adopted listings joined to a text)."""
    o = data.table("unsc_outcomes")
    o = o[o["in_texts"]][["resolution", "yes", "no", "abstain", "adopted_unanimously", "without_vote"]]
    d = coded(data).merge(o, on="resolution", how="left", validate="one_to_one")
    d["has_tally"] = d["yes"].notna() | d["adopted_unanimously"].astype("boolean").fillna(False).astype(bool)
    d["non_unanimous"] = (d["no"].fillna(0) + d["abstain"].fillna(0)) > 0
    d["abstentions_3plus"] = d["abstain"].fillna(0) >= 3
    return d


def coding_quality(data: Data, features: list[str]) -> dict:
    """Precision and recall of the features used, from the coding's validation table."""
    v = data.csv("unsc_coding_validation.csv")
    v = v[v["feature"].isin(features)]
    return {
        f"{r.subset}:{r.feature}": {
            "precision": r.precision,
            "recall": r.recall,
            "n": int(r.n),
            "n_hand_positive": None if pd.isna(r.n_hand_positive) else int(r.n_hand_positive),
        }
        for r in v.itertuples()
    }


# ----------------------------------------------------------------------------- AC

AC_MEASURES = {
    "any-requirement": lambda d: d["report_req"],
    "regular-or-interval": lambda d: d["report_specificity"] >= 2,
    "interval": lambda d: d["report_freq"] == "interval",
}


def ac_reporting(claim: Claim, data: Data) -> ClaimOutput:
    """AC: reporting duties on mandate-takers in force authorisations, before vs after 1973."""
    c = coded(data)
    fa = c[c["force_auth"] & c["non_un_taker"]].reset_index(drop=True)

    def spec(measure: str, before: str, after: str) -> StatResult:
        return compare_shares(AC_MEASURES[measure](fa), fa["adoption_date"], before, after, claim.alpha)

    curve = run_curve(claim, spec)
    p = claim.primary
    prim = spec(**p)
    rows = fa[in_before(fa["adoption_date"], p["before"]) | in_after(fa["adoption_date"], p["after"])]
    listed = [
        {
            "resolution": int(r.resolution),
            "date": str(r.adoption_date.date()),
            "period": "after" if r.adoption_date > LIBYA else "before",
            "force_to": list(r.force_to),
            "report_req": bool(r.report_req),
            "report_to": None if pd.isna(r.report_to) else str(r.report_to),
            "report_freq": str(r.report_freq),
            "report_specificity": int(r.report_specificity),
        }
        for r in rows.itertuples()
    ]
    by_year = (
        fa.assign(y=fa["adoption_date"].dt.year)
        .groupby("y")
        .agg(
            n=("resolution", "size"),
            report_req=("report_req", "sum"),
            regular_or_interval=("report_specificity", lambda s: int((s >= 2).sum())),
        )
        .reset_index()
        .rename(columns={"y": "year"})
    )
    primary_detail = json_safe({"result": prim.to_dict(), "force_authorisations": listed})
    details = json_safe(
        {
            "per_year": by_year.to_dict("records"),
            "coding_quality": coding_quality(data, ["force_auth", "report_req", "report_freq", "report_specificity"]),
            "resolution_1973": {
                "report_req": bool(c.set_index("resolution").loc[1973, "report_req"]),
                "report_freq": str(c.set_index("resolution").loc[1973, "report_freq"]),
            },
        }
    )
    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details=details,
        limitations=[
            "The resolution texts end in December 2015: 'after' covers under five years, mostly "
            "renewals of authorisations that began before 2011 (AMISOM, EUFOR Althea, piracy, ISAF).",
        ],
    )


# ----------------------------------------------------------------------------- LB2

LB2_SETS = {
    "chapter7": lambda d: d["chapter7"],
    "force-authorisation": lambda d: d["force_auth"],
    "chapter7-or-protection": lambda d: d["chapter7"] | d["poc"],
}
LB2_MEASURES = {"non-unanimous": "non_unanimous", "three-or-more-abstentions": "abstentions_3plus"}


def lb2_consensus(claim: Claim, data: Data) -> ClaimOutput:
    """LB2: did consensus on coercive or protection resolutions erode after resolution 1973?"""
    d = with_tallies(data)
    d = d[d["has_tally"]].reset_index(drop=True)

    def spec(resolutions: str, measure: str, before: str, after: str) -> StatResult:
        s = d[LB2_SETS[resolutions](d)]
        return compare_shares(s[LB2_MEASURES[measure]], s["adoption_date"], before, after, claim.alpha)

    curve = run_curve(claim, spec)
    p = claim.primary
    prim = spec(**p)

    # Was 1973's 10-0-5 unusual among force authorisations (1990-2015)?
    fa = d[d["force_auth"] & (d["adoption_date"] >= "1990-01-01")]
    r1973 = d.set_index("resolution").loc[1973]
    more = fa[fa["abstain"].fillna(0) >= int(r1973["abstain"])]
    fewer_yes = fa[fa["yes"].fillna(15) <= int(r1973["yes"])]
    contested = fa[fa["non_unanimous"]][["resolution", "adoption_date", "yes", "no", "abstain"]]

    # vetoes by member, from the meetings tables (1946-2019)
    v = data.table("unsc_outcome_vetoes")
    drafts = data.table("unsc_outcomes")
    drafts = drafts[drafts["outcome_type"] == "draft_vetoed"]

    def veto_counts(a: int, b: int) -> dict:
        w = v[(v["year"] >= a) & (v["year"] <= b)]
        return {str(k): int(n) for k, n in w["member"].value_counts().sort_index().items()}

    details = json_safe(
        {
            "resolution_1973": {
                "yes": int(r1973["yes"]),
                "no": int(r1973["no"]),
                "abstain": int(r1973["abstain"]),
                "force_authorisations_1990_2015": int(len(fa)),
                "with_as_many_abstentions_or_more": more["resolution"].astype(int).tolist(),
                "with_as_few_yes_votes_or_fewer": fewer_yes["resolution"].astype(int).tolist(),
                "share_of_force_authorisations_non_unanimous": float(fa["non_unanimous"].mean()),
            },
            "contested_force_authorisations_1990_2015": [
                {
                    "resolution": int(r.resolution),
                    "date": str(r.adoption_date.date()),
                    "yes": int(r.yes),
                    "no": int(r.no),
                    "abstain": int(r.abstain),
                }
                for r in contested.itertuples()
            ],
            "vetoes_by_member": {
                "2001-2010": veto_counts(2001, 2010),
                "2011-2019": veto_counts(2011, 2019),
                "1992-2010": veto_counts(1992, 2010),
            },
            "vetoed_drafts_per_year_2001_2019": {
                int(y): int(n)
                for y, n in drafts[drafts["year"].between(2001, 2019)]["year"].value_counts().sort_index().items()
            },
            "coding_quality": coding_quality(data, ["chapter7", "force_auth", "poc"]),
        }
    )
    primary_detail = json_safe({"result": prim.to_dict()})
    comparisons = published.comparisons(
        "council-1973",
        {
            "res-1973-tally": f"{int(r1973['yes'])}-{int(r1973['no'])}-{int(r1973['abstain'])}",
        },
    )

    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details=details,
        comparisons=comparisons,
        limitations=[
            "Tallies count abstentions but do not name the abstainers on adopted resolutions; "
            "only vetoes are attributed to members.",
        ],
    )


# ----------------------------------------------------------------------------- RO

RO_SETS = {
    "force-authorisation": lambda d: d["force_auth"],
    "force-or-protection": lambda d: d["force_auth"] | d["poc"],
}
RO_ORGS = {
    "any": lambda v: len(v) > 0,
    "african": lambda v: any(x in AFRICAN for x in v),
    "au-or-las": lambda v: "AU" in v or "LAS" in v,
}


def ro_regional_orgs(claim: Claim, data: Data) -> ClaimOutput:
    """RO: authorisations and protection resolutions naming regional organisations, before vs after Libya;
    PRIF interventions with and without a regional organisation (outcomes, descriptive)."""
    c = coded(data)

    def spec(resolutions: str, organisations: str, before: str, after: str) -> StatResult:
        s = c[RO_SETS[resolutions](c)]
        flag = s["regional_orgs"].map(RO_ORGS[organisations]).astype(bool)
        return compare_shares(flag, s["adoption_date"], before, after, claim.alpha)

    curve = run_curve(claim, spec)
    p = claim.primary
    prim = spec(**p)
    s = c[RO_SETS[p["resolutions"]](c)]
    counts = {}
    for per, mask in (
        ("before", in_before(s["adoption_date"], p["before"])),
        ("after", in_after(s["adoption_date"], p["after"])),
    ):
        w = s[mask]
        counts[per] = {
            "n": int(len(w)),
            **{
                code: int(w["regional_orgs"].map(lambda v, k=code: k in v).sum())
                for code in ("AU", "LAS", "ECOWAS", "EU", "NATO", "OAS", "ECCAS")
            },
        }

    # PRIF HMI: interventions with a regional organisation among the interveners vs without
    h = data.table("hmi_cases")
    prif = {}
    for rel in sorted(h["release"].unique()):
        x = h[h["release"] == rel]
        ro = x["regional_org"].fillna(0).astype(int) > 0
        out = {}
        for outcome in ("endviol", "regime_change"):
            y = x[outcome]
            ok = y.notna()
            yy = y[ok].astype(bool)
            r = ro[ok]
            res = fisher_2x2(
                int((yy & r).sum()),
                int((~yy & r).sum()),
                int((yy & ~r).sum()),
                int((~yy & ~r).sum()),
                alpha=claim.alpha,
            )
            out[outcome] = {
                "with_regional_org": {"events": int((yy & r).sum()), "n": int(r.sum())},
                "without": {"events": int((yy & ~r).sum()), "n": int((~r).sum())},
                "result": res.to_dict(),
            }
        prif[str(rel)] = out
    details = json_safe(
        {
            "organisations_named": counts,
            "prif_regional_org_outcomes": prif,
            "coding_quality": coding_quality(
                data, ["force_auth", "poc", "any regional org", "regional_orgs (pooled)", "org:AU", "org:LAS"]
            ),
        }
    )
    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe({"result": prim.to_dict()}),
        details=details,
        limitations=[
            "Naming an organisation in a resolution is not its participation or its weight in the "
            "decision; PRIF's outcome comparison is descriptive (41 interventions, no adjustment).",
        ],
    )
