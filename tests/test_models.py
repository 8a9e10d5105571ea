import numpy as np
import pytest
import torch

from fedad.models import NEURAL_FORECASTERS, build_model
from fedad.models.amcnn_lstm import AMCNNLSTM
from fedad.training.centralised import fit_centralised
from fedad.training.tasks import ForecastTask, predict


@pytest.mark.parametrize("name", NEURAL_FORECASTERS)
@pytest.mark.parametrize("dims", [1, 12])
def test_forecasters_map_windows_to_t_steps(name, dims):
    model = build_model(name, dims=dims, horizon=3, window=32).eval()
    assert model(torch.randn(4, 32, dims)).shape == (4, 3, dims)


def test_amcnn_attention_is_in_unit_interval_and_matches_cnn_shape():
    model = AMCNNLSTM(dims=2, horizon=1, window=32, channels=(4, 8)).eval()
    model(torch.randn(3, 32, 2))
    att = model.last_attention
    assert att.shape == (3, 8, 8) and att.min() >= 0 and att.max() <= 1


def test_sae_adds_its_reconstruction_loss_in_training_only():
    model = build_model("sae", dims=1, horizon=2, window=16)
    out = model.train()(torch.randn(5, 16, 1))
    assert isinstance(out, tuple) and out[1] > 0
    assert model.eval()(torch.randn(5, 16, 1)).shape == (5, 2, 1)


def test_svm_forecasts_every_step_and_channel():
    rng = np.random.default_rng(0)
    x, y = rng.random((60, 8, 2)).astype(np.float32), rng.random((60, 3, 2)).astype(np.float32)
    svm = build_model("svm", dims=2, horizon=3, window=8, max_train=40).fit(x, y)
    assert svm.predict(x).shape == (60, 3, 2) and svm.n_fit == 40


@pytest.mark.parametrize("gamma", ["scale", 0.3])
def test_svm_prediction_equals_libsvm_per_model(gamma):
    """One kernel for all T × D models gives libsvm's own predictions (on inputs it was not fitted on too)."""
    rng = np.random.default_rng(1)
    x, y = rng.random((80, 8, 2)).astype(np.float32), rng.random((80, 3, 2)).astype(np.float32)
    svm = build_model("svm", dims=2, horizon=3, window=8, max_train=50, gamma=gamma).fit(x[:60], y[:60])
    libsvm = svm.model.predict(x.reshape(80, -1)).reshape(80, 3, 2)
    np.testing.assert_allclose(svm.predict(x), libsvm, rtol=0, atol=1e-5)


def test_simple_cnn_classifies_mnist_and_cifar_shapes():
    assert build_model("simple_cnn")(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    assert build_model("simple_cnn", in_channels=3, image_size=32)(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_unknown_model_name_is_rejected():
    with pytest.raises(KeyError, match="unknown model"):
        build_model("transformer")


@pytest.mark.parametrize("name", ["amcnn_lstm", "gru"])
def test_a_model_overfits_a_tiny_series(name):
    torch.manual_seed(0)
    t = torch.arange(80, dtype=torch.float32)
    s = 0.5 + 0.4 * torch.sin(t / 2)
    x = torch.stack([s[i : i + 16] for i in range(60)]).unsqueeze(-1)
    y = torch.stack([s[i + 16 : i + 18] for i in range(60)]).unsqueeze(-1)
    task = ForecastTask(x, y, x, y, x_val=x, y_val=y)
    model = build_model(name, dims=1, horizon=2, window=16)
    before = task.evaluate(model)["rmse"]
    fit_centralised(model, task, max_epochs=300, patience=300, batch_size=60, lr=0.05, momentum=0.9)
    after = task.evaluate(model)["rmse"]
    assert after < 0.05 and after < before / 3
    assert predict(model, x).shape == (60, 2, 1)
