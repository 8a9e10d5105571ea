"""REPORT.md's event error profile on the fixture results: edges only or the whole event."""


from fedad.report.event_profile import adaptation, event_profile_section


def test_the_event_profile_tells_an_edge_only_forecaster_from_one_that_errs_throughout(fixture_detect_frame):
    main = fixture_detect_frame[fixture_detect_frame.variant.isin(["federated_gcm", "reference"])]
    assert adaptation(main, "power_demand", "amcnn_lstm") == "edges only"
    assert adaptation(main, "power_demand", "seasonal_naive") == "whole event"
    assert "edges only" in "\n".join(event_profile_section(fixture_detect_frame))


def test_a_data_set_without_normal_stretches_is_named_not_dropped_silently(fixture_detect_frame):
    frame = fixture_detect_frame.copy()
    shuttle = frame.dataset == "space_shuttle"
    frame.loc[shuttle, "event_profile.normal_stretches"] = 0
    for column in [c for c in frame.columns if c.startswith("event_profile.summary.")]:
        frame.loc[shuttle, column] = float("nan")
    text = "\n".join(event_profile_section(frame))
    assert "### space_shuttle" not in text
    assert "No profile on space_shuttle: its test part holds no normal stretch" in text
    assert "No profile on" not in "\n".join(event_profile_section(fixture_detect_frame))
