import pytest
import torch

from fedad.compression.codec import decode
from fedad.federated.worker import BatchSampler, VirtualWorker, worker_name
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


def test_local_work_returns_bytes_and_keeps_the_unsent_part():
    w = _worker(rho=10.0, memory="residual")
    x, y = w.next_batch()
    grad, _ = w.gradient(x, y)
    msg = w.local_work(0, grad, 0.5)
    sent = decode(msg.payload).to_dense()
    assert isinstance(msg.payload, bytes) and msg.worker_id == "alice" and msg.n_samples == 40
    assert int((sent != 0).sum()) == -(-grad.numel() * 10 // 100)
    torch.testing.assert_close(sent + w.memory.residual, grad)


def test_weight_decay_enters_the_local_gradient():
    w0, w1 = _worker(weight_decay=0.0), _worker(weight_decay=0.5)
    w1.model.load_state_dict(w0.model.state_dict())
    x, y = w0.next_batch()
    g0, _ = w0.gradient(x, y)
    g1, _ = w1.gradient(x, y)
    params = torch.cat([p.detach().reshape(-1) for p in w0.model.parameters()])
    torch.testing.assert_close(g1 - g0, 0.5 * params)


def test_non_finite_update_raises_before_touching_memory():
    w = _worker()
    with pytest.raises(FloatingPointError):
        w.local_work(0, torch.full((w.model[0].weight.numel() + 3 + 16 * 3 + 16,), float("nan")), 0.0)
    assert w.memory.residual is None


def test_empty_partition_is_rejected():
    with pytest.raises(ValueError, match="non-empty"):
        VirtualWorker("x", torch.zeros(0, 2), torch.zeros(0), mlp(), None, cfg(), 0)
