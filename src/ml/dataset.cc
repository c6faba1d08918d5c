#include "bullion/ml/dataset.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/expr/binder.h"

namespace bullion::ml {
namespace {

std::string quoted_list(std::span<const std::string> names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += "'" + n + "'";
  }
  return out;
}

// Where a row came from, for error messages.
struct RowLocator {
  const DatasetColumns& columns;
  size_t batch_index;
  const Column* entity;
  const Column* date;

  std::string describe(size_t row) const {
    std::string out = "row " + std::to_string(row) + " of batch " + std::to_string(batch_index);
    if (entity != nullptr && entity->is_valid(row))
      out += ", " + columns.entity + " " + entity->value(row).to_display();
    if (date != nullptr && date->is_valid(row) && date->type().id() == TypeId::kDate)
      out += ", " + columns.feature_date + " " + format_date(date->data<int32_t>()[row]);
    return out;
  }
};

size_t require_column(const Schema& schema, const std::string& name, std::string_view role, size_t batch_index) {
  if (auto index = schema.index_of(name)) return *index;
  const std::vector<std::string> names = schema.names();
  const std::string suggestion = expr::closest_name(name, names);
  throw Error::invalid_input(
      std::string(role) + " column '" + name + "' is not in the training data (batch " + std::to_string(batch_index) +
          " has columns " + quoted_list(names) + ")",
      suggestion.empty() ? "check the column names in the spec" : "did you mean '" + suggestion + "'?");
}

DataType widen_feature_type(const DataType& a, const DataType& b) {
  if (a == b) return a;
  if (a.is_integer() && b.is_integer()) return a.value_width() >= b.value_width() ? a : b;
  return DataType::float64();
}

std::string shortest_text(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::to_string(v);
}

float to_feature_value(double v, const std::string& column, const RowLocator& where, size_t row) {
  if (std::isnan(v)) return std::numeric_limits<float>::quiet_NaN();
  const float f = static_cast<float>(v);
  if (std::isinf(f))
    throw Error::invalid_input("feature column '" + column + "' has the value " + shortest_text(v) + " at " +
                                   where.describe(row) + ", which is infinite or beyond float32's range",
                               "model features must be finite numbers; NULL marks a missing value");
  return f;
}

double pow10(int scale) {
  double p = 1;
  for (int i = 0; i < scale; ++i) p *= 10;
  return p;
}

// Writes one feature column of a batch into the row-major matrix `out`
// (row 0 of the batch at out[0]), one value every `stride` floats.
void convert_feature(const Column& col, const std::string& name, const RowLocator& where, float* out, size_t stride) {
  const size_t n = col.size();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto fill = [&](auto&& value_of) {
    for (size_t r = 0; r < n; ++r) out[r * stride] = col.is_null(r) ? nan : value_of(r);
  };
  switch (col.type().id()) {
    case TypeId::kInt8:
      fill([&](size_t r) { return static_cast<float>(col.data<int8_t>()[r]); });
      break;
    case TypeId::kInt16:
      fill([&](size_t r) { return static_cast<float>(col.data<int16_t>()[r]); });
      break;
    case TypeId::kInt32:
      fill([&](size_t r) { return static_cast<float>(col.data<int32_t>()[r]); });
      break;
    case TypeId::kInt64:
      fill([&](size_t r) { return static_cast<float>(col.data<int64_t>()[r]); });
      break;
    case TypeId::kFloat:
      fill([&](size_t r) { return to_feature_value(col.data<float>()[r], name, where, r); });
      break;
    case TypeId::kDouble:
      fill([&](size_t r) { return to_feature_value(col.data<double>()[r], name, where, r); });
      break;
    case TypeId::kDecimal: {
      const double divisor = pow10(col.type().scale());
      fill([&](size_t r) {
        return to_feature_value(static_cast<double>(col.data<int128>()[r]) / divisor, name, where, r);
      });
      break;
    }
    default:
      BULLION_ASSERT(false, "feature types are checked before conversion");
  }
}

uint8_t label_value(const Column& col, size_t r, const std::string& name, const RowLocator& where) {
  if (col.is_null(r))
    throw Error::invalid_input("label column '" + name + "' is NULL at " + where.describe(r),
                               "labels must be 0 or 1; exclude unlabelled rows before training");
  double v = 0;
  switch (col.type().id()) {
    case TypeId::kBoolean:
      return col.data<uint8_t>()[r] != 0 ? 1 : 0;
    case TypeId::kInt8:
      v = col.data<int8_t>()[r];
      break;
    case TypeId::kInt16:
      v = col.data<int16_t>()[r];
      break;
    case TypeId::kInt32:
      v = col.data<int32_t>()[r];
      break;
    case TypeId::kInt64:
      v = static_cast<double>(col.data<int64_t>()[r]);
      break;
    case TypeId::kFloat:
      v = col.data<float>()[r];
      break;
    case TypeId::kDouble:
      v = col.data<double>()[r];
      break;
    default:
      BULLION_ASSERT(false, "label types are checked before conversion");
  }
  if (v == 0) return 0;
  if (v == 1) return 1;
  throw Error::invalid_input(
      "label column '" + name + "' has the value " + col.value(r).to_display() + " at " + where.describe(r),
      "a binary classifier needs labels 0 or 1");
}

bool is_label_type(const DataType& t) { return t.id() == TypeId::kBoolean || t.is_integer() || t.is_floating(); }

// A total order on rows: (feature_date, entity), then label and feature bits.
struct RowOrder {
  const std::vector<int32_t>& dates;
  const std::vector<std::string>& entities;
  const std::vector<uint8_t>& labels;
  const std::vector<float>& features;
  size_t num_features;

  bool operator()(uint32_t a, uint32_t b) const {
    if (dates[a] != dates[b]) return dates[a] < dates[b];
    if (const int c = entities[a].compare(entities[b]); c != 0) return c < 0;
    if (!labels.empty() && labels[a] != labels[b]) return labels[a] < labels[b];
    const float* fa = features.data() + a * num_features;
    const float* fb = features.data() + b * num_features;
    for (size_t f = 0; f < num_features; ++f) {
      const uint32_t ba = std::bit_cast<uint32_t>(fa[f]);
      const uint32_t bb = std::bit_cast<uint32_t>(fb[f]);
      if (ba != bb) return ba < bb;
    }
    return false;
  }
};

}  // namespace

size_t Dataset::num_positive() const {
  size_t n = 0;
  for (uint8_t l : labels) n += l;
  return n;
}

Dataset Dataset::subset(std::span<const uint32_t> rows) const {
  Dataset out;
  out.feature_names = feature_names;
  out.feature_types = feature_types;
  out.labelled = labelled;
  const size_t nf = num_features();
  out.features.resize(rows.size() * nf);
  out.entities.reserve(rows.size());
  out.feature_dates.reserve(rows.size());
  if (labelled) out.labels.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const uint32_t r = rows[i];
    BULLION_ASSERT(r < num_rows(), "subset row out of range");
    if (nf > 0) std::memcpy(out.features.data() + i * nf, row(r), nf * sizeof(float));
    out.entities.push_back(entities[r]);
    out.feature_dates.push_back(feature_dates[r]);
    if (labelled) out.labels.push_back(labels[r]);
  }
  return out;
}

Dataset build_dataset(std::span<const Batch> batches, const DatasetColumns& columns) {
  if (columns.features.empty())
    throw Error::invalid_input("no feature columns given", "list the model's inputs under train.feature_columns");
  if (columns.entity.empty()) throw Error::invalid_input("no entity column given");
  if (columns.feature_date.empty()) throw Error::invalid_input("no feature date column given");
  for (size_t i = 0; i < columns.features.size(); ++i) {
    const std::string& name = columns.features[i];
    for (size_t j = 0; j < i; ++j)
      if (columns.features[j] == name)
        throw Error::invalid_input("feature column '" + name + "' is listed twice", "list each feature once");
    if (name == columns.label)
      throw Error::invalid_input("the label column '" + name + "' is also listed as a feature",
                                 "remove it from the feature columns: a model must not see its label");
    if (name == columns.entity || name == columns.feature_date)
      throw Error::invalid_input("the key column '" + name + "' is listed as a feature",
                                 "the entity and feature date identify rows; remove it from the feature columns");
  }

  const size_t nf = columns.features.size();
  const bool labelled = !columns.label.empty();
  Dataset staged;
  staged.feature_names = columns.features;
  staged.labelled = labelled;

  size_t total_rows = 0;
  for (const Batch& b : batches) total_rows += b.num_rows();
  if (total_rows > std::numeric_limits<uint32_t>::max())
    throw Error::unsupported("a training set of " + std::to_string(total_rows) + " rows is beyond 2^32 rows");
  staged.features.resize(total_rows * nf);
  staged.entities.reserve(total_rows);
  staged.feature_dates.reserve(total_rows);
  if (labelled) staged.labels.reserve(total_rows);

  size_t base = 0;
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const Batch& batch = batches[bi];
    const Schema& schema = *batch.schema();
    const Column& entity = *batch.column(require_column(schema, columns.entity, "entity", bi));
    const Column& date = *batch.column(require_column(schema, columns.feature_date, "feature date", bi));
    const RowLocator where{columns, bi, &entity, &date};
    if (!(entity.type().id() == TypeId::kString || entity.type().is_integer()))
      throw Error::invalid_input("entity column '" + columns.entity + "' is " + entity.type().to_string() +
                                 "; expected STRING or an integer type");
    if (date.type().id() != TypeId::kDate)
      throw Error::invalid_input(
          "feature date column '" + columns.feature_date + "' is " + date.type().to_string() + "; expected DATE",
          "use the Gold table's feature_date partition column");
    std::vector<const Column*> features(nf);
    for (size_t f = 0; f < nf; ++f) {
      const Column& col = *batch.column(require_column(schema, columns.features[f], "feature", bi));
      if (!col.type().is_numeric())
        throw Error::invalid_input(
            "feature column '" + columns.features[f] + "' is " + col.type().to_string() + ", not a number",
            "features must be integer, floating-point or decimal columns; cast or encode "
            "it in the Gold layer");
      if (staged.feature_types.size() < nf)
        staged.feature_types.push_back(col.type());
      else
        staged.feature_types[f] = widen_feature_type(staged.feature_types[f], col.type());
      features[f] = &col;
    }
    const Column* label = nullptr;
    if (labelled) {
      label = batch.column(require_column(schema, columns.label, "label", bi)).get();
      if (!is_label_type(label->type()))
        throw Error::invalid_input("label column '" + columns.label + "' is " + label->type().to_string() +
                                   "; expected BOOLEAN or a number holding 0 or 1");
    }

    const size_t n = batch.num_rows();
    for (size_t f = 0; f < nf; ++f)
      convert_feature(*features[f], columns.features[f], where, staged.features.data() + base * nf + f, nf);
    for (size_t r = 0; r < n; ++r) {
      if (entity.is_null(r))
        throw Error::invalid_input("entity column '" + columns.entity + "' is NULL at " + where.describe(r));
      if (date.is_null(r))
        throw Error::invalid_input("feature date column '" + columns.feature_date + "' is NULL at " +
                                   where.describe(r));
      staged.entities.push_back(entity.type().id() == TypeId::kString ? std::string(entity.strings()[r])
                                                                      : entity.value(r).to_display());
      staged.feature_dates.push_back(date.data<int32_t>()[r]);
      if (labelled) staged.labels.push_back(label_value(*label, r, columns.label, where));
    }
    base += n;
  }
  if (staged.feature_types.empty()) staged.feature_types.assign(nf, DataType::float64());

  std::vector<uint32_t> order(total_rows);
  for (size_t i = 0; i < total_rows; ++i) order[i] = static_cast<uint32_t>(i);
  std::sort(order.begin(), order.end(),
            RowOrder{staged.feature_dates, staged.entities, staged.labels, staged.features, nf});
  bool sorted = true;
  for (size_t i = 0; i < total_rows && sorted; ++i) sorted = order[i] == i;
  if (sorted) return staged;
  return staged.subset(order);
}

std::string_view xgboost_feature_type(const DataType& type) { return type.is_integer() ? "int" : "float"; }

std::string_view mlflow_column_type(const DataType& type) {
  switch (type.id()) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
      return "integer";
    case TypeId::kInt64:
      return "long";
    case TypeId::kFloat:
      return "float";
    default:
      return "double";
  }
}

}  // namespace bullion::ml
