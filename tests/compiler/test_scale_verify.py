"""The compiler's whole-circuit check on wide circuits: states, threads, time budget."""

from __future__ import annotations

import numpy as np
import pytest

import hpcq
from hpcq.ir import Circuit


def _wide(num_qubits: int, layers: int, seed: int) -> Circuit:
    rng = np.random.default_rng(seed)
    c = Circuit(num_qubits)
    for layer in range(layers):
        for q in range(num_qubits):
            c.u3(*rng.uniform(-3, 3, 3), q).rz(0.1, q)
        for q in range(layer % 2, num_qubits - 1, 2):
            c.cx(q, q + 1).cx(q, q + 1).cx(q, q + 1)
    return c


def test_22_qubits_checked_on_a_state_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPCQ_VERIFY_BUDGET", "3600")
    result = hpcq.compile(_wide(22, 3, 1), 1, seed=2)
    check = result.stats["verify"]
    assert check["method"] == "states" and check["ok"] and check["num_states"] == 1
    assert check["distance"] < 1e-6
    # the estimate is made before the check starts, from a timed sample of every stage
    assert check["estimated_seconds"] is not None and check["estimated_seconds"] > 0
    assert check["num_stages"] >= 1 and check["threads"] == 1  # serial: one thread
    assert result.stats["after"]["cx"] == result.stats["before"]["cx"] // 3


def test_over_budget_falls_back_to_the_error_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPCQ_VERIFY_BUDGET", "0.000001")
    result = hpcq.compile(_wide(22, 2, 3), 1, seed=2)
    check = result.stats["verify"]
    assert check["method"] == "blocks" and check["ok"] and check["distance"] is None
    assert "HPCQ_VERIFY_BUDGET" in check["reason"] and "estimated" in check["reason"]


def test_budget_zero_means_no_limit_and_nonsense_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hpcq import _config

    monkeypatch.setenv("HPCQ_VERIFY_BUDGET", "0")
    assert _config.verify_budget() is None
    monkeypatch.setenv("HPCQ_VERIFY_BUDGET", "soon")
    with pytest.raises(ValueError, match="HPCQ_VERIFY_BUDGET"):
        hpcq.compile(_wide(14, 1, 1), 1)
