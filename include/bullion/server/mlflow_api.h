// bullion/server/mlflow_api.h — MLflow's REST API over a TrackingStore.
//
// Registers, on an HttpServer, the `/api/2.0/mlflow/...` endpoints the MLflow
// 3 Python client uses (experiments, runs, params/metrics/tags, log-batch,
// metric history, inputs/outputs, logged models, the model registry with
// stages and aliases), the artifact proxy `/api/2.0/mlflow-artifacts/...`
// (upload, list, download, delete; multipart upload answers "not supported"
// so the client falls back to single PUTs), `mlflow/artifacts/list`, and
// `/health`. Requests and responses follow MLflow's protobuf-JSON
// conventions; see README "bullion serve" for the list and its limits.
// Anything else (e.g. traces under /api/3.0) is answered 404 with an empty
// body, which the client treats as "endpoint not implemented".
//
// The store must outlive the server. Thread-safe (handlers share the store).
#pragma once

#include "bullion/server/http_server.h"
#include "bullion/tracking/store.h"

namespace bullion::server {

void add_mlflow_routes(HttpServer& server, tracking::TrackingStore& store);

}  // namespace bullion::server
