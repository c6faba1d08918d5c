#include "bullion/server/row_json.h"

#include <cmath>

namespace bullion::server {

using nlohmann::ordered_json;

ordered_json value_to_json(const Value& v) {
  if (v.is_null()) return nullptr;
  switch (v.type().id()) {
    case TypeId::kBoolean:
      return v.as_bool();
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      return v.as_int();
    case TypeId::kFloat:
    case TypeId::kDouble: {
      const double d = v.as_double();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return d;
    }
    case TypeId::kStruct: {
      ordered_json o = ordered_json::object();
      for (size_t i = 0; i < v.children().size(); ++i) o[v.type().children()[i].name] = value_to_json(v.children()[i]);
      return o;
    }
    case TypeId::kList: {
      ordered_json a = ordered_json::array();
      for (const Value& c : v.children()) a.push_back(value_to_json(c));
      return a;
    }
    case TypeId::kMap: {
      ordered_json a = ordered_json::array();
      for (size_t i = 0; i + 1 < v.children().size(); i += 2)
        a.push_back(ordered_json::array({value_to_json(v.children()[i]), value_to_json(v.children()[i + 1])}));
      return a;
    }
    default:
      return v.to_display();
  }
}

ordered_json row_to_json(const Batch& batch, size_t row) {
  ordered_json out = ordered_json::object();
  const Schema& schema = *batch.schema();
  for (size_t c = 0; c < schema.size(); ++c) out[schema.field(c).name] = value_to_json(batch.column(c)->value(row));
  return out;
}

}  // namespace bullion::server
