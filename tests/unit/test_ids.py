"""Ids: the family resemblance of a response's ids, seeded reproducibility, and no repeats across a fork."""

from __future__ import annotations

import os
import re

from server.engine.ids import IdFactory


def test_items_of_a_response_share_its_first_25_hex_digits() -> None:
    ids = IdFactory().for_response()
    message = ids.item("msg")
    assert re.fullmatch(r"resp_[0-9a-f]{50}", ids.response_id)
    assert re.fullmatch(r"msg_[0-9a-f]{50}", message)
    assert message[4:29] == ids.response_id[5:30]


def test_a_seed_gives_the_same_ids() -> None:
    first, second = IdFactory(seed=7), IdFactory(seed=7)
    assert [first.new("conv") for _ in range(3)] == [second.new("conv") for _ in range(3)]


def test_unseeded_factories_differ() -> None:
    assert IdFactory().hex(50) != IdFactory().hex(50)


def test_a_forked_worker_never_repeats_its_parents_ids() -> None:
    factory = IdFactory()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.close(read_end)
        os.write(write_end, " ".join(factory.hex(50) for _ in range(20)).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        child_ids = set(pipe.read().split())
    os.waitpid(pid, 0)
    parent_ids = {factory.hex(50) for _ in range(20)}
    assert len(child_ids) == 20 and not child_ids & parent_ids
