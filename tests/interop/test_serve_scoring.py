"""Batch and online scoring against real peers: the predictions table
`bullion score` writes is read by delta-rs and pyarrow, and its probabilities
equal what the real MLflow client predicts with
`mlflow.pyfunc.load_model("models:/<name>@champion")` through `bullion serve`;
the server's POST /score and GET /features agree with the same model and
Gold rows, and follow the alias when the MLflow client moves it.

Data: scoring_fixture_tool (tests/server) writes a Gold-like features table
(200 customers x 3 weekly dates) and registers two versions of a model trained
on it, the way bullion's training logs them (run params of training_run.h).
"""
import json
import os
import pathlib
import subprocess
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from test_mlflow_client import Server  # noqa: E402

MODEL = "churn-prediction-gbm"
CUSTOMERS = 200
DATES = 3


@pytest.fixture
def fixture_tool(bullion_bin):
    default = pathlib.Path(bullion_bin).parents[2] / "tests" / "server" / "scoring_fixture_tool"
    tool = pathlib.Path(os.environ.get("BULLION_SCORING_FIXTURE_TOOL", default))
    if not tool.exists():
        pytest.fail(f"build the scoring_fixture_tool target first ({tool})")
    return tool


@pytest.fixture
def lakehouse(tmp_path, fixture_tool):
    root = tmp_path / "lakehouse"
    proc = subprocess.run([str(fixture_tool), str(root), str(CUSTOMERS), str(DATES), MODEL],
                          capture_output=True, text=True, check=True)
    info = json.loads(proc.stdout)
    assert info["versions"] == [1, 2]
    return root, info


def gold_rows(root, date):
    """The Gold rows of one feature date, as pandas, read by delta-rs."""
    df = DeltaTable(str(root / "churn" / "gold" / "features")).to_pandas()
    df["feature_date"] = df["feature_date"].astype(str)
    return df[df["feature_date"] == date].sort_values("customer_id").reset_index(drop=True)


def model_inputs(model, df):
    names = [c.name for c in model.metadata.get_input_schema().inputs]
    return df[names]


def score(run_bullion, root, *args):
    proc = run_bullion("--lakehouse", root, "score", "--model", f"{MODEL}@champion", *args, "--json")
    return json.loads(proc.stdout)


def predictions(root):
    df = DeltaTable(str(root / "churn" / "gold" / "predictions")).to_pandas()
    df["feature_date"] = df["feature_date"].astype(str)
    return df


def post_score(server, entities):
    status, body = server.request("POST", "/score", json.dumps({"entities": entities}),
                                  {"Content-Type": "application/json"})
    assert status == 200, body
    return json.loads(body)


def test_batch_predictions_equal_mlflow_pyfunc_and_are_readable(run_bullion, bullion_bin, lakehouse):
    root, info = lakehouse
    first, middle = info["dates"][0], info["dates"][1]
    result = score(run_bullion, root, "--as-of", middle)
    assert result["model"] == MODEL and result["model_version"] == 1
    assert result["run_id"] == info["run_ids"][0]
    assert result["rows"] == CUSTOMERS
    assert result["output_table"] == "churn.gold.predictions" and result["output_version"] == 0
    assert result["features_version"] == info["features_version"]

    # delta-rs reads the table: schema, partitioning, one row per customer.
    table = DeltaTable(str(root / "churn" / "gold" / "predictions"))
    assert table.metadata().partition_columns == ["feature_date"]
    arrow = table.to_pyarrow_table()
    assert arrow.schema.field("customer_id").type == pa.string()
    assert arrow.schema.field("feature_date").type == pa.date32()
    assert arrow.schema.field("probability").type == pa.float64()
    assert arrow.schema.field("prediction").type == pa.int32()
    assert arrow.schema.field("model_name").type == pa.string()
    assert arrow.schema.field("model_version").type == pa.int64()
    assert arrow.num_rows == CUSTOMERS
    # pyarrow reads every data file directly (the partition column lives in the path).
    assert sum(pq.read_table(uri).num_rows for uri in table.file_uris()) == CUSTOMERS

    # The commit records the model and the Gold version read.
    commit = table.history(1)[0]
    assert commit["operation"] == "WRITE"
    lineage = commit["bullion"]
    assert lineage["model"]["name"] == MODEL and lineage["model"]["version"] == 1
    assert lineage["model"]["run_id"] == info["run_ids"][0]
    assert lineage["lineage"] == {"churn.gold.features": info["features_version"]}

    # The real MLflow client, through bullion serve, predicts the same probabilities.
    server = Server(bullion_bin, root)
    mlflow.set_tracking_uri(server.uri)
    try:
        model = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
        gold = gold_rows(root, middle)
        expected = np.asarray(model.predict(model_inputs(model, gold)), dtype=np.float64)
        written = predictions(root).sort_values("customer_id").reset_index(drop=True)
        assert list(written["customer_id"]) == list(gold["customer_id"])
        np.testing.assert_allclose(written["probability"].to_numpy(), expected, rtol=0, atol=1e-6)
        assert (written["prediction"].to_numpy() == (written["probability"].to_numpy() > 0.5)).all()

        # Rescoring a date with another version replaces only that date.
        score(run_bullion, root, "--as-of", first)
        MlflowClient().set_registered_model_alias(MODEL, "champion", "2")
        again = score(run_bullion, root, "--as-of", middle)
        assert again["model_version"] == 2 and again["output_version"] == 2
        model2 = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
        after = predictions(root)
        assert sorted(after.groupby("feature_date")["model_version"].unique().map(list).to_dict().items()) == [
            (first, [1]), (middle, [2])]
        rescored = after[after["feature_date"] == middle].sort_values("customer_id")
        np.testing.assert_allclose(rescored["probability"].to_numpy(),
                                   np.asarray(model2.predict(model_inputs(model2, gold)), dtype=np.float64),
                                   rtol=0, atol=1e-6)
    finally:
        mlflow.set_tracking_uri(None)
        server.stop()


def test_online_routes_follow_the_alias_the_mlflow_client_moves(bullion_bin, lakehouse):
    root, info = lakehouse
    latest = info["dates"][-1]
    server = Server(bullion_bin, root, "--model", f"{MODEL}@champion", "--refresh-interval", "0.2")
    mlflow.set_tracking_uri(server.uri)
    try:
        gold = gold_rows(root, latest)
        entities = ["C0007", "C0150", "C0003"]
        rows = gold.set_index("customer_id").loc[entities].reset_index()

        status, body = server.request("GET", "/features/C0150")
        assert status == 200, body
        features = json.loads(body)
        expected_row = gold[gold["customer_id"] == "C0150"].iloc[0]
        assert features["feature_date"] == latest
        assert features["total_events"] == expected_row["total_events"]
        assert features["noise"] == pytest.approx(expected_row["noise"], abs=0)
        status, body = server.request("GET", "/features/nobody")
        assert status == 404 and json.loads(body)["error_code"] == "RESOURCE_DOES_NOT_EXIST"

        model = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
        scored = post_score(server, entities)
        assert scored["model"] == MODEL and scored["version"] == 1
        assert [p["entity"] for p in scored["predictions"]] == entities
        assert {p["feature_date"] for p in scored["predictions"]} == {latest}
        np.testing.assert_allclose([p["probability"] for p in scored["predictions"]],
                                   model.predict(model_inputs(model, rows)), rtol=0, atol=1e-6)

        # The MLflow client moves the alias; the server follows within its refresh interval.
        MlflowClient().set_registered_model_alias(MODEL, "champion", "2")
        deadline = time.monotonic() + 20
        while post_score(server, entities)["version"] != 2:
            assert time.monotonic() < deadline, "the server did not follow the alias"
            time.sleep(0.1)
        model2 = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
        scored = post_score(server, entities)
        np.testing.assert_allclose([p["probability"] for p in scored["predictions"]],
                                   model2.predict(model_inputs(model2, rows)), rtol=0, atol=1e-6)

        status, body = server.request("POST", "/score", "{not json", {"Content-Type": "application/json"})
        assert status == 400 and json.loads(body)["error_code"] == "BAD_REQUEST"
    finally:
        mlflow.set_tracking_uri(None)
        server.stop()
