"""nnbook.timing: the variants take turns and every round is reported."""

import time

import torch

from nnbook import timing


def test_variants_take_turns_and_every_round_is_kept():
    calls = []
    steps = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    seconds = timing.interleaved(steps, rounds=3)
    assert calls == ["a", "b"] * 3
    assert set(seconds) == {"a", "b"} and all(s.shape == (3,) for s in seconds.values())


def test_durations_are_measured():
    seconds = timing.interleaved({"sleep": lambda: time.sleep(0.02), "none": lambda: None}, 2)
    assert (seconds["sleep"] >= 0.019).all() and (seconds["sleep"] < 1).all()
    assert (seconds["none"] < seconds["sleep"]).all()


def test_compare_says_faster_only_when_the_ranges_do_not_overlap():
    fast, slow = torch.tensor([1.0, 1.1, 1.2]), torch.tensor([1.3, 1.4, 1.5])
    assert timing.compare(fast, slow) == "faster than"
    assert timing.compare(slow, fast) == "slower than"
    overlap = torch.tensor([1.12, 1.18, 1.3])
    assert timing.compare(fast, overlap) == "about as fast as"
    wide = torch.tensor([0.5, 2.0, 3.0])
    assert timing.compare(fast, wide) == "neither clearly faster nor slower than"
    assert timing.compare(fast, slow, "shorter", "longer", "long") == "shorter than"
