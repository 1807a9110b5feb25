"""Timing variants fairly: in turns, repeated (Minibatch SGD, A shorter backward pass, torch.nn)."""

import time

import torch


def interleaved(steps, rounds):
    """Seconds of each call steps[name](), the variants taking turns, `rounds` times.

    Returns {name: tensor of `rounds` durations}. Taking turns exposes every variant to the
    same disturbances (another program, the processor's clock), and the rounds show the spread.
    """
    seconds = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            seconds[name].append(time.perf_counter() - start)
    return {name: torch.tensor(durations) for name, durations in seconds.items()}


def compare(seconds_a, seconds_b, less="faster", more="slower", same="fast"):
    """How a's rounds compare with b's, in words, for a sentence "a was ... b".

    `less` or `more` ("faster than", "slower than") only if the two ranges of rounds do not
    overlap; if they overlap, "about as fast as" when the medians are within 10% of each
    other, else "neither clearly faster nor slower than".
    """
    if seconds_a.max() < seconds_b.min():
        return f"{less} than"
    if seconds_a.min() > seconds_b.max():
        return f"{more} than"
    if 0.9 < seconds_a.median() / seconds_b.median() < 1.1:
        return f"about as {same} as"
    return f"neither clearly {less} nor {more} than"
