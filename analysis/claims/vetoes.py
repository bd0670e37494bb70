"""LB1: the Libya backlash in the Security Council -- did Russian and Chinese vetoes
become more frequent after Resolution 1973 (17 March 2011)?

Data: `unsc_vetoes` (one row per vetoed draft, the Dag Hammarskjold Library's
convention; member flags derived from the named vetoing members) and
`unsc_vetoes_by_member` (one row per (draft, vetoing member)); the list ends on
15 September 2022, so 2011-2021 is complete and 2022 is partial.

Specification dimensions (config/claims.yaml):

- vetoer: `russia-or-china` (drafts vetoed by Russia or China or both),
  `russia`, `china`, `russia-and-china-jointly` (drafts vetoed by both);
- counting: `per-draft` (each vetoed draft once) or `per-member-veto` (each
  member's veto counts: a joint Russia-China veto counts twice for
  `russia-or-china` and for `russia-and-china-jointly`; for a single member the two
  conventions coincide);
- before / after: inclusive year ranges "YYYY-YYYY"; exposure = number of years.

Estimate: the Poisson rate ratio (vetoes per year after) / (vetoes per year before)
with the exact conditional (binomial) test and Clopper-Pearson-based interval
(`stats.rate_ratio`); the curve's p-value is two-sided, the primary detail adds the
one-sided exact p for an increase. n = total vetoes counted in both periods.
"""

from __future__ import annotations

import pandas as pd

from ..stats import DesignCache, StatResult, json_safe, rate_ratio
from . import Claim, ClaimOutput, Data, published, run_curve

#: last day covered by the veto list (15 Sept 2022): years up to 2021 are complete.
DATA_END = pd.Timestamp("2022-09-15")
LAST_COMPLETE_YEAR = 2021
FIRST_YEAR = 1946

VETOERS = ("russia-or-china", "russia", "china", "russia-and-china-jointly")
COUNTINGS = ("per-draft", "per-member-veto")
MEMBERS = ("China", "France", "Russia", "United Kingdom", "United States")
#: the key of one vetoed draft in both tables
KEY = ["date", "draft", "draft_seq"]


def parse_period(text: str) -> tuple[int, int]:
    """'1992-2010' -> (1992, 2010), inclusive."""
    a, b = (int(x) for x in str(text).split("-"))
    if b < a:
        raise ValueError(f"period {text!r} ends before it starts")
    return a, b


def period_years(text: str) -> int:
    a, b = parse_period(text)
    return b - a + 1


def _draft_mask(vetoes: pd.DataFrame, vetoer: str) -> pd.Series:
    ru, cn = vetoes["russia_ussr"].astype(bool), vetoes["china"].astype(bool)
    if vetoer == "russia-or-china":
        return ru | cn
    if vetoer == "russia":
        return ru
    if vetoer == "china":
        return cn
    if vetoer == "russia-and-china-jointly":
        return ru & cn
    raise ValueError(f"unknown vetoer {vetoer!r}; known: {VETOERS}")


def _member_rows(vetoes: pd.DataFrame, by_member: pd.DataFrame, vetoer: str) -> pd.DataFrame:
    """Rows of `unsc_vetoes_by_member` that the per-member-veto convention counts."""
    if vetoer == "russia":
        return by_member[by_member["member"] == "Russia"]
    if vetoer == "china":
        return by_member[by_member["member"] == "China"]
    rc = by_member[by_member["member"].isin(["Russia", "China"])]
    if vetoer == "russia-or-china":
        return rc
    if vetoer == "russia-and-china-jointly":
        joint = vetoes.loc[_draft_mask(vetoes, vetoer), KEY]
        return rc.merge(joint, on=KEY, how="inner")
    raise ValueError(f"unknown vetoer {vetoer!r}; known: {VETOERS}")


def count_vetoes(vetoes: pd.DataFrame, by_member: pd.DataFrame, vetoer: str, counting: str, period: str) -> int:
    """Number of vetoes by `vetoer` in the inclusive year range `period` under `counting`."""
    return _in_period(vetoes_per_year(vetoes, by_member, vetoer, counting), period)


def _in_period(per_year: dict[int, int], period: str) -> int:
    a, b = parse_period(period)
    return sum(n for y, n in per_year.items() if a <= y <= b)


def vetoes_per_year(vetoes: pd.DataFrame, by_member: pd.DataFrame, vetoer: str, counting: str) -> dict[int, int]:
    """{year: number of vetoes by `vetoer` under `counting`} (years without vetoes absent)."""
    if counting == "per-draft":
        yrs = vetoes.loc[_draft_mask(vetoes, vetoer), "year"]
    elif counting == "per-member-veto":
        yrs = _member_rows(vetoes, by_member, vetoer)["year"]
    else:
        raise ValueError(f"unknown counting {counting!r}; known: {COUNTINGS}")
    return {int(y): int(n) for y, n in yrs.astype(int).value_counts().items()}


def veto_rate_ratio(
    vetoes: pd.DataFrame,
    by_member: pd.DataFrame,
    *,
    vetoer: str,
    before: str,
    after: str,
    counting: str,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    per_year: dict[int, int] | None = None,
) -> StatResult:
    """Rate ratio of vetoes per year, `after` vs `before` (exact conditional).

    `per_year` (from `vetoes_per_year` for the same vetoer and counting) shares the
    counting between specifications; without it, it is computed here."""
    for per in (before, after):
        a, b = parse_period(per)
        if b > LAST_COMPLETE_YEAR or a < FIRST_YEAR:
            return StatResult(
                method="Poisson rate ratio",
                reason=(
                    f"period {per} is not fully covered by the veto list (complete years "
                    f"{FIRST_YEAR}-{LAST_COMPLETE_YEAR}; the list ends {DATA_END.date()})"
                ),
            )
    if parse_period(before)[1] >= parse_period(after)[0]:
        raise ValueError(f"before {before} overlaps after {after}")
    if per_year is None:
        per_year = vetoes_per_year(vetoes, by_member, vetoer, counting)
    k_after, k_before = _in_period(per_year, after), _in_period(per_year, before)
    res = rate_ratio(k_after, period_years(after), k_before, period_years(before), alpha=alpha, alternative=alternative)
    res.extra.update(
        vetoes_after=k_after,
        years_after=period_years(after),
        vetoes_before=k_before,
        years_before=period_years(before),
        vetoer=vetoer,
        counting=counting,
    )
    if counting == "per-member-veto" and vetoer in ("russia-or-china", "russia-and-china-jointly"):
        res.warnings.append(
            "a joint Russia-China veto counts twice: the two vetoes are not "
            "independent events, so the interval is too narrow"
        )
    return res


def yearly_counts(
    vetoes: pd.DataFrame, by_member: pd.DataFrame, first: int = FIRST_YEAR, last: int = DATA_END.year
) -> pd.DataFrame:
    """Per year: vetoed drafts, vetoes cast by each member, Russia/China drafts, Syria drafts."""
    years = pd.Index(range(first, last + 1), name="year")
    out = pd.DataFrame(index=years)
    out["drafts_vetoed"] = vetoes.groupby("year").size().reindex(years, fill_value=0)
    for m in MEMBERS:
        out[f"vetoes_{m.lower().replace(' ', '_')}"] = (
            by_member[by_member["member"] == m].groupby("year").size().reindex(years, fill_value=0)
        )
    rc = _draft_mask(vetoes, "russia-or-china")
    joint = _draft_mask(vetoes, "russia-and-china-jointly")
    syr = vetoes["syria_conflict"].astype(bool)
    out["drafts_russia_or_china"] = vetoes[rc].groupby("year").size().reindex(years, fill_value=0)
    out["drafts_russia_and_china_jointly"] = vetoes[joint].groupby("year").size().reindex(years, fill_value=0)
    out["drafts_syria_conflict"] = vetoes[syr].groupby("year").size().reindex(years, fill_value=0)
    out["drafts_syria_conflict_russia_or_china"] = vetoes[syr & rc].groupby("year").size().reindex(years, fill_value=0)
    out["partial_year"] = out.index > LAST_COMPLETE_YEAR
    return out.reset_index().astype({c: "int64" for c in out.columns if c != "partial_year"})


def _members_on(vetoes: pd.DataFrame, draft: str) -> list[str] | None:
    row = vetoes[vetoes["draft"] == draft]
    if len(row) != 1:
        return None
    return sorted(str(m) for m in row["members_list"].iloc[0])


def _member_count(by_member: pd.DataFrame, member: str, start: str, end: str, syria: bool = False) -> int:
    m = (by_member["member"] == member) & by_member["date"].between(pd.Timestamp(start), pd.Timestamp(end))
    if syria:
        m &= by_member["syria_conflict"].astype(bool)
    return int(m.sum())


def lb1_veto_rate(claim: Claim, data: Data) -> ClaimOutput:
    vetoes = data.table("unsc_vetoes").sort_values(KEY).reset_index(drop=True)
    by_member = data.table("unsc_vetoes_by_member").sort_values(KEY + ["member"]).reset_index(drop=True)
    alpha = claim.alpha

    cache = DesignCache()

    def tables(situations: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        if situations == "all":
            return vetoes, by_member
        if situations == "without-syria":  # leave one situation out: the drafts on the Syrian conflict
            return cache.get(
                "no-syria",
                lambda: (
                    vetoes[~vetoes["syria_conflict"].astype(bool)],
                    by_member[~by_member["syria_conflict"].astype(bool)],
                ),
            )
        raise ValueError(f"unknown situations option {situations!r}")

    def spec(vetoer: str, before: str, after: str, counting: str, situations: str = "all") -> StatResult:
        v, bm = tables(situations)
        per_year = cache.get((vetoer, counting, situations), lambda: vetoes_per_year(v, bm, vetoer, counting))
        return veto_rate_ratio(
            v, bm, vetoer=vetoer, before=before, after=after, counting=counting, alpha=alpha, per_year=per_year
        )

    curve = run_curve(claim, spec)

    # ---------------------------------------------------------------- primary detail
    p = dict(claim.primary)
    two = spec(**p)
    p.pop("situations", None)
    one = veto_rate_ratio(vetoes, by_member, alpha=alpha, alternative="greater", **p)
    # the same comparison without the drafts on the Syrian conflict (the limitation:
    # the war itself raised the number of drafts put to a vote)
    nosyr = vetoes[~vetoes["syria_conflict"].astype(bool)]
    nosyr_m = by_member[~by_member["syria_conflict"].astype(bool)]
    ex_syria = veto_rate_ratio(nosyr, nosyr_m, alpha=alpha, **p)
    ex_syria_one = veto_rate_ratio(nosyr, nosyr_m, alpha=alpha, alternative="greater", **p)
    a0, a1 = parse_period(p["after"])
    b0, b1 = parse_period(p["before"])
    mask = _draft_mask(vetoes, p["vetoer"])
    listed = vetoes[mask & (vetoes["year"].between(b0, b1) | vetoes["year"].between(a0, a1))]
    drafts = [
        {
            "date": str(r.date.date()),
            "draft": str(r.draft),
            "members": sorted(str(m) for m in r.members_list),
            "crisis_topic": None if pd.isna(r.crisis_topic) else str(r.crisis_topic),
            "syria_conflict": bool(r.syria_conflict),
            "period": "after" if a0 <= r.year <= a1 else "before",
        }
        for r in listed.itertuples()
    ]
    primary_detail = json_safe(
        {
            "result": two.to_dict(),
            "one_sided_increase": {
                "p_value": one.p_value,
                "alternative": "greater",
                "method": one.method + " (one-sided p for an increase)",
            },
            "excluding_syria_conflict_drafts": {
                "result": ex_syria.to_dict(),
                "one_sided_p_increase": ex_syria_one.p_value,
                "note": "drafts on the Syrian conflict removed from both periods (crisis_topic Syria or agenda "
                "item naming Syria): the declared `situations: without-syria` specification",
            },
            "counting_convention": "per vetoed draft resolution (Dag Hammarskjold Library list); "
            "per-member-veto counts each vetoing member's veto",
            "drafts_counted": drafts,
        }
    )

    # ---------------------------------------------------------------- details
    yc = yearly_counts(vetoes, by_member)
    syria_rows = vetoes[vetoes["syria_conflict"].astype(bool)]
    syria_list = [
        {
            "date": str(r.date.date()),
            "year": int(r.year),
            "draft": str(r.draft),
            "members": sorted(str(m) for m in r.members_list),
        }
        for r in syria_rows.itertuples()
    ]
    syria_per_year = yc.loc[
        yc["year"] >= 2011, ["year", "drafts_syria_conflict", "drafts_syria_conflict_russia_or_china", "partial_year"]
    ]
    s612 = _members_on(vetoes, "S/2011/612")
    context_2011 = [
        {
            "event": "Resolution 1973 on Libya adopted, 17 March 2011",
            "fact": "10 in favour, none against, 5 abstentions (Brazil, China, Germany, India, Russia); "
            "South Africa in favour",
            "source": "published-anchors.md (Security Council and General Assembly)",
            "in_our_data": False,
            "note": "not in our data: the veto list records only vetoed drafts, not adopted resolutions",
        },
        {
            "event": "Draft S/2011/612 on Syria, 4 October 2011",
            "fact": "vetoed by China and Russia; Brazil, India, Lebanon and South Africa abstained",
            "source": "published-anchors.md (Security Council and General Assembly)",
            "in_our_data": s612 is not None,
            "ours_vetoing_members": s612,
            "note": "the vetoing members are in our data; the abstentions are not in our data",
        },
    ]
    details = json_safe(
        {
            "yearly_counts_1946_2022": yc.to_dict("records"),
            "syria_vetoes_per_year_2011_2022": syria_per_year.to_dict("records"),
            "syria_conflict_vetoed_drafts": syria_list,
            "context_2011": context_2011,
            "all_time_vetoes_by_member": {m: int((by_member["member"] == m).sum()) for m in MEMBERS},
            "all_time_vetoed_drafts": int(len(vetoes)),
        }
    )

    # ---------------------------------------------------------------- comparisons
    comparisons = published.comparisons(
        "vetoes",
        {
            "russia-2011-2019": _member_count(by_member, "Russia", "2011-01-01", "2019-12-31"),
            "russia-syria-2011-2019": _member_count(by_member, "Russia", "2011-01-01", "2019-12-31", syria=True),
            "russia-2011-2020": _member_count(by_member, "Russia", "2011-01-01", "2020-08-31"),
            "china-2011-2020": _member_count(by_member, "China", "2011-01-01", "2020-08-31"),
            "us-2011-2020": _member_count(by_member, "United States", "2011-01-01", "2020-08-31"),
            "s-2011-612": s612,
            "res-1973-vote": None,
            "all-time-by-member": {m: int((by_member["member"] == m).sum()) for m in MEMBERS},
        },
    )

    limitations = [
        f"The veto list ends {DATA_END.date()}; 2022 is partial and no declared period uses it.",
        "Rate ratios treat vetoes as Poisson events with a constant rate within each period; vetoes "
        "cluster (several Syria drafts in weeks), which makes the exact interval too narrow.",
        "For a single member the per-draft and per-member-veto conventions give identical counts, so "
        "those specifications appear twice in the curve with the same result.",
    ]
    if ex_syria.estimate is not None:
        limitations.append(
            f"Without the Syrian-conflict drafts the primary rate ratio is {ex_syria.estimate:.2f} "
            f"(95% CI {ex_syria.ci_low:.2f}-{'inf' if ex_syria.ci_high is None else f'{ex_syria.ci_high:.2f}'}): "
            "compare it with the primary estimate to see how much of the change the Syria drafts carry."
        )
    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details=details,
        comparisons=json_safe(comparisons),
        limitations=limitations,
    )
