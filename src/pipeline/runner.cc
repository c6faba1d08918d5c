#include "bullion/pipeline/runner.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/core/uuid.h"
#include "bullion/delta/log.h"
#include "bullion/pipeline/bronze.h"
#include "bullion/pipeline/gold.h"
#include "bullion/pipeline/silver.h"

namespace bullion::pipeline {

namespace {

using Json = nlohmann::ordered_json;

Json layer_json(const LayerResult& r) {
  Json j{{"layer", r.layer},
         {"table", r.table},
         {"status", r.status},
         {"rows_in", r.rows_in},
         {"rows_out", r.rows_out},
         {"quarantined", r.quarantined},
         {"deduplicated", r.deduplicated},
         {"already_present", r.already_present},
         {"dropped", r.dropped},
         {"rescued", r.rescued},
         {"warned", r.warned},
         {"versions_read", r.versions_read},
         {"seconds", r.seconds},
         {"commit_seconds", r.commit_seconds}};
  if (r.version_written) j["version_written"] = *r.version_written;
  if (r.quarantine_version_written) j["quarantine_version_written"] = *r.quarantine_version_written;
  if (!r.files.empty()) j["files"] = r.files;
  if (!r.message.empty()) j["message"] = r.message;
  if (!r.warnings.empty()) j["warnings"] = r.warnings;
  return j;
}

}  // namespace

std::string RunRecord::to_json() const {
  Json layers_json = Json::array();
  for (const auto& l : layers) layers_json.push_back(layer_json(l));
  Json j{{"run_id", run_id},
         {"pipeline", pipeline},
         {"spec_file", spec_file},
         {"spec_hash", spec_hash},
         {"started_at", format_timestamp(started_at_micros)},
         {"seconds", seconds},
         {"status", status}};
  if (!error.empty()) j["error"] = error;
  if (!as_of.empty()) j["as_of"] = as_of;
  j["layers"] = layers_json;
  return j.dump(2);
}

std::vector<int32_t> parse_as_of(const std::string& as_of, const std::string& every) {
  auto date = [&](const std::string& text) {
    const auto d = parse_date(text);
    if (!d)
      throw Error::invalid_input("--as-of '" + as_of + "' is not a date or a range of dates",
                                 "use 2026-03-01 or 2026-01-01..2026-03-31");
    return *d;
  };
  const size_t dots = as_of.find("..");
  if (dots == std::string::npos) {
    if (!every.empty()) throw Error::invalid_input("--every needs a range in --as-of (A..B)");
    return {date(as_of)};
  }
  const int32_t first = date(as_of.substr(0, dots)), last = date(as_of.substr(dots + 2));
  if (last < first) throw Error::invalid_input("--as-of range '" + as_of + "' ends before it starts");
  int32_t step = 1;
  if (!every.empty()) {
    const char unit = every.back();
    int n = 0;
    try {
      n = std::stoi(every.substr(0, every.size() - 1));
    } catch (...) {
    }
    if (n <= 0 || (unit != 'd' && unit != 'w'))
      throw Error::invalid_input("--every '" + every + "' is not a step such as 7d or 1w");
    step = unit == 'w' ? n * 7 : n;
  }
  std::vector<int32_t> out;
  for (int32_t d = first; d <= last; d += step) out.push_back(d);
  return out;
}

RunRecord run_pipeline(const PipelineSpec& spec, const std::string& lakehouse, const RunOptions& options,
                       exec::ExecContext& exec) {
  static const std::vector<std::string> kLayers = {"bronze", "silver", "gold", "labels"};
  if (options.only && std::find(kLayers.begin(), kLayers.end(), *options.only) == kLayers.end())
    throw Error::invalid_input("--only '" + *options.only + "' is not a layer", "use bronze, silver, gold or labels");
  const auto started = std::chrono::steady_clock::now();
  RunContext ctx;
  ctx.lakehouse = lakehouse;
  ctx.spec = &spec;
  ctx.run_id = make_uuid();
  ctx.started_at_micros = now_micros();
  ctx.dry_run = options.dry_run;
  ctx.full_refresh = options.full_refresh;
  RunRecord record;
  record.run_id = ctx.run_id;
  record.pipeline = spec.name;
  record.spec_file = spec.file;
  record.spec_hash = spec.hash;
  record.started_at_micros = ctx.started_at_micros;
  std::vector<int32_t> dates = options.as_of_dates;
  if (dates.empty()) dates.push_back(date_of_timestamp(ctx.started_at_micros));
  for (int32_t d : dates) record.as_of.push_back(format_date(d));

  auto wants = [&](const std::string& layer) { return !options.only || *options.only == layer; };
  auto finish = [&] {
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options.dry_run) return;
    const std::string dir = join_path(lakehouse, "_runs");
    FileSystem::local().create_dirs(dir);
    std::string stamp = format_timestamp(record.started_at_micros);
    for (char& c : stamp)
      if (c == ':') c = '-';
    record.record_path = dir + "/" + stamp + "-" + record.run_id + ".json";
    FileSystem::local().write_atomic(record.record_path, record.to_json() + "\n");
  };
  // A dry run creates no table: a layer reading one that an earlier layer of
  // this run would have created is skipped, saying so.
  std::set<std::string> would_create;
  auto run = [&](const std::string& layer, const std::string& table, const std::vector<std::string>& inputs,
                 const std::function<LayerResult()>& fn) {
    if (options.dry_run) {
      would_create.insert(table);
      for (const std::string& input : inputs)
        if (would_create.contains(input) && !delta::DeltaTable::exists(table_path(ctx, input))) {
          LayerResult skipped;
          skipped.layer = layer;
          skipped.table = table;
          skipped.status = "SKIPPED";
          skipped.message = "dry run: " + input + " does not exist yet (an earlier layer of this run would create it)";
          record.layers.push_back(std::move(skipped));
          return;
        }
    }
    try {
      record.layers.push_back(fn());
    } catch (const Error& e) {
      LayerResult failed;
      failed.layer = layer;
      failed.table = table;
      failed.status = "FAILED";
      failed.message = e.message();
      record.layers.push_back(std::move(failed));
      record.status = "FAILED";
      record.error = e.message();
      finish();
      throw;
    }
  };
  if (wants("bronze"))
    for (const auto& b : spec.bronze) run("bronze", b.table, {}, [&] { return run_bronze(ctx, b); });
  if (wants("silver"))
    for (const auto& s : spec.silver) run("silver", s.table, {s.from}, [&] { return run_silver(ctx, s, exec); });
  if (wants("gold"))
    for (const auto& g : spec.gold) run("gold", g.table, {g.from}, [&] { return run_gold(ctx, g, dates, exec); });
  if (wants("labels"))
    for (const auto& l : spec.labels)
      run("labels", l.table, {l.from, l.features}, [&] { return run_labels(ctx, l, exec); });
  finish();
  return record;
}

}  // namespace bullion::pipeline
