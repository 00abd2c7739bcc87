"""Ids: the family resemblance of a response's ids, seeded reproducibility, and no repeats across a fork."""

from __future__ import annotations

import os
import re
import time

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


def test_unseeded_ids_have_the_real_layout_and_sort_in_the_order_they_were_made() -> None:
    factory = IdFactory()
    made = [factory.for_response().response_id for _ in range(300)]
    made += [factory.new("conv") for _ in range(300)]
    responses, conversations = made[:300], made[300:]
    assert responses == sorted(responses) and conversations == sorted(conversations)
    for rid in responses:  # 16 hex of stem (this process's 10, a counter's 6), 00, the Unix time in 8 hex, 24 more
        found = re.fullmatch(r"resp_([0-9a-f]{10})[0-9a-f]{6}00([0-9a-f]{8})[0-9a-f]{24}", rid)
        assert found is not None and found.group(1) == responses[0][5:15]
        assert abs(int(found.group(2), 16) - time.time()) < 60
    assert len({rid[5:30] for rid in responses}) == 300  # each response's family stem is its own


def test_items_of_later_responses_sort_after_those_of_earlier_ones() -> None:
    factory = IdFactory()
    families = [factory.for_response() for _ in range(50)]
    items = [ids.item("msg") for ids in families]
    assert items == sorted(items)
    assert all(item[4:29] == ids.response_id[5:30] for item, ids in zip(items, families, strict=True))


def test_a_seed_gives_the_ids_it_gave_before_ids_were_ordered() -> None:
    factory = IdFactory(seed=3)
    ids = factory.for_response()
    assert ids.response_id == "resp_28b529b4a97b750923ceb3ffd79a9a80fdea7b5bf55eb561a4"
    assert ids.item("msg") == "msg_28b529b4a97b750923ceb3ffd910c67fd994b2b8fda02f34a6"
    assert factory.new("conv") == "conv_3b8d0038ec42650644781f9c58d6645fa9e8a8529f035efa25"
