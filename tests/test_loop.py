import copy

import pytest
import torch

from fedad.federated.flat import flat_params
from fedad.federated.loop import EpochBudget, FederatedTrainer, build_trainer, rounds_for, rounds_per_epoch
from fedad.federated.network import round_link_seconds
from fedad.federated.worker import BatchSampler
from tests.fl_helpers import blob_task, cfg, mlp


def _pooled_momentum_sgd(task, config, seed, trainer):
    """Momentum SGD on the pooled batches that the workers draw, with one optimiser."""
    torch.manual_seed(0)
    model = copy.deepcopy(trainer.model)
    samplers = [BatchSampler(w.n_samples, config.batch_size, seed * 1000 + k) for k, w in enumerate(trainer.workers)]
    opt = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    for _ in range(config.rounds):
        opt.zero_grad()
        loss = 0
        for w, s in zip(trainer.workers, samplers, strict=True):
            idx = s.next()
            loss = loss + task.loss(model(w._x[idx]), w._y[idx]) / len(samplers)
        loss.backward()
        opt.step()
    return flat_params(model)


@pytest.mark.parametrize("memory", ["momentum", "residual"])
def test_rho_100_matches_momentum_sgd_on_pooled_data(memory):
    task, config = blob_task(), cfg(rho=100.0, memory=memory, rounds=6)
    # the reference needs the initial weights before training: build it from an untrained twin
    twin = FederatedTrainer(task, mlp, config, seed=1)
    expected = _pooled_momentum_sgd(task, config, 1, twin)
    trainer = FederatedTrainer(task, mlp, config, seed=1)
    trainer.run(progress=False)
    torch.testing.assert_close(flat_params(trainer.aggregator.model), expected, atol=1e-5, rtol=1e-5)


def test_rho_100_with_no_momentum_matches_plain_sgd():
    task, config = blob_task(), cfg(rho=100.0, memory="residual", momentum=0.0)
    twin = FederatedTrainer(task, mlp, config, seed=2)
    expected = _pooled_momentum_sgd(task, config, 2, twin)
    trainer = FederatedTrainer(task, mlp, config, seed=2)
    trainer.run(progress=False)
    torch.testing.assert_close(flat_params(trainer.aggregator.model), expected, atol=1e-5, rtol=1e-5)


def test_same_seed_gives_identical_runs_and_another_seed_does_not():
    task = blob_task()

    def run(seed):
        t = FederatedTrainer(task, mlp, cfg(rho=5.0, value_format="fp16"), seed=seed)
        res = t.run(progress=False)
        return flat_params(t.aggregator.model), [r["bytes_up"] for r in res.records]

    (a, ba), (b, bb), (c, _) = run(3), run(3), run(4)
    assert torch.equal(a, b) and ba == bb and not torch.equal(a, c)


def test_replicas_follow_the_global_model():
    trainer = FederatedTrainer(blob_task(), mlp, cfg(rho=1.0, value_format="fp16"), seed=0)
    trainer.run(progress=False)
    assert trainer.replicas_in_sync()


def test_records_hold_bytes_times_and_link_seconds():
    trainer = FederatedTrainer(blob_task(), mlp, cfg(rounds=3), seed=0)
    res = trainer.run(progress=False)
    rec = res.records[0]
    assert len(rec["bytes_up"]) == 4 and rec["bytes_down"] > 0 and rec["link_s"] > 0.05
    assert len(rec["compute_s"]) == 4 and res.records[-1]["aggregate_s"] == trainer.aggregator.last_aggregate_s
    assert rec["link_s"] == round_link_seconds(trainer.config.link, rec["bytes_up"], rec["bytes_down"])
    totals = res.totals(trainer.n_params)
    assert totals["bytes_up"] == sum(sum(r["bytes_up"]) for r in res.records)
    assert totals["upload_compression_ratio"] > 1


def test_resume_from_checkpoint_continues_identically():
    task, config = blob_task(), cfg(rounds=6, rho=5.0)
    straight = FederatedTrainer(task, mlp, config, seed=5)
    straight.run(progress=False)
    saved = []

    class Crash(Exception):
        pass

    def checkpoint_then_crash(state):
        saved.append(copy.deepcopy(state))
        raise Crash

    first = FederatedTrainer(task, mlp, config, seed=5)
    with pytest.raises(Crash):
        first.run(progress=False, checkpoint=checkpoint_then_crash, checkpoint_every=3 / first.rounds_per_epoch)
    resumed = FederatedTrainer(task, mlp, config, seed=5)
    resumed.load_state_dict(saved[0])
    assert resumed.start_round == 3
    resumed.run(progress=False)
    assert torch.equal(flat_params(resumed.aggregator.model), flat_params(straight.aggregator.model))
    assert len(resumed.result.records) == 6


def test_fedavg_mode_trains():
    task = blob_task()
    trainer = FederatedTrainer(task, mlp, cfg(mode="fedavg", memory="residual", local_steps=3, rho=20.0,
                                              rounds=15), seed=0)
    res = trainer.run(progress=False)
    assert res.final["accuracy"] > 80


def test_a_hostile_upload_every_round_is_recorded_as_dropped_and_the_run_matches_one_without_it():
    from fedad.federated.backends.inprocess import InProcessBackend
    from fedad.federated.messages import UpdateMessage
    from tests.codec_strategies import delta_indices, handmade

    class WithMallory(InProcessBackend):
        """The workers' uploads plus one from a device that sends index gaps past the model's end."""

        def collect(self, workers, round_idx):
            messages, dropped = super().collect(workers, round_idx)
            n = sum(p.numel() for p in workers[0].model.parameters())
            payload = handmade(1, 0, n, 2, delta_indices([0, 10 * n]) + bytes(8))
            return [*messages, UpdateMessage("mallory", round_idx, payload, 10, 0.0, 0.0)], dropped

    task, config = blob_task(), cfg(rounds=3)
    attacked_trainer = FederatedTrainer(task, mlp, config, seed=0, backend=WithMallory(config, torch.device("cpu")))
    attacked = attacked_trainer.run(False)
    clean_trainer = FederatedTrainer(task, mlp, config, seed=0)
    clean_trainer.run(False)
    assert [[d["worker"] for d in r["dropped"]] for r in attacked.records] == [["mallory"]] * 3
    assert all("indices run past" in r["dropped"][0]["reason"] for r in attacked.records)
    assert torch.equal(flat_params(attacked_trainer.model), flat_params(clean_trainer.model))


def test_rounds_per_epoch_counts_every_workers_batch_and_local_step():
    config = cfg(n_workers=4, batch_size=8, mode="fedavg", memory="residual", local_steps=3)
    assert rounds_per_epoch(960, config) == 10.0  # 960 samples / (4 · 8 · 3)
    assert rounds_for(2.5, 960, config) == 25 and rounds_for(0.01, 960, config) == 1


def test_a_budget_sets_rounds_evaluations_and_early_stopping_in_epochs():
    task = blob_task()  # 300 training samples: 9.375 rounds an epoch at 4 workers × 8
    trainer = build_trainer(task, mlp, cfg(rounds=1).to_dict(), 0, EpochBudget(4, eval_every=0.5, patience=2))
    assert trainer.config.rounds == 38 and trainer.config.eval_every == 5
    assert trainer.stopper.patience == 2
    plain = build_trainer(task, mlp, cfg(rounds=7).to_dict(), 0)
    assert plain.config.rounds == 7 and plain.stopper is None


def test_a_checkpoint_of_the_older_per_worker_layout_is_refused_with_what_to_do():
    trainer = FederatedTrainer(blob_task(), mlp, cfg(rounds=2), seed=0)
    state = trainer.state_dict()
    del state["backend"]
    with pytest.raises(ValueError, match=r"older fedad.*delete the file"):
        FederatedTrainer(blob_task(), mlp, cfg(rounds=2), seed=0).load_state_dict(state)
