// expr_tool — a test-only driver of the expression evaluator (interop tests).
//
// Reads one JSON document on stdin:
//   {"schema": [{"name": "a", "type": "INT"}, ...],
//    "rows": [[1, "x"], ...],
//    "parameters": [{"name": "as_of", "type": "DATE", "value": "2026-11-25"}],
//    "expressions": ["upper(x)", ...],
//    "batch_size": 1000}
// and writes {"results": [{"type": "STRING", "sql": "...", "values": [...]} |
// {"error": "..."}]} to stdout. Input values: JSON numbers, strings, booleans
// and null; DATE as "yyyy-mm-dd" or days, TIMESTAMP as micros or text,
// DECIMAL as text, DOUBLE also "NaN" / "Infinity" / "-Infinity" / "-0.0".
// Output values: DATE and TIMESTAMP as integers (days, micros), DOUBLE as a
// number or "NaN"/"Infinity"/"-Infinity", DECIMAL as text, BINARY as hex.
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bullion/core/error.h"
#include "bullion/expr/analysis.h"
#include "bullion/expr/binder.h"
#include "bullion/expr/cast.h"
#include "bullion/expr/evaluator.h"
#include "bullion/expr/parser.h"

using nlohmann::json;
using namespace bullion;
using namespace bullion::expr;

namespace {

Value value_from_json(const json& j, const DataType& type) {
  if (j.is_null()) return Value::null(type);
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (type.is_floating()) {
      if (s == "NaN") return cast_value(Value::float64(std::nan("")), type);
      if (s == "Infinity") return cast_value(Value::float64(HUGE_VAL), type);
      if (s == "-Infinity") return cast_value(Value::float64(-HUGE_VAL), type);
    }
    return cast_value(Value::string(s), type);
  }
  if (j.is_boolean()) return cast_value(Value::boolean(j.get<bool>()), type);
  if (j.is_number_integer()) {
    const int64_t v = j.get<int64_t>();
    if (type.id() == TypeId::kDate) return Value::date(static_cast<int32_t>(v));
    if (type.id() == TypeId::kTimestamp) return Value::timestamp(v);
    return cast_value(Value::int64(v), type);
  }
  if (j.is_number()) return cast_value(Value::float64(j.get<double>()), type);
  throw Error::invalid_input("unsupported JSON value " + j.dump());
}

json value_to_json(const Column& c, size_t row) {
  if (c.is_null(row)) return nullptr;
  const Value v = c.value(row);
  switch (c.type().id()) {
    case TypeId::kBoolean:
      return v.as_bool();
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      return v.as_int();
    case TypeId::kFloat:
    case TypeId::kDouble: {
      const double d = v.as_double();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return d;
    }
    case TypeId::kDecimal:
    case TypeId::kBinary:
      return v.to_display();
    case TypeId::kString:
      return v.as_string();
    default:
      return v.to_display();
  }
}

}  // namespace

int main() {
  try {
    json in = json::parse(std::cin);
    std::vector<Field> fields;
    for (const json& f : in.at("schema"))
      fields.emplace_back(f.at("name").get<std::string>(), parse_type_name(f.at("type").get<std::string>()));
    auto schema = std::make_shared<Schema>(fields);
    BindOptions options;
    if (in.contains("parameters")) {
      for (const json& p : in["parameters"]) {
        const DataType t = parse_type_name(p.at("type").get<std::string>());
        options.parameters.push_back({p.at("name").get<std::string>(), value_from_json(p.at("value"), t)});
      }
    }
    std::vector<ColumnPtr> columns;
    for (const Field& f : fields) columns.push_back(Column::make(f.type));
    const json& rows = in.at("rows");
    for (const json& row : rows)
      for (size_t c = 0; c < fields.size(); ++c) columns[c]->append_value(value_from_json(row.at(c), fields[c].type));
    const size_t total = rows.size();
    const size_t batch_size = in.value("batch_size", size_t{4096});

    json results = json::array();
    for (const json& text : in.at("expressions")) {
      json r;
      try {
        ExprPtr e = compile(text.get<std::string>(), *schema, options);
        Evaluator evaluator(e);
        json values = json::array();
        for (size_t start = 0; start < total || (start == 0 && total == 0); start += batch_size) {
          const size_t n = std::min(batch_size, total - start);
          std::vector<ColumnPtr> slice;
          for (const ColumnPtr& c : columns) slice.push_back(c->slice(start, n));
          ColumnPtr out = evaluator.evaluate(Batch(schema, slice, n));
          for (size_t i = 0; i < n; ++i) values.push_back(value_to_json(*out, i));
          if (total == 0) break;
        }
        r["type"] = e->type.to_string();
        r["sql"] = to_sql(*e);
        r["values"] = std::move(values);
      } catch (const Error& err) {
        r["error"] = err.message();
      }
      results.push_back(std::move(r));
    }
    json out;
    out["results"] = std::move(results);
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "expr_tool: " << e.what() << "\n";
    return 1;
  }
}
