import numpy as np
from scipy.spatial.distance import mahalanobis

from fedad.detection.scores import GaussianErrorModel


def test_mahalanobis_score_equals_scipy_reference():
    rng = np.random.default_rng(0)
    train = rng.normal(size=(500, 4)) @ rng.normal(size=(4, 4))
    model = GaussianErrorModel.fit(train, ridge=0.0)
    mu, cov = train.mean(0), np.cov(train.T, bias=True)
    test = rng.normal(size=(20, 4))
    expected = [mahalanobis(x, mu, np.linalg.inv(cov)) ** 2 for x in test]
    np.testing.assert_allclose(model.score(test), expected, rtol=1e-6)


def test_ridge_makes_a_singular_covariance_invertible():
    x = np.random.default_rng(0).normal(size=(100, 1))
    errors = np.hstack([x, x, np.zeros((100, 1))])  # collinear and constant columns
    scores = GaussianErrorModel.fit(errors).score(errors)
    assert np.isfinite(scores).all()


def test_the_one_sided_score_ignores_errors_smaller_than_the_mean():
    rng = np.random.default_rng(0)
    model = GaussianErrorModel.fit(np.abs(rng.normal(1.0, 0.3, size=(500, 3))))
    perfect = np.zeros((1, 3))  # a perfect forecast: every error below the fitted mean
    assert model.score(perfect)[0] > 10 and model.score(perfect, one_sided=True)[0] == 0
    large = model.mean + 1.0
    assert model.score(large[None], one_sided=True)[0] == model.score(large[None])[0]
