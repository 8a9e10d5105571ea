import torch

from fedad.training.centralised import train_centralised
from tests.fl_helpers import blob_task, mlp


def test_centralised_training_learns_and_is_repeatable():
    task = blob_task()

    def run():
        torch.manual_seed(0)
        model = mlp()
        history = train_centralised(model, task, steps=60, batch_size=32, lr=0.1, seed=1)
        return model, history

    (m1, h1), (_m2, h2) = run(), run()
    assert task.evaluate(m1)["accuracy"] > 90
    assert [h["loss"] for h in h1] == [h["loss"] for h in h2]
