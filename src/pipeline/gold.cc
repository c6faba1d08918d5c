#include "bullion/pipeline/gold.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/exec/batch_buffer.h"
#include "bullion/exec/scan.h"
#include "bullion/expr/analysis.h"
#include "bullion/expr/binder.h"
#include "bullion/table/table.h"
#include "bullion/table/writer.h"

namespace bullion::pipeline {

namespace {

using Json = nlohmann::json;

std::string quoted(const std::string& name) { return "`" + name + "`"; }

// Adds the column of `schema` named `name` (case-insensitively) to `columns`,
// once; names `schema` lacks are left for the scan to report.
void add_column(const Schema& schema, const std::string& name, std::vector<std::string>& columns) {
  const auto idx = schema.find_case_insensitive(name);
  if (!idx) return;
  const std::string& actual = schema.field(*idx).name;
  if (std::find(columns.begin(), columns.end(), actual) == columns.end()) columns.push_back(actual);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

delta::Snapshot open_source(const RunContext& ctx, const std::string& name, const SpecPos& pos,
                            const std::string& who) {
  const std::string path = table_path(ctx, name);
  if (!delta::DeltaTable::exists(path))
    throw Error::not_found(pos.to_string() + ": " + who + " reads " + name + ", which does not exist yet",
                           "run the earlier layers first");
  return delta::DeltaTable::open(path).latest();
}

std::string lineage_json(const RunContext& ctx, const char* layer, const std::map<std::string, int64_t>& read,
                         std::optional<std::string> as_of = std::nullopt) {
  Json j{{"pipeline", ctx.spec->name},
         {"layer", layer},
         {"run_id", ctx.run_id},
         {"spec_hash", ctx.spec->hash},
         {"lineage", read}};
  if (as_of) j["as_of"] = *as_of;
  return j.dump();
}

}  // namespace

LayerResult run_gold(const RunContext& ctx, const GoldSpec& spec, const std::vector<int32_t>& as_of_dates,
                     exec::ExecContext& exec) {
  const auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = "gold";
  result.table = spec.table;
  if (as_of_dates.empty()) throw Error::invalid_input("gold: no as_of date to compute");
  const delta::Snapshot silver = open_source(ctx, spec.from, spec.pos, "gold table " + spec.table);
  result.versions_read[spec.from] = silver.version();
  const Schema& input = silver.schema();
  for (const std::string& c : {spec.entity, spec.event_time})
    if (!input.find_case_insensitive(c))
      throw Error::invalid_input(
          spec.pos.to_string() + ": gold table " + spec.table + ": " + spec.from + " has no column '" + c + "'",
          "columns are: " + input.to_string());
  const int32_t last_date = *std::max_element(as_of_dates.begin(), as_of_dates.end());

  // One pass over Silver: the events up to the last as_of date, kept for every
  // date — only the columns the aggregations read, with the entity and event time.
  const expr::BindOptions last_bind{{{"as_of", Value::date(last_date)}}};
  std::vector<std::string> needed;
  add_column(input, spec.entity, needed);
  add_column(input, spec.event_time, needed);
  for (const SpecExpr& a : spec.aggregations) {
    expr::AggregateBinding binding;
    try {
      binding = expr::compile_aggregate(a.sql, input, {input.field(*input.find_case_insensitive(spec.entity)).name},
                                        last_bind);
    } catch (const Error& e) {
      throw Error(e.category(),
                  spec.pos.to_string() + ": aggregations of gold table " + spec.table + ": " + e.message(), e.hint());
    }
    for (const expr::AggregateCall& call : binding.calls)
      if (call.argument)
        for (const std::string& c : expr::referenced_columns(*call.argument)) add_column(input, c, needed);
  }
  const exec::Plan events =
      exec::scan_delta(silver, {.columns = needed}, "to_date(" + quoted(spec.event_time) + ") <= as_of", last_bind);
  std::vector<int32_t> dates = as_of_dates;
  std::sort(dates.begin(), dates.end());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  // Several dates read the events from a buffer (within the budget, spilling
  // beyond it); a single date aggregates them as they stream from the scan.
  std::optional<exec::BatchBuffer> buffer;
  std::atomic<int64_t> rows_in{0};
  exec::Plan source = events;
  if (dates.size() > 1) {
    buffer.emplace(events.schema(), *exec.budget);
    events.execute(exec, [&](Batch&& b) { buffer->add(std::move(b)); });
    rows_in = static_cast<int64_t>(buffer->num_rows());
    source = buffer->as_plan();
  } else {
    source = events.map(
        events.schema(),
        [&](Batch&& b) {
          rows_in += static_cast<int64_t>(b.num_rows());
          return std::move(b);
        },
        "count the events read");
  }

  const std::string path = table_path(ctx, spec.table);
  const std::string sort_column = spec.zorder_by.empty() ? spec.entity : spec.zorder_by.front();
  if (spec.zorder_by.size() > 1)
    result.warnings.push_back("Z-order by several columns is written as a sort by the first (" + sort_column + ")");
  for (int32_t as_of : dates) {
    const expr::BindOptions bind{{{"as_of", Value::date(as_of)}}};
    exec::Plan features = source.filter("to_date(" + quoted(spec.event_time) + ") <= as_of", bind);
    std::vector<exec::NamedExpr> aggregations;
    for (const SpecExpr& a : spec.aggregations) aggregations.push_back({a.name, a.sql});
    try {
      features = features.aggregate({spec.entity}, aggregations, bind);
    } catch (const Error& e) {
      throw Error(e.category(),
                  spec.pos.to_string() + ": aggregations of gold table " + spec.table + ": " + e.message(), e.hint());
    }
    std::vector<exec::NamedExpr> columns;
    for (const Field& f : features.schema()->fields()) columns.push_back({f.name, quoted(f.name)});
    for (const SpecExpr& d : spec.derived) columns.push_back({d.name, d.sql});
    columns.push_back({spec.partition_by, "as_of"});
    try {
      features = features.project(columns, bind, /*sequential=*/true);
    } catch (const Error& e) {
      throw Error(e.category(),
                  spec.pos.to_string() + ": derived columns of gold table " + spec.table + ": " + e.message(),
                  e.hint());
    }
    features = features.sort({{sort_column, false, {}}});
    const SchemaPtr schema = features.schema();
    table::DataFileWriter writer(path, schema, {spec.partition_by});
    int64_t rows = 0;
    for (const Batch& b : features.collect(exec)) {
      if (!ctx.dry_run) writer.write(b);  // a dry run computes everything and writes nothing
      rows += static_cast<int64_t>(b.num_rows());
    }
    result.rows_out += rows;
    if (ctx.dry_run) continue;
    table::CommitInfo info;
    info.bullion_json = lineage_json(ctx, "gold", result.versions_read, format_date(as_of));
    std::vector<delta::AddFile> adds = writer.finish();
    const table::WriteResult w = commit_layer(
        result, {path, schema, {spec.partition_by}, {}}, std::move(adds),
        table::WriteMode::replace_where({{spec.partition_by, CompareOp::kEq, {Value::date(as_of)}}}), info);
    result.version_written = w.version;
    result.files["partitions"] += 1;
  }
  result.rows_in = rows_in;
  if (ctx.dry_run) result.status = "DRY RUN";
  result.seconds = seconds_since(started);
  return result;
}

LayerResult run_labels(const RunContext& ctx, const LabelsSpec& spec, exec::ExecContext& exec) {
  const auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = "labels";
  result.table = spec.table;
  const delta::Snapshot events = open_source(ctx, spec.from, spec.pos, "labels table " + spec.table);
  const delta::Snapshot features = open_source(ctx, spec.features, spec.pos, "labels table " + spec.table);
  result.versions_read[spec.from] = events.version();
  result.versions_read[spec.features] = features.version();
  const std::string event_date = "to_date(" + quoted(spec.event_time) + ")";

  // The last complete event date: the day before the latest event date.
  const Batch last = exec::scan_delta(events, {.columns = {spec.event_time}})
                         .aggregate({}, {{"last", "max(" + event_date + ")"}})
                         .collect_batch(exec);
  if (last.num_rows() == 0 || last.column(0)->is_null(0))
    throw Error::invalid_input("labels table " + spec.table + ": " + spec.from + " has no events to label from");
  const int32_t last_complete = last.column(0)->data<int32_t>()[0] - 1;

  // First positive event date per entity, reading only the entity, the event time and what positive_when reads.
  expr::ExprPtr positive;
  try {
    positive = expr::compile_predicate(spec.positive_when.sql, events.schema());
  } catch (const Error& e) {
    throw Error(e.category(), spec.positive_when.pos.to_string() + ": positive_when: " + e.message(), e.hint());
  }
  std::vector<std::string> needed;
  for (const std::string& c : {spec.entity, spec.event_time}) add_column(events.schema(), c, needed);
  for (const std::string& c : expr::referenced_columns(*positive)) add_column(events.schema(), c, needed);
  exec::Plan positives = exec::scan_delta(events, {.columns = needed}).filter(positive);
  positives = positives.aggregate({spec.entity}, {{"__first_positive", "min(" + event_date + ")"}})
                  .project({{"__entity", quoted(spec.entity)}, {"__first_positive", "__first_positive"}});
  const std::string date_column = "feature_date";
  const expr::BindOptions bind{{{"last_complete", Value::date(last_complete)}}};
  const std::string h = std::to_string(spec.horizon_days);
  exec::Plan labelled =
      exec::scan_delta(features, {.columns = {spec.entity, date_column}})
          .join(positives, {spec.entity}, {"__entity"}, exec::JoinType::kLeft)
          .filter("date_add(" + date_column + ", " + h +
                      ") <= last_complete AND (__first_positive IS NULL OR __first_positive > " + date_column + ")",
                  bind)
          .project({{spec.entity, quoted(spec.entity)},
                    {date_column, date_column},
                    {spec.label, "CASE WHEN __first_positive IS NOT NULL AND __first_positive <= date_add(" +
                                     date_column + ", " + h + ") THEN 1 ELSE 0 END"}})
          .sort({{date_column, false, {}}, {spec.entity, false, {}}});
  const std::string path = table_path(ctx, spec.table);
  const SchemaPtr schema = labelled.schema();
  table::DataFileWriter writer(path, schema, {date_column});
  int64_t positives_count = 0;
  for (const Batch& b : labelled.collect(exec)) {
    if (!ctx.dry_run) writer.write(b);  // a dry run computes everything and writes nothing
    result.rows_out += static_cast<int64_t>(b.num_rows());
    for (size_t r = 0; r < b.num_rows(); ++r) positives_count += b.column(2)->data<int32_t>()[r];
  }
  result.rows_in = static_cast<int64_t>(features.num_records());
  result.files["positive"] = positives_count;
  result.files["last_complete_date_days"] = last_complete;
  if (ctx.dry_run) {
    result.status = "DRY RUN";
  } else {
    table::CommitInfo info;
    info.bullion_json = lineage_json(ctx, "labels", result.versions_read);
    std::vector<delta::AddFile> adds = writer.finish();
    result.version_written =
        commit_layer(result, {path, schema, {date_column}, {}}, std::move(adds), table::WriteMode::overwrite(), info)
            .version;
  }
  result.seconds = seconds_since(started);
  return result;
}

}  // namespace bullion::pipeline
