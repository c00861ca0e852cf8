from __future__ import annotations

import logging

import parzen
from parzen.samplers import RandomSampler


def test_progress_bar_shows_trials_and_best_value(capsys):
    study = parzen.create_study(sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "5/5" in err
    assert f"Best value: {study.best_value:.6g}" in err


def test_progress_bar_with_timeout_only(capsys):
    study = parzen.create_study(sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), timeout=0.2, show_progress_bar=True)
    assert "100%" in capsys.readouterr().err.splitlines()[-1]  # the budget is spent in the end


def test_set_verbosity_silences_trial_lines(capsys):
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    try:
        assert parzen.logging.get_verbosity() == logging.WARNING
        parzen.create_study().optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        assert "finished with value" not in capsys.readouterr().err
    finally:
        parzen.logging.set_verbosity(parzen.logging.INFO)
    parzen.create_study().optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert "Trial 0 finished with value" in capsys.readouterr().err


def test_default_handler_can_be_disabled(capsys):
    parzen.logging.disable_default_handler()
    try:
        parzen.create_study().optimize(lambda t: 1.0, n_trials=1)
        assert "finished" not in capsys.readouterr().err
    finally:
        parzen.logging.enable_default_handler()
