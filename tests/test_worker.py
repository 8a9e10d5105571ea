import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedad.compression.codec import CodecError, decode, encode_dense
from fedad.federated.flat import flat_params
from fedad.federated.messages import Broadcast
from fedad.federated.worker import BatchSampler, VirtualWorker, worker_name
from tests.codec_strategies import corrupted, random_update
from tests.fl_helpers import blob_task, cfg, mlp


def _worker(**kw):
    task = blob_task()
    return VirtualWorker("alice", task.x_train[:40], task.y_train[:40], mlp(), task.loss, cfg(**kw), seed=0)


def test_sampler_covers_every_sample_once_per_local_epoch():
    s = BatchSampler(20, 5, seed=0)
    seen = torch.cat([s.next() for _ in range(4)])
    assert sorted(seen.tolist()) == list(range(20))


def test_worker_names_follow_pysyft_tutorials():
    assert [worker_name(k) for k in (0, 1, 10)] == ["alice", "bob", "worker10"]


def test_dsgd_update_is_one_batch_gradient_and_fedavg_update_is_the_local_steps_delta():
    w = _worker()
    before = flat_params(w.model).clone()
    update, loss = w.compute_update(w.next_batch())
    assert update.shape == before.shape and loss > 0 and torch.equal(flat_params(w.model), before)
    f = _worker(mode="fedavg", memory="residual", local_steps=3, lr=0.1)
    before = flat_params(f.model).clone()
    delta, _ = f.compute_update()
    assert delta.abs().sum() > 0 and torch.equal(flat_params(f.model), before)  # the replica waits for the broadcast


def test_weight_decay_enters_the_local_gradient():
    w0, w1 = _worker(weight_decay=0.0), _worker(weight_decay=0.5)
    w1.model.load_state_dict(w0.model.state_dict())
    x, y = w0.next_batch()
    g0, _ = w0.gradient(x, y)
    g1, _ = w1.gradient(x, y)
    params = torch.cat([p.detach().reshape(-1) for p in w0.model.parameters()])
    torch.testing.assert_close(g1 - g0, 0.5 * params)


def test_empty_partition_is_rejected():
    with pytest.raises(ValueError, match="non-empty"):
        VirtualWorker("x", torch.zeros(0, 2), torch.zeros(0), mlp(), None, cfg(), 0)


# -- a corrupt broadcast is reported and changes nothing -----------------------------------------------

def _snapshot(w: VirtualWorker) -> tuple[torch.Tensor, list[torch.Tensor]]:
    return flat_params(w.model).clone(), [v.clone() for v in w.model.state_dict().values()]


def test_a_corrupt_broadcast_raises_a_codec_error_naming_the_worker_and_changes_nothing():
    w = _worker(memory="momentum")
    before = _snapshot(w)
    n = w.n_params
    for payload in (encode_dense(torch.ones(n + 1)), encode_dense(torch.full((n,), float("inf"))), b"FD\x01"):
        with pytest.raises(CodecError, match="alice: rejected the broadcast of round 3"):
            w.receive(Broadcast(3, payload))
        after = _snapshot(w)
        assert torch.equal(after[0], before[0]) and all(map(torch.equal, after[1], before[1]))


# 200 broadcasts, each a valid change damaged by bit flips, truncation or changed header fields.
@settings(max_examples=200, deadline=None, derandomize=True)
@given(data=st.data())
def test_a_damaged_broadcast_is_applied_whole_or_not_at_all(data):
    w = _worker(memory="momentum")
    n = w.n_params
    payload, certainly_invalid = data.draw(corrupted(random_update(n, 20.0, data.draw(st.integers(0, 10**6)))))
    before = _snapshot(w)
    try:
        w.receive(Broadcast(0, payload))
    except CodecError:
        after = _snapshot(w)
        assert torch.equal(after[0], before[0]) and all(map(torch.equal, after[1], before[1]))
        return
    assert not certainly_invalid
    assert torch.equal(flat_params(w.model), before[0] + decode(payload).to_dense())
