import dataclasses

import pytest

from fedad.federated.messages import Broadcast, UpdateMessage


def test_messages_are_immutable_and_count_their_bytes():
    m = UpdateMessage("alice", 0, b"abc", 10, 0.1, 0.01)
    assert m.nbytes == 3 and Broadcast(0, b"xy").nbytes == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.payload = b"x"
