"""REPORT.md's Eq. 9 control on the fixture results: each lead paired against the paper's setting."""

from fedad.report.eq9 import eq9_section


def test_the_eq9_section_pairs_each_lead_against_the_papers_setting(fixture_detect_frame):
    text = "\n".join(eq9_section(fixture_detect_frame))
    assert "all T leads, Σ Ledoit–Wolf (T = 168)" in text and "lead 1 alone" in text and "lead T alone" in text
    line = next(x for x in text.splitlines() if x.startswith("| Eq. 9 literal") and "all T leads" in x and "AMCNN" in x)
    assert "+5.3 [" in line and "(n=3)" in line  # 5 + 0.2·seed², paired over the three seeds
    naive = next(x for x in text.splitlines() if "all T leads" in x and "seasonal naive" in x)
    assert "+11.0 [+8.5, +13.5] (n=3)" in naive  # seasonal-naive (one run) − (c), signed as the other rows


def test_the_eq9_section_names_the_paper_data_sets_without_the_variant_and_why_where_it_cannot_be_judged(
        fixture_detect_frame):
    text = "\n".join(eq9_section(fixture_detect_frame))
    line = next(x for x in text.splitlines() if x.startswith("Not run on "))
    assert "space_shuttle" in line and "ecg" in line and "engine" in line and "power_demand" not in line
    assert "space_shuttle: its validation blocks" in line and "ecg: each record's validation block" in line
    assert "engine: its labels are the last cycles of each test engine" in line
