"""REPORT.md's label audit: the accuracy ceilings of the published and the audited labels."""


from fedad.report import claims as report_claims
from fedad.report import label_audit as report_label_audit
from fedad.results.tables import load


def test_the_label_audit_puts_both_ceilings_beside_the_papers_accuracy(fixture_results):
    section = "\n".join(report_label_audit.label_audit_section(load("detect", fixture_results)))
    assert "original (labels.json" in section and "audited (whole abnormal days)" in section
    assert " 94.97 |" in section and " 100 " in section and " 96.85 |" in section
    assert "1997-05-05 Liberation Day" in section  # what the data rule added is listed
    assert "the ceiling is 94.97 %" in section  # the paper's value is above it
    rows = {r.claim: r for r in report_claims.claim_rows(load("detect", fixture_results))}
    row = rows["Fig. 5 AMCNN-LSTM accuracy, power demand (%)"]
    assert "accuracy ceiling of the published labels 94.97 %" in row.reason
