"""`bullion train` and `bullion reproduce` against real peers.

One lakehouse for the module: `bullion generate` → `bullion run` (weekly Gold
dates) → `bullion train`. Checked here:
- the logged MLflow model loads with `mlflow.pyfunc` (from its directory and as
  `models:/<name>/<version>` through `bullion serve`) and predicts, on the Gold
  rows delta-rs reads at the logged version, the probabilities bullion logged;
- the logged metrics equal scikit-learn's on the logged test predictions;
- the MLflow client sees the run, its input versions and lineage;
- after more Gold dates arrive and a second model is trained, `reproduce` of
  the first run time-travels to its versions and matches byte for byte;
- after delta-rs VACUUMs files the logged version needs, `reproduce` says so.
"""
import io
import json
import math
import os

import numpy as np
import pandas as pd
import pytest
from deltalake import DeltaTable
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from test_mlflow_client import Server  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = "churn-prediction-gbm"


@pytest.fixture(scope="module")
def lake(tmp_path_factory, run_bullion):
    root = tmp_path_factory.mktemp("train") / "lh"
    run_bullion("generate", "--events", "60k", "--seed", "11", "--files", "2", "--out", root / "raw")
    with open(os.path.join(ROOT, "examples", "churn", "pipeline.yaml")) as f:
        spec = f.read().replace("path: data/raw/events/", "path: raw/")
    (root / "pipeline.yaml").write_text(spec)
    run_bullion("--lakehouse", root, "run", root / "pipeline.yaml", "--as-of", "2025-02-01..2025-03-29", "--every", "7d")
    first = json.loads(run_bullion("--lakehouse", root, "train", root / "pipeline.yaml", "--json").stdout)
    return root, first


def test_logged_model_predicts_the_logged_probabilities_in_mlflow(lake, run_bullion):
    root, first = lake
    predictions = pd.read_csv(
        io.StringIO(open(artifact(root, first, "test_predictions.csv")).read()), dtype={"entity": str}
    )
    assert len(predictions) == first["test_rows"]
    gold = DeltaTable(str(root / "churn/gold/features"), version=first["features"]["version"]).to_pandas()
    gold["feature_date"] = pd.to_datetime(gold["feature_date"]).dt.strftime("%Y-%m-%d")
    rows = predictions.merge(
        gold, left_on=["entity", "feature_date"], right_on=["customer_id", "feature_date"], how="left"
    )
    assert rows["customer_id"].notna().all()
    shown = json.loads(run_bullion("--lakehouse", root, "runs", "show", first["run_id"], "--json").stdout)
    features = json.loads(next(p["value"] for p in shown["data"]["params"] if p["key"] == "feature_columns"))
    assert len(features) == 10
    model = mlflow.pyfunc.load_model(first["model_dir"])
    np.testing.assert_allclose(model.predict(rows[features]), rows["probability"], rtol=1e-6, atol=1e-7)


def test_logged_metrics_equal_scikit_learn(lake):
    root, first = lake
    p = pd.read_csv(artifact(root, first, "test_predictions.csv"), dtype={"entity": str})
    y, s = p["label"].to_numpy(), p["probability"].to_numpy()
    expected = {
        "roc_auc": roc_auc_score(y, s),
        "pr_auc": average_precision_score(y, s),
        "f1_score": f1_score(y, s > 0.5),
        "precision": precision_score(y, s > 0.5, zero_division=0),
        "recall": recall_score(y, s > 0.5),
        "accuracy": accuracy_score(y, s > 0.5),
        "log_loss": log_loss(y, s),
    }
    for name, value in expected.items():
        assert math.isclose(first["metrics"][name], value, rel_tol=1e-9, abs_tol=1e-12), name


def test_mlflow_client_sees_the_run_inputs_and_registered_model(lake, bullion_bin):
    root, first = lake
    server = Server(bullion_bin, root)
    try:
        mlflow.set_tracking_uri(server.uri)
        client = MlflowClient(server.uri)
        run = client.get_run(first["run_id"])
        assert run.info.status == "FINISHED"
        params = run.data.params
        assert params["delta_feature_version"] == str(first["features"]["version"])
        assert params["delta_labels_version"] == str(first["labels"]["version"])
        assert params["delta_version.churn.silver.customers"] == str(
            DeltaTable(str(root / "churn/silver/customers")).version()
        )
        assert params["n_estimators"] == "200" and params["learning_rate"] == "0.05" and params["max_depth"] == "5"
        assert params["training_rows"] == str(first["training_rows"])
        assert run.data.metrics["roc_auc"] == pytest.approx(first["metrics"]["roc_auc"], rel=1e-12)
        inputs = {d.dataset.name: json.loads(d.dataset.source) for d in run.inputs.dataset_inputs}
        assert inputs["churn.gold.features"]["delta_table_version"] == first["features"]["version"]
        version = client.get_model_version(MODEL, str(first["registered"]["version"]))
        assert version.run_id == first["run_id"]
        served = mlflow.pyfunc.load_model(f"models:/{MODEL}/{first['registered']['version']}")
        direct = mlflow.pyfunc.load_model(first["model_dir"])
        gold = DeltaTable(str(root / "churn/gold/features"), version=first["features"]["version"]).to_pandas()
        features = json.loads(params["feature_columns"])
        np.testing.assert_array_equal(served.predict(gold[features][:200]), direct.predict(gold[features][:200]))
    finally:
        mlflow.set_tracking_uri(None)
        server.stop()


def test_reproduce_after_new_data_then_after_a_foreign_vacuum(lake, run_bullion):
    root, first = lake
    spec = root / "pipeline.yaml"
    # New feature dates: Gold and labels move past the logged versions; a second model is trained.
    run_bullion("--lakehouse", root, "run", spec, "--as-of", "2025-04-05..2025-05-24", "--every", "7d")
    second = json.loads(run_bullion("--lakehouse", root, "train", spec, "--json").stdout)
    assert second["features"]["version"] > first["features"]["version"]
    assert second["labels"]["version"] > first["labels"]["version"]
    assert second["registered"]["version"] == first["registered"]["version"] + 1

    again = json.loads(run_bullion("--lakehouse", root, "reproduce", first["run_id"], "--json").stdout)
    assert again["identical"] and again["same_model_bytes"], again["summary"]
    assert again["features"]["version"] == first["features"]["version"]
    assert again["test_predictions"] == first["test_rows"]
    assert again["different_predictions"] == 0
    assert again["metrics"] == first["metrics"]

    # Gold is recomputed for the first date (its old file is removed, not deleted), then
    # delta-rs VACUUMs with zero retention: the first run's version is gone.
    run_bullion("--lakehouse", root, "run", spec, "--only", "gold", "--as-of", "2025-02-01")
    deleted = DeltaTable(str(root / "churn/gold/features")).vacuum(
        retention_hours=0, enforce_retention_duration=False, dry_run=False
    )
    assert deleted
    proc = run_bullion("--lakehouse", root, "reproduce", first["run_id"], check=False)
    assert proc.returncode == 4, proc.stderr
    assert f"churn.gold.features version {first['features']['version']} was vacuumed" in proc.stderr
    # The newest run's inputs are intact only if VACUUM spared its version's files: it did not
    # need the removed file of 2025-02-01 either, so it is vacuumed too — and says so the same way.
    proc = run_bullion("--lakehouse", root, "reproduce", second["run_id"], check=False)
    assert proc.returncode == 4 and "was vacuumed" in proc.stderr


def artifact(root, result, path):
    run_dir = next((root / "_tracking" / "artifacts").glob(f"*/{result['run_id']}/artifacts"))
    return run_dir / path

