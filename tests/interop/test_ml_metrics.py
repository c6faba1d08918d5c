"""bullion's metrics equal scikit-learn's, and bullion's seeded split is the documented algorithm.

Metrics: `ml_tool metrics` computes the contract's seven metrics with bullion's C++ code on a CSV of
(label, score); scikit-learn computes them on the same float64 arrays. They must agree to 1e-9 on
random scores, tie-heavy scores, all-equal scores, perfect and inverted rankings, and certain
(0 or 1) probabilities that exercise log_loss's clipping.

Split: the split of `include/bullion/ml/split.h` (SplitMix64, Lemire's bounded draw, Fisher-Yates
from the end, ceil(test_size * entities)) re-implemented here in a few lines of Python names the same
test entities as bullion for any seed.
"""
import json
import math
import os
import pathlib
import subprocess

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def ml_tool(bullion_bin):
    default = pathlib.Path(bullion_bin).parents[2] / "tests" / "ml" / "ml_tool"
    tool = pathlib.Path(os.environ.get("BULLION_ML_TOOL", default))
    if not tool.exists():
        pytest.fail(f"build the ml_tool target first ({tool})")
    return tool


def bullion_metrics(ml_tool, tmp_path, labels, scores):
    path = tmp_path / "scores.csv"
    with open(path, "w") as f:
        f.write("label,score\n")
        for y, s in zip(labels, scores):
            f.write(f"{int(y)},{float(s)!r}\n")
    proc = subprocess.run([str(ml_tool), "metrics", "--data", str(path)], capture_output=True, text=True, check=True)
    return {k: float(v) for k, v in json.loads(proc.stdout).items()}


def sklearn_metrics(labels, scores):
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(scores, dtype=np.float64)
    predicted = (p > 0.5).astype(np.int64)  # the contract's threshold: strictly greater
    return {
        "roc_auc": roc_auc_score(y, p),
        "pr_auc": average_precision_score(y, p),
        "f1_score": f1_score(y, predicted, zero_division=0.0),
        "precision": precision_score(y, predicted, zero_division=0.0),
        "recall": recall_score(y, predicted, zero_division=0.0),
        "accuracy": accuracy_score(y, predicted),
        "log_loss": log_loss(y, p),
    }


def cases():
    rng = np.random.default_rng(20261125)
    out = []
    for n in (2, 7, 50, 1000, 20000):
        y = rng.integers(0, 2, n)
        y[0], y[-1] = 0, 1  # both classes
        out.append((f"random-{n}", y, rng.random(n)))
        # Informative scores: positives score higher on average.
        out.append((f"informative-{n}", y, np.clip(0.35 * y + rng.normal(0.3, 0.2, n), 0, 1)))
    for n in (30, 5000):
        y = rng.integers(0, 2, n)
        y[0], y[-1] = 0, 1
        out.append((f"ties-1-decimal-{n}", y, np.round(rng.random(n), 1)))
        out.append((f"ties-coarse-{n}", y, rng.choice([0.0, 0.25, 0.5, 0.5, 0.5, 0.75, 1.0], n)))
        out.append((f"all-equal-{n}", y, np.full(n, 0.5)))
        out.append((f"all-equal-high-{n}", y, np.full(n, 0.9)))
    y = np.array([0, 0, 0, 1, 1, 1, 1])
    out.append(("perfect", y, np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9])))
    out.append(("inverted", y, np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.2, 0.1])))
    out.append(("certain-right", y, y.astype(np.float64)))
    out.append(("certain-wrong", y, 1.0 - y))
    out.append(("rare-positive", np.array([0] * 99 + [1]), np.linspace(0, 1, 100)))
    out.append(("no-predicted-positive", np.array([0, 1, 0, 1]), np.array([0.1, 0.5, 0.2, 0.3])))
    # float32 values widened to double, as bullion evaluates XGBoost's predictions.
    y = rng.integers(0, 2, 3000)
    y[0], y[-1] = 0, 1
    out.append(("float32-widened", y, rng.random(3000).astype(np.float32).astype(np.float64)))
    return out


@pytest.mark.parametrize("name,labels,scores", cases(), ids=[c[0] for c in cases()])
def test_metrics_equal_scikit_learn(ml_tool, tmp_path, name, labels, scores):
    ours = bullion_metrics(ml_tool, tmp_path, labels, scores)
    theirs = sklearn_metrics(labels, scores)
    for metric, expected in theirs.items():
        assert abs(ours[metric] - expected) <= TOLERANCE, (name, metric, ours[metric], expected)


def test_log_loss_float32_clipping_matches_a_float32_array(ml_tool, tmp_path):
    """Given float32 probabilities, scikit-learn 1.9 clips at float32's epsilon (and sums in float32):
    bullion's log_loss with kFloat32Epsilon agrees to float32 precision."""
    y = np.array([1, 0, 1, 0, 1, 1, 0])
    p = np.array([0.0, 1.0, 0.9, 0.2, 1.0, 0.6, 0.0], dtype=np.float32)
    ours = bullion_metrics(ml_tool, tmp_path, y, p.astype(np.float64))
    assert math.isclose(ours["log_loss_float32_eps"], log_loss(y, p), rel_tol=1e-6)
    assert ours["log_loss"] == pytest.approx(log_loss(y, p.astype(np.float64)), abs=TOLERANCE)
    assert abs(ours["log_loss"] - ours["log_loss_float32_eps"]) > 1  # the epsilon matters for certain mistakes


# ---- the split ---------------------------------------------------------------

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def bounded(self, n):
        m = self.next() * n
        if (m & MASK) < n:
            threshold = ((1 << 64) - n) % n
            while (m & MASK) < threshold:
                m = self.next() * n
        return m >> 64


def documented_test_entities(entities, test_size, seed):
    shuffled = sorted(set(entities), key=lambda e: e.encode())
    rng = SplitMix64(seed)
    for i in range(len(shuffled) - 1, 0, -1):
        j = rng.bounded(i + 1)
        shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
    return set(shuffled[: math.ceil(test_size * len(shuffled))])


def write_rows(path, entities, dates):
    rng = np.random.default_rng(3)
    with open(path, "w") as f:
        f.write("customer_id,feature_date,x,churned\n")
        # Written date-major in reverse: bullion sorts rows itself.
        for d in reversed(dates):
            for i, e in enumerate(entities):
                f.write(f"{e},{d},{rng.random()!r},{i % 3 == 0:d}\n")


@pytest.mark.parametrize("seed,test_size", [(42, 0.2), (0, 0.2), (7, 0.25), (2**63 - 1, 0.5), (123456789, 0.1)])
def test_split_is_the_documented_algorithm(ml_tool, tmp_path, seed, test_size):
    entities = [f"C{i:07d}" for i in range(997)] + ["Z-last", "a-lower", "É-utf8"]
    data = tmp_path / "rows.csv"
    write_rows(data, entities, ["2025-03-01", "2025-03-15"])
    proc = subprocess.run([str(ml_tool), "split", "--data", str(data), "--features", "x", "--seed", str(seed),
                           "--test-size", repr(test_size)], capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    expected = documented_test_entities(entities, test_size, seed)
    assert set(out["test_entities"]) == expected
    assert set(out["train_entities"]) == set(entities) - expected
    assert out["test_rows"] == 2 * len(expected)
    # Rows are ordered by (feature_date, entity bytes) before the split.
    assert out["first_row"] == ["C0000000", "2025-03-01"]
    assert out["last_row"] == ["É-utf8", "2025-03-15"]


def test_split_by_time_tests_on_the_latest_dates(ml_tool, tmp_path):
    data = tmp_path / "rows.csv"
    write_rows(data, [f"E{i}" for i in range(30)], ["2025-03-01", "2025-03-15", "2025-04-01", "2025-04-15"])
    proc = subprocess.run([str(ml_tool), "split", "--data", str(data), "--features", "x", "--split", "time",
                           "--test-dates", "2"], capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    assert out["test_rows"] == 60 and out["train_rows"] == 60
    assert out["test_entities"] == out["train_entities"]  # every entity appears at every date
