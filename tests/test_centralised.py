import torch

from fedad.training.centralised import fit_centralised
from fedad.training.tasks import ClassificationTask
from tests.fl_helpers import blob_task, mlp


def _task() -> ClassificationTask:
    """The blob task with its test part also as validation (what early stopping reads)."""
    task = blob_task()
    task.x_val, task.y_val = task.x_test, task.y_test
    return task


def test_centralised_training_learns_and_is_repeatable():
    task = _task()

    def run():
        torch.manual_seed(0)
        model = mlp()
        out = fit_centralised(model, task, max_epochs=6, patience=6, batch_size=32, lr=0.1, seed=1)
        return model, out

    (m1, h1), (_m2, h2) = run(), run()
    assert task.evaluate(m1)["accuracy"] > 90
    assert [h["train_loss"] for h in h1["history"]] == [h["train_loss"] for h in h2["history"]]


def test_centralised_training_resumes_from_a_checkpoint_exactly():
    task = _task()
    kw = {"max_epochs": 6, "patience": 6, "batch_size": 16, "lr": 0.1, "seed": 2}
    torch.manual_seed(0)
    straight = mlp()
    twin_init = {k: v.clone() for k, v in straight.state_dict().items()}
    fit_centralised(straight, task, **kw)
    saved = []
    first = mlp()
    first.load_state_dict(twin_init)

    class Crash(Exception):
        pass

    def keep_then_crash(state):
        saved.append(state)
        raise Crash

    try:
        fit_centralised(first, task, checkpoint=keep_then_crash, checkpoint_every=2, **kw)
    except Crash:
        pass
    resumed = mlp()
    out = fit_centralised(resumed, task, resume=saved[0], **kw)
    assert len(out["history"]) == 6 and saved[0]["epoch"] == 2
    for a, b in zip(resumed.parameters(), straight.parameters(), strict=True):
        assert torch.equal(a, b)
