import copy

import torch

from fedad.federated.engines.vmap import vmap_gradients
from fedad.federated.loop import FederatedTrainer
from fedad.models import build_model
from tests.fl_helpers import cfg, sine_task


def test_vmap_gives_each_workers_own_gradient_and_batchnorm_statistics():
    task = sine_task()
    trainer = FederatedTrainer(task, lambda: build_model("amcnn_lstm", dims=1, horizon=2, window=16,
                                                          channels=(4, 8), lstm_hidden=8), cfg(), seed=0)
    workers = trainer.workers
    batches = [w.next_batch() for w in workers]
    twins = [copy.deepcopy(w.model) for w in workers]
    grads, losses = vmap_gradients(workers, batches)
    assert grads.shape == (len(workers), sum(p.numel() for p in workers[0].model.parameters()))
    for w, twin, (x, y), g, loss in zip(workers, twins, batches, grads, losses, strict=True):
        w_model, w.model = w.model, twin
        ref, ref_loss = w.gradient(x, y)
        torch.testing.assert_close(g, ref, atol=2e-5, rtol=1e-4)
        assert abs(loss - ref_loss) < 1e-5
        for b_vmap, b_loop in zip(w_model.buffers(), twin.buffers(), strict=True):
            if b_vmap.is_floating_point():
                torch.testing.assert_close(b_vmap, b_loop, atol=1e-6, rtol=1e-5)
        w.model = w_model


def test_vmap_engine_trains_like_the_serial_engine():
    task = sine_task()

    def run(engine):
        t = FederatedTrainer(task, lambda: build_model("cnn_lstm", dims=1, horizon=2, window=16, channels=(4, 8),
                                                       lstm_hidden=8), cfg(engine=engine, rho=100.0, lr=0.05), seed=0)
        t.run(progress=False)
        return t.result.final["rmse"]

    assert abs(run("vmap") - run("serial")) < 1e-4
