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


def test_centralised_training_resumes_from_a_checkpoint_exactly():
    task = blob_task()
    torch.manual_seed(0)
    straight = mlp()
    twin_init = {k: v.clone() for k, v in straight.state_dict().items()}
    train_centralised(straight, task, steps=20, batch_size=16, lr=0.1, seed=2)
    saved = []
    torch.manual_seed(0)
    first = mlp()
    first.load_state_dict(twin_init)

    class Crash(Exception):
        pass

    def keep_then_crash(state):
        saved.append(state)
        raise Crash

    try:
        train_centralised(first, task, steps=20, batch_size=16, lr=0.1, seed=2, checkpoint=keep_then_crash,
                          checkpoint_every=7)
    except Crash:
        pass
    resumed = mlp()
    history = train_centralised(resumed, task, steps=20, batch_size=16, lr=0.1, seed=2, resume=saved[0])
    assert len(history) == 20 and saved[0]["step"] == 7
    for a, b in zip(resumed.parameters(), straight.parameters(), strict=True):
        assert torch.equal(a, b)
