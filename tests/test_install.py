"""What `make`'s set-up (requirements/install.py) leaves in the .venv it makes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def test_the_set_up_leaves_the_installed_packages_compiled_to_bytecode():
    # where PYTHONDONTWRITEBYTECODE is set, a .venv without bytecode compiles torch, flwr and syft from source
    # again in every process it starts (each test worker, Flower node and notebook kernel)
    if not (Path(sys.prefix) / ".fedad-installed").is_file():
        pytest.skip("not a .venv that make set up")
    import torch

    for module in (torch, importlib.import_module("torch.nn.modules.module"), importlib.import_module("numpy")):
        assert Path(importlib.util.cache_from_source(module.__file__)).is_file(), module.__name__
