import pytest
import torch

from fedad.compression.base import Compressed
from fedad.compression.codec import encode
from fedad.federated.aggregator import CloudAggregator
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.federated.messages import UpdateMessage
from tests.fl_helpers import blob_task, cfg, mlp


def _msg(wid, values, n=10):
    return UpdateMessage(wid, 0, encode(Compressed(values, None, values.numel(), "fp32")), n, 0.0, 0.0)


def test_fedavg_adds_the_mean_delta_eq4():
    model = torch.nn.Linear(2, 1)
    agg = CloudAggregator(model, cfg(mode="fedavg", memory="residual", compressor="none"))
    start = flat_params(model).clone()
    agg.aggregate([_msg("a", torch.ones(3)), _msg("b", 3 * torch.ones(3))], 0)
    torch.testing.assert_close(flat_params(model), start + 2.0)


def test_sample_weighting_weights_by_partition_size():
    model = torch.nn.Linear(2, 1)
    agg = CloudAggregator(model, cfg(mode="fedavg", memory="residual", compressor="none", weighting="samples"))
    start = flat_params(model).clone()
    agg.aggregate([_msg("a", torch.zeros(3), n=30), _msg("b", 4 * torch.ones(3), n=10)], 0)
    torch.testing.assert_close(flat_params(model), start + 1.0)


def test_dsgd_steps_against_the_mean_gradient_eq12():
    model = torch.nn.Linear(2, 1)
    agg = CloudAggregator(model, cfg(compressor="none", lr=0.5, memory="momentum"))
    start = flat_params(model).clone()
    agg.aggregate([_msg("a", torch.ones(3)), _msg("b", torch.ones(3))], 0)
    torch.testing.assert_close(flat_params(model), start - 0.5)


def test_wrong_size_update_is_rejected():
    agg = CloudAggregator(torch.nn.Linear(2, 1), cfg(compressor="none"))
    with pytest.raises(ValueError, match="entries"):
        agg.decode_update(_msg("a", torch.ones(4)))
    with pytest.raises(TypeError):
        agg.decode_update(torch.ones(3))


def test_aggregator_receives_only_encoded_messages_and_holds_no_samples(monkeypatch):
    task = blob_task()
    trainer = FederatedTrainer(task, mlp, cfg(rounds=3), seed=0)
    seen = []
    original = trainer.aggregator.aggregate

    def spy(messages, round_idx):
        seen.extend(messages)
        return original(messages, round_idx)

    monkeypatch.setattr(trainer.aggregator, "aggregate", spy)
    trainer.run(progress=False)
    dense_bytes = 4 * trainer.n_params
    for m in seen:
        assert type(m) is UpdateMessage and type(m.payload) is bytes
        assert {type(getattr(m, f)) for f in ("worker_id", "round", "n_samples", "loss", "compute_s")} <= {str, int, float}
        assert len(m.payload) <= dense_bytes + 16  # an update, never a batch of samples
    train_bytes = task.x_train.numel() * 4
    assert len(seen) == 12 and sum(len(m.payload) for m in seen) < train_bytes
    # nothing the aggregator keeps is (or views) the training data
    for value in vars(trainer.aggregator).values():
        tensors = [value] if isinstance(value, torch.Tensor) else []
        if isinstance(value, torch.nn.Module):
            tensors = list(value.parameters()) + list(value.buffers())
        for t in tensors:
            assert t.untyped_storage().data_ptr() != task.x_train.untyped_storage().data_ptr()
            assert t.shape != task.x_train.shape
