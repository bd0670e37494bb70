import pandas as pd


def test_gw_states_known_facts(table):
    gw = table("gw_states")
    assert len(gw) == 216
    usa = gw[gw.gwcode == 2].iloc[0]
    assert usa.statename == "United States of America"
    assert usa.start_date == pd.Timestamp("1816-01-01")
    # South Sudan became independent on 9 July 2011.
    ssd = gw[gw.gwcode == 626].iloc[0]
    assert ssd.start_date == pd.Timestamp("2011-07-09")
    assert gw.end_date.max() == pd.Timestamp("2017-12-31")
