"""The matrix-profile discord reference finds a discord planted in a periodic series."""

import numpy as np
import pytest

from fedad.models.discord import discord_scores


def test_a_planted_discord_is_the_highest_score():
    rng = np.random.default_rng(0)
    t = np.arange(4000)
    x = np.sin(2 * np.pi * t / 40) + 0.05 * rng.standard_normal(t.size)
    x[3000:3020] = x[3000:3020][::-1] * 0.3  # a flattened, reversed half-cycle pair
    scores = discord_scores(x[:2000], x[2000:], 40)
    assert scores.shape == (2000,)
    assert 980 <= int(np.argmax(scores)) <= 1040  # centre of the discord, within a subsequence length
    assert np.median(scores) < 0.5 * scores.max()


def test_too_short_series_are_refused():
    with pytest.raises(ValueError, match="at least m"):
        discord_scores(np.zeros(5), np.zeros(50), 10)
