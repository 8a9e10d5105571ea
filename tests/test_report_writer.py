"""REPORT.md as a whole, written from the fixture results."""

from tests.result_fixture import fill_results


def test_the_report_states_the_malhotra_anchor_as_not_done_and_quotes_no_number_of_theirs(tmp_path):
    from fedad.report import writer as report

    text = report.build_report(fill_results(tmp_path))
    section = text.split("## Outside anchor: Malhotra et al. (2015) — not done")[1].split("\n## ")[0]
    assert "none of their numbers is quoted" in section and not any(ch.isdigit() for ch in section.replace(
        "2015", "").replace("F0.1", ""))
    assert "## Learning rates" in text and "## Training search" in text  # no search in the fixture: both say so
