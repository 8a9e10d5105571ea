import torch

from fedad.training.tasks import ClassificationTask, ForecastTask, objective, predict


def test_objective_adds_an_auxiliary_loss_from_a_tuple_output():
    base = torch.nn.functional.mse_loss
    y = torch.zeros(3)
    assert objective((torch.ones(3), torch.tensor(2.0)), y, base) == 3.0


def test_classification_accuracy_is_in_percent():
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
        model.bias.zero_()
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    task = ClassificationTask(x, torch.tensor([0, 1, 0]), x, torch.tensor([0, 1, 1]))
    assert abs(task.evaluate(model)["accuracy"] - 200 / 3) < 1e-4


def test_forecast_rmse_and_predict_restores_training_mode():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2), torch.nn.Unflatten(1, (2, 1)))
    model.train()
    x, y = torch.randn(5, 4, 1), torch.randn(5, 2, 1)
    task = ForecastTask(x, y, x, y)
    expected = torch.sqrt(((model(x) - y) ** 2).mean()).item()
    assert abs(task.evaluate(model)["rmse"] - expected) < 1e-6
    assert model.training and predict(model, x, batch=2).shape == (5, 2, 1)
