#include "bullion/pipeline/silver.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

#include "bullion/core/error.h"
#include "bullion/delta/log.h"
#include "bullion/exec/scan.h"
#include "bullion/table/table.h"
#include "bullion/table/writer.h"

namespace bullion::pipeline {

namespace {

using Json = nlohmann::json;

std::string quoted(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string sql_string(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// CASE WHEN NOT coalesce((rule), false) THEN 'name' ... END over the rules whose action is not warn.
std::string violation_sql(const std::vector<std::pair<std::string, std::string>>& rules) {
  if (rules.empty()) return "CAST(NULL AS STRING)";
  std::string sql = "CASE";
  for (const auto& [name, rule] : rules) sql += " WHEN NOT coalesce((" + rule + "), false) THEN " + sql_string(name);
  return sql + " END";
}

std::string warned_sql(const std::vector<Expectation>& rules) {
  std::string sql;
  for (const Expectation& e : rules) {
    if (e.action != ViolationAction::kWarn) continue;
    sql += (sql.empty() ? "" : " + ") + std::string("CASE WHEN coalesce((") + e.rule + "), false) THEN 0 ELSE 1 END";
  }
  return sql.empty() ? "0" : sql;
}

// Binds an expectation early so that errors name the spec position.
void check_rule(const Expectation& e, const Schema& schema, const char* where) {
  try {
    expr::compile_predicate(e.rule, schema);
  } catch (const Error& err) {
    throw Error(err.category(), e.pos.to_string() + ": in " + where + " '" + e.name + "': " + err.message(),
                err.hint());
  }
}

SchemaPtr with_fields(const Schema& base, std::vector<Field> extra) {
  std::vector<Field> fields;
  for (Field f : base.fields()) {
    f.metadata.clear();
    fields.push_back(std::move(f));
  }
  for (Field& f : extra) fields.push_back(std::move(f));
  return std::make_shared<Schema>(std::move(fields));
}

}  // namespace

LayerResult run_silver(const RunContext& ctx, const SilverSpec& spec, exec::ExecContext& exec) {
  const auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = "silver";
  result.table = spec.table;
  const std::string from_path = table_path(ctx, spec.from);
  const std::string path = table_path(ctx, spec.table);
  const std::string qpath = table_path(ctx, quarantine_name(spec.table));
  if (!delta::DeltaTable::exists(from_path))
    throw Error::not_found(
        spec.pos.to_string() + ": silver table " + spec.table + " reads " + spec.from + ", which does not exist yet",
        "run the bronze layer first ('bullion run <spec> --only bronze')");
  const delta::DeltaTable from_table = delta::DeltaTable::open(from_path);
  const delta::Snapshot from = from_table.latest();
  result.versions_read[spec.from] = from.version();
  const std::string app_id = "bullion/silver/" + spec.table;
  std::optional<delta::Snapshot> silver;
  if (delta::DeltaTable::exists(path)) silver = delta::DeltaTable::open(path).latest();
  const int64_t previous = silver && !ctx.full_refresh ? silver->txn_version(app_id).value_or(-1) : -1;
  if (silver) result.versions_read[spec.table] = silver->version();
  if (previous >= from.version()) {
    result.status = "SKIPPED";
    result.message = spec.from + " has nothing new since version " + std::to_string(previous);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

  // What the source gained: the data-changing adds of its commits after `previous`.
  std::vector<delta::AddFile> files;
  if (previous < 0) {
    files = from.files();
  } else {
    for (int64_t v = previous + 1; v <= from.version(); ++v) {
      delta::CommitActions c;
      try {
        c = from_table.read_commit(v);
      } catch (const Error& e) {
        if (e.category() != ErrorCategory::kNotFound) throw;
        throw Error::not_found("version " + std::to_string(v) + " of " + spec.from +
                                   " is no longer in its log, so silver table " + spec.table +
                                   " cannot read what changed since version " + std::to_string(previous),
                               "rebuild with --full-refresh");
      }
      for (const delta::RemoveFile& r : c.removes)
        if (r.data_change)
          throw Error::unsupported("version " + std::to_string(v) + " of " + spec.from + " removed data ('" + r.path +
                                       "'); silver table " + spec.table + " reads its source incrementally as appends",
                                   "rebuild with --full-refresh");
      for (delta::AddFile& a : c.adds)
        if (a.data_change) files.push_back(std::move(a));
    }
  }
  const Schema& input = from.schema();

  // Bind everything up front: a bad rule fails before any data is read.
  for (const Expectation& e : spec.expect) check_rule(e, input, "expect");
  std::vector<std::pair<std::string, std::string>> input_rules;
  for (const Expectation& e : spec.expect)
    if (e.action != ViolationAction::kWarn) input_rules.emplace_back(e.name, e.rule);
  std::map<std::string, ViolationAction> actions;
  for (const Expectation& e : spec.expect) actions[e.name] = e.action;
  for (const Expectation& e : spec.expect_output) actions[e.name] = e.action;
  actions["merge_key_not_null"] = ViolationAction::kQuarantine;

  const SchemaPtr quarantine_schema =
      with_fields(input, {Field("_rule", DataType::string()), Field("_quarantined_at", DataType::timestamp())});
  table::DataFileWriter quarantine_writer(qpath, quarantine_schema, {});
  std::mutex route_mutex;
  std::map<std::string, int64_t> failed;  // fail rules: count
  std::string first_failure;
  auto route = [&](const Batch& rows, const Column& violation, const std::vector<size_t>& input_columns) {
    // rows[input_columns] are the input columns in input order.
    std::vector<uint32_t> quarantine_rows;
    std::vector<std::string> rules;
    for (size_t r = 0; r < rows.num_rows(); ++r) {
      if (violation.is_null(r)) continue;
      const std::string rule(violation.strings()[r]);
      switch (actions[rule]) {
        case ViolationAction::kDrop:
          ++result.dropped;
          break;
        case ViolationAction::kFail:
          if (failed[rule]++ == 0 && first_failure.empty()) {
            const auto file = rows.schema()->index_of("_source_file");
            const auto line = rows.schema()->index_of("_source_line");
            if (file && line)
              first_failure =
                  rows.column(*file)->value(r).to_display() + ":" + rows.column(*line)->value(r).to_display();
          }
          break;
        default:
          quarantine_rows.push_back(static_cast<uint32_t>(r));
          rules.push_back(rule);
      }
    }
    if (quarantine_rows.empty()) return;
    std::vector<ColumnPtr> columns;
    for (size_t idx : input_columns)
      columns.push_back(rows.column(idx)->take(quarantine_rows.data(), quarantine_rows.size()));
    auto rule_column = Column::make(DataType::string());
    for (const std::string& rule : rules) rule_column->append_string(rule);
    columns.push_back(rule_column);
    columns.push_back(Column::constant(Value::timestamp(ctx.started_at_micros), quarantine_rows.size()));
    if (!ctx.dry_run) quarantine_writer.write(Batch(quarantine_schema, std::move(columns), quarantine_rows.size()));
    result.quarantined += static_cast<int64_t>(quarantine_rows.size());
  };

  // One streaming plan: input expectations → dedupe → columns → output
  // expectations → the MERGE anti-join → the data files. Rejected rows are
  // routed to the quarantine as they stream by (map steps, under
  // route_mutex); only the dedupe and the join's build side hold rows, within
  // the memory budget.
  //
  // Stage 1: input expectations.
  delta::DeltaScanOptions scan_options;
  scan_options.files = std::move(files);
  std::vector<exec::NamedExpr> stage1;
  for (const Field& f : input.fields()) stage1.push_back({f.name, quoted(f.name)});
  stage1.push_back({"__violation", violation_sql(input_rules)});
  stage1.push_back({"__warned", warned_sql(spec.expect)});
  const SchemaPtr input_schema = with_fields(input, {});
  std::vector<size_t> input_columns(input.size());
  for (size_t i = 0; i < input.size(); ++i) input_columns[i] = i;
  int64_t before_dedupe = 0;
  // Keeps the rows without a violation (columns `keep`, as `schema`), routes
  // the others, and counts.
  auto split_rows = [&](Batch&& b, size_t violation_column, const std::vector<size_t>& route_columns,
                        const std::vector<size_t>& keep, const SchemaPtr& schema, int64_t& seen, int64_t& kept) {
    const Column& violation = *b.column(violation_column);
    const Column& warned = *b.column(violation_column + 1);
    std::vector<uint32_t> good;
    int64_t warned_rows = 0;
    for (size_t r = 0; r < b.num_rows(); ++r) {
      warned_rows += warned.data<int32_t>()[r];
      if (violation.is_null(r)) good.push_back(static_cast<uint32_t>(r));
    }
    {
      std::lock_guard lock(route_mutex);
      seen += static_cast<int64_t>(b.num_rows());
      kept += static_cast<int64_t>(good.size());
      result.warned += warned_rows;
      if (good.size() != b.num_rows()) route(b, violation, route_columns);
    }
    if (good.size() == b.num_rows()) return Batch(schema, b.project(keep).columns(), good.size());  // no copy
    return Batch(schema, b.project(keep).take(good.data(), good.size()).columns(), good.size());
  };
  exec::Plan p2 = exec::scan_delta(from, scan_options)
                      .project(stage1)
                      .map(
                          input_schema,
                          [&](Batch&& b) {
                            return split_rows(std::move(b), input.size(), input_columns, input_columns, input_schema,
                                              result.rows_in, before_dedupe);
                          },
                          "input expectations of " + spec.table);

  // Stage 2: dedupe → columns → output expectations and NULL merge keys.
  if (!spec.dedupe_on.empty()) {
    std::vector<exec::SortSpec> order;
    for (const char* c : {"_ingested_at", "_source_file", "_source_line"})
      if (input_schema->index_of(c)) order.push_back({c, false, {}});
    // The dedupe reads the keys of the new rows first: only the rows of keys that repeat are held.
    delta::DeltaScanOptions keys_options;
    keys_options.files = scan_options.files;
    keys_options.columns = spec.dedupe_on;
    p2 = p2.dedupe(spec.dedupe_on, order, exec::scan_delta(from, keys_options));
  }
  std::vector<exec::NamedExpr> columns;
  for (const SpecExpr& c : spec.columns) {
    try {
      expr::compile(c.sql, input);
    } catch (const Error& e) {
      throw Error(e.category(),
                  c.pos.to_string() + ": column '" + c.name + "' of silver table " + spec.table + ": " + e.message(),
                  e.hint());
    }
    columns.push_back({c.name, c.sql});
  }
  for (const Field& f : input.fields()) columns.push_back({"__in_" + f.name, quoted(f.name)});
  try {
    p2 = p2.project(columns);
  } catch (const Error& e) {
    throw Error(e.category(), spec.pos.to_string() + ": columns of silver table " + spec.table + ": " + e.message(),
                e.hint());
  }
  std::vector<Field> output_fields;
  for (size_t i = 0; i < spec.columns.size(); ++i) output_fields.push_back(p2.schema()->field(i));
  const SchemaPtr output_schema = std::make_shared<Schema>(output_fields);
  for (const Expectation& e : spec.expect_output) check_rule(e, *output_schema, "expect_output");
  std::vector<std::pair<std::string, std::string>> output_rules;
  for (const Expectation& e : spec.expect_output)
    if (e.action != ViolationAction::kWarn) output_rules.emplace_back(e.name, e.rule);
  if (!spec.merge_on.empty()) {
    std::string all_keys;
    for (const std::string& k : spec.merge_on) {
      if (!output_schema->index_of(k))
        throw Error::invalid_input(
            spec.pos.to_string() + ": merge_on column '" + k + "' is not a column of silver table " + spec.table,
            "merge_on names output columns (under columns:)");
      all_keys += (all_keys.empty() ? "" : " AND ") + quoted(k) + " IS NOT NULL";
    }
    output_rules.emplace_back("merge_key_not_null", all_keys);
  }
  std::vector<exec::NamedExpr> stage2;
  for (const Field& f : p2.schema()->fields()) stage2.push_back({f.name, quoted(f.name)});
  stage2.push_back({"__violation", violation_sql(output_rules)});
  stage2.push_back({"__warned", warned_sql(spec.expect_output)});
  const size_t n_out = spec.columns.size();
  std::vector<size_t> hidden_input(input.size()), output_columns(n_out);
  for (size_t i = 0; i < input.size(); ++i) hidden_input[i] = n_out + i;
  for (size_t i = 0; i < n_out; ++i) output_columns[i] = i;
  int64_t after_dedupe = 0, transformed = 0;
  exec::Plan p3 = p2.project(stage2).map(
      output_schema,
      [&](Batch&& b) {
        return split_rows(std::move(b), n_out + input.size(), hidden_input, output_columns, output_schema, after_dedupe,
                          transformed);
      },
      "output expectations of " + spec.table);

  // Stage 3: MERGE ... WHEN NOT MATCHED THEN INSERT: an anti-join against the existing keys.
  const bool merging = silver && !ctx.full_refresh && !spec.merge_on.empty();
  if (merging) {
    delta::DeltaScanOptions keys;
    keys.columns = spec.merge_on;
    p3 = p3.join(exec::scan_delta(*silver, keys), spec.merge_on, spec.merge_on, exec::JoinType::kAnti);
  }
  // One writer per worker: encoding and compressing the files is a large share of the work.
  std::vector<std::unique_ptr<table::DataFileWriter>> writers;
  for (size_t w = 0; w < exec.num_workers(); ++w)
    writers.push_back(std::make_unique<table::DataFileWriter>(path, output_schema, std::vector<std::string>{}));
  std::atomic<int64_t> rows_out{0};
  p3.execute_per_worker(exec, [&](size_t worker, Batch&& b) {
    rows_out += static_cast<int64_t>(b.num_rows());
    if (!ctx.dry_run) writers[worker]->write(b);  // a dry run computes everything and writes nothing
  });
  result.rows_out = rows_out;
  if (!failed.empty()) {
    std::string list;
    for (const auto& [rule, n] : failed)
      list += (list.empty() ? "" : ", ") + rule + " (" + std::to_string(n) + " rows)";
    throw Error::invalid_input(
        "silver table " + spec.table + ": expectation(s) with on_violation: fail were violated: " + list +
            (first_failure.empty() ? "" : "; first at " + first_failure),
        "fix the source data, or change on_violation to quarantine, drop or warn; nothing was committed");
  }
  result.deduplicated = before_dedupe - after_dedupe;
  result.already_present = transformed - result.rows_out;
  const int64_t accounted =
      result.rows_out + result.quarantined + result.dropped + result.deduplicated + result.already_present;
  if (accounted != result.rows_in)
    throw Error::internal("silver accounting: " + std::to_string(result.rows_in) + " rows in, " +
                          std::to_string(accounted) + " accounted for");
  if (ctx.dry_run) {
    result.status = "DRY RUN";
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

  const std::string lineage = Json{{"pipeline", ctx.spec->name},
                                   {"layer", "silver"},
                                   {"run_id", ctx.run_id},
                                   {"spec_hash", ctx.spec->hash},
                                   {"lineage", {{spec.from, from.version()}}}}
                                  .dump();
  // Quarantine first, exactly once (its own txn); then Silver with the source version it consumed.
  std::vector<delta::AddFile> qadds = quarantine_writer.finish();
  std::optional<delta::Snapshot> quarantine;
  if (delta::DeltaTable::exists(qpath)) quarantine = delta::DeltaTable::open(qpath).latest();
  const bool quarantine_done =
      quarantine && !ctx.full_refresh && quarantine->txn_version(app_id).value_or(-1) >= from.version();
  if (!quarantine_done && (!qadds.empty() || ctx.full_refresh)) {
    table::CommitInfo info;
    info.bullion_json = lineage;
    info.txn = delta::Txn{app_id, from.version(), std::nullopt};
    info.merge_schema = true;
    result.quarantine_version_written =
        commit_layer(result, {qpath, quarantine_schema, {}, {}}, std::move(qadds),
                     ctx.full_refresh ? table::WriteMode::overwrite() : table::WriteMode::append(), info)
            .version;
  }
  std::vector<delta::AddFile> adds;
  for (auto& w : writers)
    for (delta::AddFile& a : w->finish()) adds.push_back(std::move(a));
  table::CommitInfo info;
  info.operation = merging ? "MERGE" : "WRITE";
  if (merging) {
    std::string predicate;
    for (const std::string& k : spec.merge_on)
      predicate += (predicate.empty() ? "" : " AND ") + ("target." + k + " = source." + k);
    info.parameters = {{"predicate", predicate},
                       {"matchedPredicates", "[]"},
                       {"notMatchedPredicates", "[{\"actionType\":\"insert\"}]"}};
    info.read_whole_table = true;
  }
  info.bullion_json = lineage;
  info.txn = delta::Txn{app_id, from.version(), std::nullopt};
  result.version_written =
      commit_layer(result, {path, output_schema, {}, {}}, std::move(adds),
                   ctx.full_refresh ? table::WriteMode::overwrite() : table::WriteMode::append(), info)
          .version;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace bullion::pipeline
