"""REPORT.md's Controls section: federation, compression and the local-only control, paired against (c)."""


from fedad.report import federation_controls as report_federation
from fedad.report import frames as report_frames
from fedad.results.tables import load, paper_setting


def test_the_local_only_control_shows_the_mean_and_the_worst_device_paired_against_c(fixture_results):
    frame = load("detect", fixture_results)
    section = "\n".join(report_federation.controls_section(frame))
    rows = [line for line in section.splitlines() if "(f) local only, IID partition" in line]
    assert len(rows) == 2 and "mean over devices" in rows[0] and "worst device" in rows[1]
    # (c)'s PR-AUC is 20 + seed; a device's 10 + seed − 2·worker + 0.1·seed²: per seed the mean over devices
    # is 8, 9.1, 10.4 and the worst device (worker 2) 6, 7.1, 8.4
    assert "| 9.2 ± 1.2 (n=3)" in rows[0] and "-11.8 [" in rows[0]
    assert "| 7.2 ± 1.2 (n=3)" in rows[1] and "-13.8 [" in rows[1]
    assert "what the federation gives a device, (c) − (f)" in section and "3 devices" in rows[0]
    # the paper-setting tables never read the local-only runs
    assert report_frames.seeds_of(paper_setting(frame), "power_demand", "amcnn_lstm",
                                  "threshold_free.pr_auc") == {0: 20.0, 1: 21.0, 2: 22.0}
