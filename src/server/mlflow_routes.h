// Internal: the MLflow route groups and the RPC wrapper they share.
#pragma once

#include <functional>
#include <string>

#include "bullion/server/http_server.h"
#include "bullion/tracking/store.h"
#include "server/mlflow_json.h"

namespace bullion::server::mlflow {

inline constexpr const char* kApi = "/api/2.0/mlflow/";

// An RPC: the request message comes from the query string (GET) or the JSON
// body (others); the handler returns the response message.
using RpcHandler = std::function<json(const Fields& fields, RouteContext& ctx)>;
void rpc(HttpServer& server, const std::string& method, const std::string& path, RpcHandler handler);

// The run id of a request: run_id, or the deprecated run_uuid.
std::string run_id_of(const Fields& f);

void add_tracking_routes(HttpServer& server, tracking::TrackingStore& store);
void add_logged_model_routes(HttpServer& server, tracking::TrackingStore& store);
void add_registry_routes(HttpServer& server, tracking::TrackingStore& store);
void add_artifact_routes(HttpServer& server, tracking::TrackingStore& store);

}  // namespace bullion::server::mlflow
