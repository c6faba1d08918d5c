// libFuzzer target: expression text → parse → bind → to_sql → evaluate.
//
// Any input may be rejected with bullion::Error; nothing may crash, hang,
// leak, trip a sanitizer, or throw anything else. What binds must render to
// SQL that binds again to the same SQL, and must evaluate on a small batch.
//   scripts/fuzz_expr.sh [seconds]
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "bullion/core/error.h"
#include "bullion/expr/analysis.h"
#include "bullion/expr/binder.h"
#include "bullion/expr/evaluator.h"
#include "bullion/expr/parser.h"

namespace {

using namespace bullion;
using namespace bullion::expr;

const Batch& sample_batch() {
  static const Batch batch = [] {
    auto schema = std::make_shared<Schema>(std::vector<Field>{
        Field("i", DataType::int32()), Field("l", DataType::int64()), Field("d", DataType::float64()),
        Field("s", DataType::string()), Field("dt", DataType::date()), Field("ts", DataType::timestamp()),
        Field("b", DataType::boolean()), Field("m", DataType::decimal(10, 2))});
    std::vector<ColumnPtr> cols;
    for (const Field& f : schema->fields()) cols.push_back(Column::make(f.type));
    const int32_t ints[] = {0, -2147483647 - 1, 7};
    const int64_t longs[] = {1, 9223372036854775807, -3};
    const double doubles[] = {-0.0, 1e308, 2.5};
    const char* strings[] = {"", "Straße 😀", "2026-01-05T10:15:30Z"};
    for (int r = 0; r < 3; ++r) {
      cols[0]->append<int32_t>(ints[r]);
      cols[1]->append<int64_t>(longs[r]);
      cols[2]->append<double>(doubles[r]);
      cols[3]->append_string(strings[r]);
      cols[4]->append<int32_t>(r == 1 ? -719162 : 20458);
      cols[5]->append<int64_t>(r == 2 ? -1 : 1767608130123456);
      cols[6]->append<uint8_t>(static_cast<uint8_t>(r & 1));
      cols[7]->append<int128>(r == 1 ? int128{-9999999999} : int128{150});
    }
    for (auto& c : cols) c->append_null();
    return Batch(schema, cols, 4);
  }();
  return batch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Batch& batch = sample_batch();
  BindOptions options;
  options.parameters.push_back({"as_of", Value::date(20782)});
  try {
    ParsedExprPtr parsed = parse(text);
    ExprPtr e = bind(*parsed, *batch.schema(), options);
    const std::string sql = to_sql(*e);
    ExprPtr again = compile(sql, *batch.schema(), options);
    if (to_sql(*again) != sql || !(again->type == e->type)) {
      std::cerr << "to_sql does not round-trip:\n  " << text << "\n  " << sql << "\n  " << to_sql(*again) << "\n";
      std::abort();
    }
    ColumnPtr out = evaluate(e, batch);
    if (out->size() != batch.num_rows() || !(out->type() == e->type)) std::abort();
    for (size_t r = 0; r < out->size(); ++r) (void)out->value(r).to_string();
    (void)referenced_columns(*e);
    if (e->type.id() == TypeId::kBoolean) (void)extract_pruning(*e);
  } catch (const Error&) {
    // Rejected input (or a LIKE pattern from data): fine.
  }
  return 0;
}
