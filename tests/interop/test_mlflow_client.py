"""The real MLflow client against `bullion serve`, and MLflow loading model
directories that bullion's C++ MLmodel writer produced.

Each test starts `bullion serve --port 0` on a fresh lakehouse (loopback
only) and points the MLflow client at it.
"""
import http.client
import json
import os
import pathlib
import subprocess
import tempfile

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow  # noqa: E402
import xgboost as xgb  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException, RestException  # noqa: E402

FEATURES = ["total_events", "total_sessions", "days_since_last_event", "engagement_score"]
MODEL_NAME = "churn-prediction-gbm"


class Server:
    def __init__(self, bullion_bin, lakehouse, *extra, env=None):
        full_env = dict(os.environ)
        full_env.pop("BULLION_SERVE_TOKEN", None)
        full_env.update(env or {})
        self.lakehouse = lakehouse
        self.proc = subprocess.Popen(
            [bullion_bin, "--lakehouse", str(lakehouse), "serve", "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
        )
        line = self.proc.stdout.readline()
        if "http://127.0.0.1:" not in line:
            self.proc.kill()
            raise RuntimeError(f"bullion serve did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line.split("http://127.0.0.1:")[1].split()[0])
        self.uri = f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = body if isinstance(body, (bytes, type(None))) else body.encode()
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        return resp.status, payload

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def lakehouse(tmp_path):
    return tmp_path / "lakehouse"


@pytest.fixture
def server(bullion_bin, lakehouse):
    s = Server(bullion_bin, lakehouse)
    mlflow.set_tracking_uri(s.uri)
    yield s
    mlflow.set_tracking_uri(None)
    s.stop()


def training_data(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.rand(300, len(FEATURES))
    y = ((X[:, 0] + 0.5 * X[:, 3]) > 0.8).astype(int)
    return pd.DataFrame(X, columns=FEATURES), y


def train_booster(seed=0, rounds=10):
    X, y = training_data(seed)
    return xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": seed},
                     xgb.DMatrix(X, label=y), rounds)


def test_full_client_flow(server, run_bullion, lakehouse, tmp_path):
    client = MlflowClient()
    experiment = mlflow.set_experiment("/churn-prediction/feature-pipeline")
    assert experiment.experiment_id == "1"
    booster = train_booster()
    X, _ = training_data()

    with mlflow.start_run(run_name="gbm-depth-3") as run:
        mlflow.log_param("max_depth", 3)
        mlflow.log_params({"learning_rate": 0.05, "n_estimators": 200})
        for step, loss in enumerate([0.69, 0.52, 0.41, 0.37]):
            mlflow.log_metric("log_loss", loss, step=step)
        mlflow.log_metrics({"roc_auc": 0.91, "f1_score": 0.78})
        mlflow.set_tag("pipeline", "churn")
        notes = tmp_path / "notes.txt"
        notes.write_text("trained on churn.gold.features@v3\n")
        mlflow.log_artifact(str(notes), artifact_path="reports")
        info = mlflow.xgboost.log_model(booster, name="model", registered_model_name=MODEL_NAME,
                                        input_example=X.iloc[:2])
    run_id = run.info.run_id
    assert info.model_id.startswith("m-") and len(info.model_id) == 34
    assert str(info.registered_model_version) == "1"

    # Everything landed and reads back through the client.
    fetched = client.get_run(run_id)
    assert fetched.info.status == "FINISHED"
    assert fetched.info.run_name == "gbm-depth-3"
    assert fetched.data.params == {"max_depth": "3", "learning_rate": "0.05", "n_estimators": "200"}
    assert fetched.data.metrics == {"log_loss": 0.37, "roc_auc": 0.91, "f1_score": 0.78}
    assert fetched.data.tags["pipeline"] == "churn"
    history = client.get_metric_history(run_id, "log_loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.69), (1, 0.52), (2, 0.41), (3, 0.37)]
    artifacts = client.list_artifacts(run_id, "reports")
    assert [(a.path, a.file_size) for a in artifacts] == [("reports/notes.txt", 34)]
    local = client.download_artifacts(run_id, "reports/notes.txt", str(tmp_path / "dl"))
    assert pathlib.Path(local).read_text() == "trained on churn.gold.features@v3\n"
    logged = mlflow.get_logged_model(info.model_id)
    assert logged.status == "READY" or str(logged.status).endswith("READY")
    assert logged.source_run_id == run_id

    # A second run and version, to search and to exercise archive_existing_versions.
    with mlflow.start_run(run_name="gbm-depth-5") as run2:
        mlflow.log_param("max_depth", 5)
        mlflow.log_metric("roc_auc", 0.87)
        mlflow.xgboost.log_model(train_booster(seed=1), name="model", registered_model_name=MODEL_NAME)
    found = mlflow.search_runs(experiment_ids=[experiment.experiment_id],
                               filter_string="metrics.roc_auc > 0.9 and params.max_depth = '3'")
    assert list(found["run_id"]) == [run_id]
    found = mlflow.search_runs(experiment_ids=[experiment.experiment_id], order_by=["metrics.roc_auc ASC"])
    assert list(found["run_id"]) == [run2.info.run_id, run_id]
    found = client.search_runs([experiment.experiment_id], "attributes.run_name LIKE 'gbm-depth-%'",
                               max_results=1)
    assert len(found) == 1 and found.token
    assert client.search_runs([experiment.experiment_id], "tags.pipeline = 'churn'")[0].info.run_id == run_id

    # Stages, with archive_existing_versions.
    client.transition_model_version_stage(MODEL_NAME, 1, "Production")
    client.transition_model_version_stage(MODEL_NAME, 2, "production", archive_existing_versions=True)
    assert client.get_model_version(MODEL_NAME, 1).current_stage == "Archived"
    assert client.get_model_version(MODEL_NAME, 2).current_stage == "Production"
    latest = client.get_latest_versions(MODEL_NAME, stages=["Production"])
    assert [v.version for v in latest] == ["2"]

    # Aliases.
    client.set_registered_model_alias(MODEL_NAME, "champion", 1)
    client.set_registered_model_alias(MODEL_NAME, "challenger", 2)
    assert client.get_model_version_by_alias(MODEL_NAME, "champion").version == "1"
    assert client.get_registered_model(MODEL_NAME).aliases == {"champion": "1", "challenger": "2"}
    client.delete_registered_model_alias(MODEL_NAME, "challenger")
    with pytest.raises(MlflowException):
        client.get_model_version_by_alias(MODEL_NAME, "challenger")
    with pytest.raises(MlflowException):
        client.set_registered_model_alias(MODEL_NAME, "v2", 2)

    # The champion loads and predicts as the original booster.
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@champion")
    np.testing.assert_allclose(model.predict(X.iloc[:20]), booster.predict(xgb.DMatrix(X.iloc[:20])), rtol=1e-6)
    by_stage = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/Production")
    assert by_stage.metadata.run_id == run2.info.run_id

    # The CLI sees the same store.
    out = run_bullion("--lakehouse", lakehouse, "runs", "list", "--json").stdout
    assert {r["info"]["run_id"] for r in json.loads(out)} == {run_id, run2.info.run_id}
    out = run_bullion("--lakehouse", lakehouse, "runs", "list", "--filter", "metrics.roc_auc > 0.9").stdout
    assert run_id in out and run2.info.run_id not in out
    shown = json.loads(run_bullion("--lakehouse", lakehouse, "models", "show", MODEL_NAME, "--json").stdout)
    assert [v["current_stage"] for v in shown["model_versions"]] == ["Production", "Archived"]
    kinds = [(e["kind"], e["from"], e["to"]) for e in shown["history"] if e["kind"] == "stage"]
    assert kinds == [("stage", "None", "Production"), ("stage", "Production", "Archived"),
                     ("stage", "None", "Production")]


def test_bullion_written_model_directory_loads_in_mlflow(server, bullion_bin, lakehouse, tmp_path):
    booster = train_booster(seed=3)
    model_json = tmp_path / "model.json"
    booster.save_model(str(model_json))
    tool = pathlib.Path(os.environ.get("BULLION_LOG_MODEL_TOOL",
                                       pathlib.Path(bullion_bin).parents[2] / "tests" / "tracking" / "log_model_tool"))
    assert tool.exists(), f"build the log_model_tool target first ({tool})"
    proc = subprocess.run([str(tool), str(lakehouse), str(model_json), ",".join(FEATURES), xgb.__version__],
                          capture_output=True, text=True, check=True)
    logged = json.loads(proc.stdout)
    model_dir = pathlib.Path(logged["model_dir"])
    assert sorted(p.name for p in model_dir.iterdir()) == [
        "MLmodel", "conda.yaml", "model.json", "python_env.yaml", "requirements.txt"]

    X, _ = training_data(seed=3)
    expected = booster.predict(xgb.DMatrix(X.iloc[:25]))
    pyfunc_model = mlflow.pyfunc.load_model(str(model_dir))
    np.testing.assert_allclose(pyfunc_model.predict(X.iloc[:25]), expected, rtol=1e-6)
    assert pyfunc_model.metadata.run_id == logged["run_id"]
    assert pyfunc_model.metadata.model_id == logged["model_id"]
    assert [c.name for c in pyfunc_model.metadata.get_input_schema().inputs] == FEATURES
    native = mlflow.xgboost.load_model(str(model_dir))
    assert isinstance(native, xgb.Booster)
    np.testing.assert_allclose(native.predict(xgb.DMatrix(X.iloc[:25])), expected, rtol=1e-6)
    # The signature is enforced: a missing column is refused.
    with pytest.raises(MlflowException):
        pyfunc_model.predict(X.iloc[:5].drop(columns=["engagement_score"]))

    # The same model through the server and the registry the C++ API wrote.
    served = mlflow.pyfunc.load_model("models:/bullion-written-gbm@champion")
    np.testing.assert_allclose(served.predict(X.iloc[:25]), expected, rtol=1e-6)
    client = MlflowClient()
    run = client.get_run(logged["run_id"])
    assert run.data.params == {"max_depth": "3", "n_estimators": "10"}
    assert run.outputs.model_outputs[0].model_id == logged["model_id"]
    assert client.get_model_version("bullion-written-gbm", "1").current_stage == "Production"
    assert mlflow.get_logged_model(logged["model_id"]).name == "model"


def test_bad_requests_get_4xx_and_change_nothing(server):
    client = MlflowClient()
    exp_id = mlflow.create_experiment("bad-requests")
    run = client.create_run(exp_id)
    run_id = run.info.run_id
    client.log_param(run_id, "p", "1")

    status, body = server.request("POST", "/api/2.0/mlflow/runs/log-metric", "{not json",
                                  {"Content-Type": "application/json"})
    assert status == 400 and json.loads(body)["error_code"] == "BAD_REQUEST"

    with pytest.raises(RestException) as err:
        client.get_run("0123456789abcdef0123456789abcdef")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert "0123456789abcdef0123456789abcdef" in str(err.value)
    with pytest.raises(MlflowException) as err:
        client.log_param(run_id, "p", "2")
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(RestException):
        client.search_runs([exp_id], "metrics.x > 'abc'")
    with pytest.raises(RestException) as err:
        client.transition_model_version_stage("missing-model", 1, "Production")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    run_root = f"/api/2.0/mlflow-artifacts/artifacts/{exp_id}/{run_id}/artifacts"
    for evil in ["/api/2.0/mlflow-artifacts/artifacts/../../escape.txt",
                 "/api/2.0/mlflow-artifacts/artifacts/%2e%2e/%2e%2e/escape.txt",
                 f"{run_root}/../../../../escape.txt",
                 "/api/2.0/mlflow-artifacts/artifacts//tmp/escape.txt"]:
        status, body = server.request("PUT", evil, b"owned")
        assert status == 400, (evil, body)
    assert not (server.lakehouse / "escape.txt").exists()
    assert not (server.lakehouse / "_tracking" / "escape.txt").exists()
    assert not pathlib.Path("/tmp/escape.txt").exists()
    status, _ = server.request("GET", "/api/2.0/mlflow-artifacts/artifacts?path=../../")
    assert status == 400

    big = json.dumps({"name": "x" * (17 << 20)})
    status, body = server.request("POST", "/api/2.0/mlflow/experiments/create", big,
                                  {"Content-Type": "application/json"})
    assert status == 413 and json.loads(body)["error_code"] == "REQUEST_LIMIT_EXCEEDED"

    status, body = server.request("GET", "/api/3.0/mlflow/traces/search")
    assert status == 404 and body == b""

    fetched = client.get_run(run_id)
    assert fetched.data.params == {"p": "1"} and fetched.data.metrics == {}
    assert [e.name for e in client.search_experiments()] == ["bad-requests", "Default"]
    assert client.list_artifacts(run_id) == []


def test_bearer_token_required(bullion_bin, lakehouse, monkeypatch):
    server = Server(bullion_bin, lakehouse, env={"BULLION_SERVE_TOKEN": "t0ken"})
    try:
        mlflow.set_tracking_uri(server.uri)
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0ken")
        client = MlflowClient()
        exp_id = client.create_experiment("with-token")
        run_id = client.create_run(exp_id).info.run_id
        client.log_metric(run_id, "m", 1.0)
        for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dDBrZW4="}]:
            status, body = server.request("POST", "/api/2.0/mlflow/runs/log-metric",
                                          json.dumps({"run_id": run_id, "key": "m", "value": 2.0, "timestamp": 1}),
                                          {"Content-Type": "application/json", **headers})
            assert status == 401 and json.loads(body)["error_code"] == "UNAUTHENTICATED"
            status, _ = server.request("GET", f"/api/2.0/mlflow/runs/get?run_id={run_id}", headers=headers)
            assert status == 401
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "wrong")
        with pytest.raises(MlflowException):
            MlflowClient().get_run(run_id)
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0ken")
        assert [m.value for m in MlflowClient().get_metric_history(run_id, "m")] == [1.0]
    finally:
        mlflow.set_tracking_uri(None)
        server.stop()


def test_cli_errors(run_bullion, server, lakehouse):
    client = MlflowClient()
    client.create_registered_model("cli-model")
    proc = run_bullion("--lakehouse", lakehouse, "runs", "show", "feedfacefeedfacefeedfacefeedface", check=False)
    assert proc.returncode == 4 and "feedfacefeedfacefeedfacefeedface" in proc.stderr
    proc = run_bullion("--lakehouse", lakehouse, "models", "promote", "cli-model", "1", "Shipping", check=False)
    assert proc.returncode == 3 and "Shipping" in proc.stderr
    proc = run_bullion("--lakehouse", lakehouse, "models", "alias", "cli-model", "v1", "1", check=False)
    assert proc.returncode == 3 and "v1" in proc.stderr
    proc = run_bullion("--lakehouse", pathlib.Path(tempfile.gettempdir()) / "no-such-lakehouse-xyz", "models", "list",
                       check=False)
    assert proc.returncode == 4
