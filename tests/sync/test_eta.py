"""The ETA: nothing until the throughput is known and steady, then a moving average of recent work."""

from services.sync.eta import Eta, say_duration


def test_no_estimate_from_the_first_seconds_then_a_steady_one():
    eta = Eta()
    assert eta.update(0.0, 0, 100) is None
    assert eta.update(0.5, 5, 100) is None  # half a second of work says nothing yet
    for t in range(1, 6):
        eta.update(float(t), t * 10 // 2, 100)
    assert eta.seconds_left is not None
    assert abs(eta.seconds_left - (100 - 25) / 5) < 1.0  # 5 actions a second, 75 left


def test_a_burst_does_not_make_the_estimate_jump():
    eta = Eta()
    for t in range(0, 12):
        eta.update(float(t), t * 4, 400)
    steady = eta.seconds_left
    eta.update(12.2, 48 + 40, 400)  # a batch of read-backs reported at once
    assert steady and abs(eta.seconds_left - steady) / steady < 0.5


def test_say_duration_rounds_above_a_minute():
    assert say_duration(43.4) == (0, 43)
    assert say_duration(127) == (2, 5)
