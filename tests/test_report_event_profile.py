"""REPORT.md's event error profile on the fixture results: edges only or the whole event."""


from fedad.report.event_profile import adaptation, event_profile_section


def test_the_event_profile_tells_an_edge_only_forecaster_from_one_that_errs_throughout(fixture_detect_frame):
    main = fixture_detect_frame[fixture_detect_frame.variant.isin(["federated_gcm", "reference"])]
    assert adaptation(main, "power_demand", "amcnn_lstm") == "edges only"
    assert adaptation(main, "power_demand", "seasonal_naive") == "whole event"
    assert "edges only" in "\n".join(event_profile_section(fixture_detect_frame))
