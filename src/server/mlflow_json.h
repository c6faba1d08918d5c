// Internal: protobuf-JSON as MLflow speaks it — request fields from a JSON
// body or a query string, and entity → JSON conversions.
//
// Conventions (mlflow-compat.md §1): snake_case names, enums as names
// (ints accepted on input), int64 as JSON numbers (strings accepted on
// input), doubles NaN/±Inf as "NaN"/"Infinity"/"-Infinity", empty repeated
// fields omitted, `{}` for an empty response.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bullion/tracking/entities.h"
#include "bullion/tracking/store.h"

namespace bullion::server::mlflow {

using nlohmann::json;

// Request fields. Type errors and missing required fields throw
// Error(kInvalidInput) naming the field (→ 400 INVALID_PARAMETER_VALUE).
class Fields {
 public:
  // A JSON object body ("" = {}); malformed JSON → 400 BAD_REQUEST.
  static Fields from_body(const std::string& body);
  static Fields from_query(const httplib::Request& request);

  bool has(const std::string& key) const;
  std::string str(const std::string& key) const;  // "" when absent
  std::string required_str(const std::string& key) const;
  std::optional<int64_t> int64(const std::string& key) const;
  std::optional<double> real(const std::string& key) const;
  std::optional<bool> boolean(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;
  std::vector<json> objects(const std::string& key) const;  // each element an object
  std::optional<json> raw(const std::string& key) const;    // the value as sent (query values are strings)

 private:
  json body_ = json::object();
  std::multimap<std::string, std::string> query_;
  bool is_query_ = false;
};

[[noreturn]] void missing(const std::string& key);

json double_json(double v);
double parse_double(const json& v, const std::string& what);
int64_t parse_int64(const json& v, const std::string& what);
std::vector<tracking::KeyValue> key_values(const std::vector<json>& items, const std::string& what);

json to_json(const std::vector<tracking::KeyValue>& kvs);
json to_json(const tracking::Metric& m);
json to_json(const tracking::Experiment& e);
json to_json(const tracking::RunInfo& info);
json to_json(const tracking::Run& run);
json to_json(const tracking::LoggedModel& m);
json to_json(const tracking::ModelVersion& v);
json to_json(const tracking::RegisteredModel& m);

// Enum inputs: names (case-insensitive) or the proto numbers.
tracking::RunStatus parse_run_status(const json& v);
tracking::ViewType parse_view_type(const std::string& v);
tracking::LoggedModelStatus parse_logged_model_status(const json& v);

std::string dump(const json& j);

}  // namespace bullion::server::mlflow
