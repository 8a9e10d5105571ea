"""Experiment scripts: each reads a config, runs (cached), writes results/<experiment>/*.json."""
