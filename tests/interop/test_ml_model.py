"""A model bullion trains through XGBoost's C API is the model Python sees.

Data: `bullion generate` events turned into the DESIGN's Gold features and 30-day churn labels by
pandas (the logic of test_generator_learnable.py), written as CSV. `ml_tool train` (tests/ml) runs
the ml module on it with the seed's parameters and writes model.json, metrics.json, the test
predictions and three SVG charts. Checked here:
- Python xgboost loads model.json, sees the feature names and types, and predicts the same
  probabilities (float32: to 1e-6) as bullion, and reports the same feature importance;
- the metrics bullion logged equal scikit-learn's on bullion's predictions (to 1e-9);
- the same model logged with tracking's log_xgboost_model loads with mlflow.pyfunc and
  mlflow.xgboost and predicts the same;
- training is reproducible: same bytes again, and from the same rows in another order and format;
- the SVG charts are well-formed XML with the metrics in their titles;
- bad input gets a clear error and exit code 3.
"""
import json
import math
import os
import pathlib
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
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
from test_generator_learnable import AS_OF, FEATURES, gold, labels, read_ndjson, silver

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow  # noqa: E402
import xgboost as xgb  # noqa: E402

SEED_PARAMS = ["--param", "n_estimators=200", "--param", "max_depth=5", "--param", "learning_rate=0.05"]
INT_FEATURES = [f for f in FEATURES if f not in ("avg_events_per_day", "engagement_score")]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def ml_tool(bullion_bin):
    default = pathlib.Path(bullion_bin).parents[2] / "tests" / "ml" / "ml_tool"
    tool = pathlib.Path(os.environ.get("BULLION_ML_TOOL", default))
    if not tool.exists():
        pytest.fail(f"build the ml_tool target first ({tool})")
    return tool


def run_tool(ml_tool, *args, check=True):
    proc = subprocess.run([str(ml_tool), *map(str, args)], capture_output=True, text=True)
    if check and proc.returncode != 0:
        pytest.fail(f"ml_tool {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def gold_rows(run_bullion, tmp_path_factory):
    """Gold ⋈ labels for eight as-of dates: ~7k rows of 1.5k customers (the CI data budget)."""
    raw = tmp_path_factory.mktemp("ml-raw")
    run_bullion("generate", "--events", 100_000, "--customers", 1_500, "--seed", 5, "--files", 4, "--out", raw)
    events = silver(read_ndjson(raw))
    frames = []
    for d in AS_OF:
        f = gold(events, d)
        frames.append(f.merge(labels(events, f, d), on="customer_id"))
    df = pd.concat(frames, ignore_index=True)[["customer_id", "feature_date", *FEATURES, "churned"]]
    df["feature_date"] = df["feature_date"].astype(str)
    return df


@pytest.fixture(scope="module")
def gold_csv(gold_rows, tmp_path_factory):
    path = tmp_path_factory.mktemp("ml-data") / "gold.csv"
    gold_rows.to_csv(path, index=False)
    return path


def train(ml_tool, data, out, *extra):
    proc = run_tool(ml_tool, "train", "--data", data, "--features", ",".join(FEATURES), "--out", out, "--nthread", 2,
                    *SEED_PARAMS, *extra)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def trained(ml_tool, gold_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("ml-model")
    result = train(ml_tool, gold_csv, out)
    predictions = pd.read_csv(out / "predictions.csv", dtype={"entity": str, "feature_date": str})
    return out, result, predictions


def test_trains_a_useful_model_with_the_contracts_split(trained, gold_rows):
    out, result, predictions = trained
    customers = gold_rows["customer_id"].nunique()
    assert result["rows"] == len(gold_rows)
    assert result["test_groups"] == math.ceil(0.2 * customers)
    assert result["training_rows"] + result["test_rows"] == len(gold_rows)
    test_customers = set(predictions["entity"])
    assert len(test_customers) == result["test_groups"]
    train_customers = set(gold_rows["customer_id"]) - test_customers
    assert len(train_customers) == result["train_groups"]
    # Each customer's rows are all on one side.
    test_side = gold_rows[gold_rows["customer_id"].isin(test_customers)]
    assert len(test_side) == result["test_rows"]
    print(f"\nROC-AUC {result['metrics']['roc_auc']:.4f} on {result['test_rows']} test rows; trained in "
          f"{result['train_seconds']:.3f} s")
    assert 0.75 <= result["metrics"]["roc_auc"] <= 0.95
    assert result["params"] == {"n_estimators": "200", "learning_rate": "0.05", "max_depth": "5",
                                "objective": "binary:logistic", "tree_method": "hist", "base_score": "0.5",
                                "nthread": "2", "seed": "42"}
    assert result["xgboost_version"] == "1.7.4"
    expected_policy = os.environ.get("OMP_WAIT_POLICY", "passive")
    assert result["omp_wait_policy"] == expected_policy


def test_python_xgboost_loads_the_model_and_predicts_the_same(trained, gold_rows, gold_csv, ml_tool):
    out, result, predictions = trained
    booster = xgb.Booster(model_file=str(out / "model.json"))
    assert booster.feature_names == FEATURES
    assert booster.feature_types == ["int" if f in INT_FEATURES else "float" for f in FEATURES]
    assert booster.num_boosted_rounds() == 200
    written = json.loads((out / "model.json").read_text())["learner"]["learner_model_param"]["base_score"]
    assert written == "5E-1"  # explicit, as XGBoost 1.7 writes it; 3.x reads it as its list [5E-1]
    assert json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"] == "[5E-1]"

    test = predictions.merge(gold_rows, left_on=["entity", "feature_date"], right_on=["customer_id", "feature_date"])
    assert len(test) == len(predictions)
    assert (test["label"] == test["churned"]).all()
    ours = test["probability"].to_numpy(dtype=np.float32)
    theirs = booster.predict(xgb.DMatrix(test[FEATURES].to_numpy(dtype=np.float32), feature_names=FEATURES))
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-6)

    # Every row, in the file's order, through `ml_tool predict` (GbmModel::load + predict).
    proc = run_tool(ml_tool, "predict", "--model", out / "model.json", "--data", gold_csv)
    all_ours = np.array([float(line) for line in proc.stdout.split()], dtype=np.float32)
    all_theirs = booster.predict(xgb.DMatrix(gold_rows[FEATURES].to_numpy(dtype=np.float32), feature_names=FEATURES))
    np.testing.assert_allclose(all_theirs, all_ours, rtol=0, atol=1e-6)


def test_metrics_equal_scikit_learn_on_bullions_predictions(trained):
    _, result, predictions = trained
    y = predictions["label"].to_numpy()
    p = predictions["probability"].to_numpy(dtype=np.float32).astype(np.float64)  # what bullion evaluated
    predicted = (p > 0.5).astype(int)
    expected = {
        "roc_auc": roc_auc_score(y, p),
        "pr_auc": average_precision_score(y, p),
        "f1_score": f1_score(y, predicted, zero_division=0.0),
        "precision": precision_score(y, predicted, zero_division=0.0),
        "recall": recall_score(y, predicted, zero_division=0.0),
        "accuracy": accuracy_score(y, predicted),
        "log_loss": log_loss(y, p),
    }
    for name, value in expected.items():
        assert abs(result["metrics"][name] - value) <= 1e-9, (name, result["metrics"][name], value)
    assert result["metrics"]["num_positive"] == int(y.sum())


def test_feature_importance_is_the_boosters(trained):
    out, result, _ = trained
    booster = xgb.Booster(model_file=str(out / "model.json"))
    gain = booster.get_score(importance_type="gain")
    weight = booster.get_score(importance_type="weight")
    for entry in result["importance"]:
        name = entry["feature"]
        assert entry["weight"] == weight.get(name, 0.0), name
        assert entry["gain"] == pytest.approx(gain.get(name, 0.0), rel=1e-5), name


def test_training_is_reproducible_across_runs_row_orders_and_formats(trained, gold_rows, gold_csv, ml_tool,
                                                                     tmp_path):
    out, _, _ = trained
    again = tmp_path / "again"
    train(ml_tool, gold_csv, again)
    assert (again / "model.json").read_bytes() == (out / "model.json").read_bytes()
    assert (again / "predictions.csv").read_bytes() == (out / "predictions.csv").read_bytes()

    # The same rows shuffled, as NDJSON: bullion sorts rows by (feature_date, customer_id) first.
    shuffled = gold_rows.sample(frac=1.0, random_state=11)
    ndjson = tmp_path / "gold.ndjson"
    shuffled.to_json(ndjson, orient="records", lines=True, double_precision=15)
    from_json = tmp_path / "from-json"
    train(ml_tool, ndjson, from_json)
    assert (from_json / "model.json").read_bytes() == (out / "model.json").read_bytes()
    assert (from_json / "predictions.csv").read_bytes() == (out / "predictions.csv").read_bytes()


def test_charts_are_well_formed_svg(trained):
    out, result, _ = trained
    texts = {}
    for name in ("roc_curve.svg", "precision_recall_curve.svg", "feature_importance.svg"):
        root = ET.parse(out / name).getroot()
        assert root.tag == f"{SVG}svg"
        assert float(root.get("width")) > 300 and float(root.get("height")) > 300
        texts[name] = [t.text for t in root.iter(f"{SVG}text")]
        assert root.find(f"{SVG}polyline") is not None or name == "feature_importance.svg"
    metrics = result["metrics"]
    assert f"ROC curve (AUC = {metrics['roc_auc']:.4f})" in texts["roc_curve.svg"]
    assert {"False positive rate", "True positive rate", "chance (AUC = 0.5)"} <= set(texts["roc_curve.svg"])
    assert f"Precision-recall curve (AP = {metrics['pr_auc']:.4f})" in texts["precision_recall_curve.svg"]
    assert {"Recall", "Precision"} <= set(texts["precision_recall_curve.svg"])
    # Bars largest gain first.
    by_gain = [e["feature"] for e in sorted(result["importance"], key=lambda e: (-e["gain"], e["feature"]))]
    labels_in_order = [t for t in texts["feature_importance.svg"] if t in FEATURES]
    assert labels_in_order == by_gain


def test_mlflow_loads_the_logged_model(gold_rows, gold_csv, ml_tool, run_bullion, tmp_path):
    lakehouse = tmp_path / "lakehouse"
    out = tmp_path / "model"
    result = train(ml_tool, gold_csv, out, "--log-to", lakehouse)
    logged = result["tracking"]
    model_dir = pathlib.Path(logged["model_dir"])
    assert sorted(p.name for p in model_dir.iterdir()) == [
        "MLmodel", "conda.yaml", "model.json", "python_env.yaml", "requirements.txt"]
    assert (model_dir / "model.json").read_bytes() == (out / "model.json").read_bytes()

    predictions = pd.read_csv(out / "predictions.csv", dtype={"entity": str, "feature_date": str})
    test = predictions.merge(gold_rows, left_on=["entity", "feature_date"], right_on=["customer_id", "feature_date"])
    features = test[FEATURES]  # int64 and float64 columns, as the signature says
    ours = test["probability"].to_numpy(dtype=np.float32)

    pyfunc_model = mlflow.pyfunc.load_model(str(model_dir))
    schema = pyfunc_model.metadata.get_input_schema()
    assert [c.name for c in schema.inputs] == FEATURES
    assert [c.type.name for c in schema.inputs] == ["long" if f in INT_FEATURES else "double" for f in FEATURES]
    assert pyfunc_model.metadata.run_id == logged["run_id"]
    np.testing.assert_allclose(np.asarray(pyfunc_model.predict(features), dtype=np.float32), ours, rtol=0, atol=1e-6)

    native = mlflow.xgboost.load_model(str(model_dir))
    assert isinstance(native, xgb.Booster)
    np.testing.assert_allclose(native.predict(xgb.DMatrix(features)), ours, rtol=0, atol=1e-6)

    # The run holds the contract's params and metrics, and the charts.
    run = json.loads(run_bullion("--lakehouse", lakehouse, "runs", "show", logged["run_id"], "--json").stdout)
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    assert params["n_estimators"] == "200" and params["nthread"] == "2" and params["base_score"] == "0.5"
    assert params["feature_columns"] == ",".join(FEATURES)
    assert params["training_rows"] == str(result["training_rows"])
    metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    assert set(metrics) == {"roc_auc", "pr_auc", "f1_score", "precision", "recall", "accuracy", "log_loss"}
    assert metrics["roc_auc"] == result["metrics"]["roc_auc"]
    artifacts = lakehouse / "_tracking" / "artifacts" / run["info"]["experiment_id"] / logged["run_id"] / "artifacts"
    assert sorted(p.name for p in (artifacts / "plots").iterdir()) == [
        "feature_importance.svg", "precision_recall_curve.svg", "roc_curve.svg"]


def test_time_split_trains_on_earlier_dates(gold_csv, ml_tool, tmp_path):
    result = train(ml_tool, gold_csv, tmp_path / "by-time", "--split", "time", "--test-dates", "1")
    predictions = pd.read_csv(tmp_path / "by-time" / "predictions.csv", dtype={"feature_date": str})
    assert set(predictions["feature_date"]) == {str(max(AS_OF))}
    assert result["test_groups"] == 1 and result["train_groups"] == len(AS_OF) - 1
    assert 0.75 <= result["metrics"]["roc_auc"] <= 0.95


def test_bad_input_gets_a_clear_error(gold_rows, ml_tool, tmp_path):
    data = tmp_path / "gold.csv"
    gold_rows.to_csv(data, index=False)
    features = ",".join(FEATURES).replace("total_events", "total_event")
    proc = run_tool(ml_tool, "train", "--data", data, "--features", features, "--out", tmp_path / "x", check=False)
    assert proc.returncode == 3
    assert "feature column 'total_event' is not in the training data" in proc.stderr
    assert "did you mean 'total_events'?" in proc.stderr

    one_class = gold_rows.assign(churned=0)
    one_class.to_csv(data, index=False)
    proc = run_tool(ml_tool, "train", "--data", data, "--features", ",".join(FEATURES), "--out", tmp_path / "x",
                    check=False)
    assert proc.returncode == 3 and "has only one class: 0 positive" in proc.stderr

    gold_rows.head(0).to_csv(data, index=False)
    proc = run_tool(ml_tool, "train", "--data", data, "--features", ",".join(FEATURES), "--out", tmp_path / "x",
                    check=False)
    assert proc.returncode == 3 and "the training set is empty" in proc.stderr

    proc = run_tool(ml_tool, "train", "--data", data, "--features", "customer_id", "--out", tmp_path / "x",
                    check=False)
    assert proc.returncode == 3

    gold_rows.to_csv(data, index=False)
    proc = run_tool(ml_tool, "train", "--data", data, "--features", ",".join(FEATURES), "--out", tmp_path / "x",
                    "--param", "max_dept=3", check=False)
    assert proc.returncode == 3 and "did you mean 'max_depth'?" in proc.stderr
    assert not (tmp_path / "x" / "model.json").exists()


def test_models_of_a_newer_xgboost_are_refused_not_misread(gold_rows, gold_csv, ml_tool, tmp_path):
    """Python's xgboost 3.x writes base_score as a list ("[9.4E-2]"); libxgboost 1.7 loads such a file
    without an error and predicts different probabilities. bullion refuses it (exit 8) instead."""
    booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 3},
                        xgb.DMatrix(gold_rows[FEATURES], label=gold_rows["churned"]), 20)
    path = tmp_path / "python.json"
    booster.save_model(str(path))
    assert json.loads(path.read_text())["learner"]["learner_model_param"]["base_score"].startswith("[")
    proc = run_tool(ml_tool, "predict", "--model", path, "--data", gold_csv, check=False)
    assert proc.returncode == 8
    assert f"written by XGBoost {xgb.__version__}, newer than bullion's XGBoost 1.7.4" in proc.stderr
