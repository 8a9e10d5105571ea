import numpy as np
import pytest

from fedad.data.series import SeriesDataset
from fedad.data.splits import split_three_way, validation_block


def _ds(lengths, intervals):
    seqs, labs = [], []
    for n, iv in zip(lengths, intervals, strict=True):
        seqs.append(np.arange(n, dtype=np.float32)[:, None])
        lab = np.zeros(n, bool)
        for a, b in iv:
            lab[a:b] = True
        labs.append(lab)
    return SeriesDataset("x", seqs, labs, [f"s{i}" for i in range(len(lengths))], ["v"], "test")


def test_tail_is_used_when_it_holds_an_event():
    lab = np.zeros(100, bool)
    lab[75:78] = True
    assert validation_block(lab, 80, 20) == (60, 80, "tail")


def test_block_moves_to_the_last_training_event_when_the_tail_has_none():
    lab = np.zeros(100, bool)
    lab[10:14] = True
    lab[40:44] = True  # the last training event
    start, end, why = validation_block(lab, 80, 20)
    assert (start, end) == (32, 52) and lab[start:end].any() and "last training event [40, 44)" in why


def test_block_is_clipped_to_the_train_part_and_tail_rule_ignores_events():
    lab = np.zeros(100, bool)
    lab[2:4] = True
    assert validation_block(lab, 80, 20)[:2] == (0, 20)
    assert validation_block(lab, 80, 20, rule="tail")[:2] == (60, 80)


def test_time_split_fit_windows_never_overlap_validation_and_test_has_context():
    ds = _ds([100], [[(40, 44), (90, 95)]])
    split = split_three_way(ds, 0.7, 0.2, "time", "event", context=5)
    (va, vb) = split.blocks[0]["validation"]
    assert (va, vb) == (35, 49)
    fit_points = np.concatenate([s[:, 0] for s in split.fit.sequences])
    assert not np.isin(fit_points, np.arange(va, vb)).any() and fit_points.max() == 69
    val = split.validation
    assert val.context == [5] and val.sequences[0][0, 0] == va - 5 and len(val.own_labels()[0]) == vb - va
    assert split.test.context == [5] and split.test.sequences[0][5, 0] == 70
    ev = split.events()
    assert ev["validation"]["events"] == 1 and ev["test"]["events"] == 1 and ev["train"]["events"] == 0
    assert ev["train"]["points"] + ev["validation"]["points"] + ev["test"]["points"] == 100


def test_sequence_split_takes_the_last_training_sequences_for_validation():
    ds = _ds([10] * 10, [[(8, 10)]] * 10)
    split = split_three_way(ds, 0.7, 0.2, "sequences")
    assert split.fit.source == list(range(6)) and split.validation.source == [6]  # round(0.2 · 7) = 1
    assert split.test.source == [7, 8, 9]


def test_a_separate_test_set_makes_the_whole_data_set_train():
    ds, other = _ds([10] * 5, [[(8, 10)]] * 5), _ds([6, 6], [[], [(5, 6)]])
    split = split_three_way(ds, 0.7, 0.2, "sequences", test=other)
    assert len(split.fit.sequences) + len(split.validation.sequences) == 5 and split.test.source == [5, 6]


def test_bad_fractions_are_rejected():
    with pytest.raises(ValueError, match="validation_fraction"):
        split_three_way(_ds([100], [[]]), 0.7, 1.5)
    with pytest.raises(ValueError, match="rule"):
        split_three_way(_ds([100], [[]]), 0.7, 0.2, validation="middle")


def _own_values(part) -> np.ndarray:
    """The series positions a part's segments own (context dropped); _ds stores each position as its value."""
    return np.concatenate([s[c:, 0] for s, c in zip(part.sequences, part.context, strict=True)])


def test_v1_and_v2_are_disjoint_consecutive_and_v2_holds_the_whole_event():
    ds = _ds([1000], [[(400, 440), (900, 950)]])
    split = split_three_way(ds, 0.7, 0.2, "time", "event", context=5, stopping_fraction=0.5)
    block = split.blocks[0]
    (va, vb), (sa, sb), (ca, cb) = block["validation"], block["stopping"], block["calibration"]
    assert sa == va and sb == ca and cb == vb  # V1 then V2, covering the block
    v1, v2 = _own_values(split.stopping), _own_values(split.validation)
    assert not np.isin(v1, v2).any() and len(v1) + len(v2) == vb - va
    assert split.events()["validation"]["events"] == 1 and split.events()["stopping"]["events"] == 0
    assert np.isin(np.arange(400, 440), v2).all()  # the cut moved back to the event's start, not through it
    assert split.stopping.context == [5] and split.validation.context == [5]
    fit = _own_values(split.fit)
    assert not np.isin(fit, np.concatenate([v1, v2])).any()


def test_a_v1_that_would_be_too_short_falls_back_to_one_block_and_says_so():
    ds = _ds([1000], [[(400, 560)]])  # an event longer than the block starts it: V1 would keep nothing
    split = split_three_way(ds, 0.7, 0.2, "time", "event", stopping_fraction=0.5)
    assert split.stopping is None and split.stopping_part is split.validation
    assert "fallback" in split.blocks[0]["stopping_rule"]


def test_a_block_edge_inside_an_event_moves_out_to_the_event_boundary():
    ds = _ds([1000], [[(100, 130), (480, 490)]])
    lab = ds.labels[0]
    start, end, _ = validation_block(lab, 700, 140)  # centred on [480, 490): [415, 555)
    assert (start, end) == (415, 555)
    ds = _ds([1000], [[(100, 130), (400, 420), (480, 490)]])
    split = split_three_way(ds, 0.7, 0.2, "time", "event")
    assert split.blocks[0]["validation"][0] == 400  # was 415, inside [400, 420)
    assert split.events()["validation"]["events"] == 2 and split.events()["train"]["events"] == 1


def test_sequence_mode_gives_v1_the_first_validation_sequences():
    ds = _ds([10] * 20, [[(8, 10)]] * 20)
    split = split_three_way(ds, 0.7, 0.3, "sequences", stopping_fraction=0.5)  # 14 train, 4 validation
    assert split.stopping.source == [10, 11] and split.validation.source == [12, 13]
    assert split.test.source == list(range(14, 20))
