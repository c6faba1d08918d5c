// `bullion table ...`: inspect and maintain Delta tables.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bullion/core/error.h"
#include "bullion/core/memory.h"
#include "bullion/core/time.h"
#include "bullion/delta/catalog.h"
#include "bullion/delta/log.h"
#include "bullion/delta/maintenance.h"
#include "bullion/delta/scan.h"
#include "bullion/exec/plan.h"
#include "bullion/expr/analysis.h"
#include "bullion/expr/binder.h"
#include "bullion/server/row_json.h"
#include "bullion/table/maintenance.h"
#include "bullion/table/table.h"
#include "cli/cli.h"

namespace bullion::cli {

namespace {

using nlohmann::ordered_json;

// --version N / --timestamp T selection shared by read commands.
struct VersionOptions {
  int64_t version = -1;
  std::string timestamp;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--version", version, "Read the table as of this version")->check(CLI::NonNegativeNumber);
    cmd->add_option("--timestamp", timestamp,
                    "Read the table as of this time (ISO-8601, e.g. 2026-03-01T10:00:00Z, or a date)");
    cmd->get_option("--version")->excludes(cmd->get_option("--timestamp"));
  }

  delta::Snapshot snapshot(const delta::DeltaTable& table) const {
    if (version >= 0) return table.at_version(version);
    if (!timestamp.empty()) {
      std::optional<int64_t> micros = parse_timestamp(timestamp);
      if (!micros) {
        if (auto d = parse_date(timestamp)) micros = static_cast<int64_t>(*d) * kMicrosPerDay;
      }
      if (!micros)
        throw Error::invalid_input("--timestamp '" + timestamp + "' is not an ISO-8601 time or a date",
                                   "use e.g. 2026-03-01T10:00:00Z or 2026-03-01");
      return table.at_timestamp(*micros / 1000);
    }
    return table.latest();
  }
};

delta::DeltaTable open_table(const GlobalOptions& global, const std::string& name) {
  return delta::DeltaTable::open(delta::resolve_table(global.lakehouse, name).path);
}

std::string short_time(int64_t ms) {
  std::string s = format_timestamp(ms * 1000);
  return s;
}

void history_command(const GlobalOptions& global, const std::string& name, size_t limit, bool json) {
  const delta::DeltaTable table = open_table(global, name);
  const auto entries = table.history(limit);
  if (json) {
    ordered_json out = ordered_json::array();
    for (const auto& h : entries) {
      ordered_json e{{"version", h.version}, {"timestamp", short_time(h.timestamp_ms)}};
      if (h.commit_info) {
        const auto info = ordered_json::parse(h.commit_info->json, nullptr, false);
        if (!info.is_discarded()) e["commitInfo"] = info;
      }
      out.push_back(std::move(e));
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("%-8s %-26s %-22s %s\n", "VERSION", "TIMESTAMP", "OPERATION", "DETAILS");
  for (const auto& h : entries) {
    std::string op = "-";
    std::string details;
    if (h.commit_info) {
      op = h.commit_info->operation.value_or("-");
      const auto info = ordered_json::parse(h.commit_info->json, nullptr, false);
      if (!info.is_discarded()) {
        if (info.contains("operationMetrics") && info["operationMetrics"].is_object())
          for (auto it = info["operationMetrics"].begin(); it != info["operationMetrics"].end(); ++it)
            if (it.key() == "numOutputRows" || it.key() == "numFiles" || it.key() == "numAddedFiles" ||
                it.key() == "numRemovedFiles" || it.key() == "numDeletedFiles")
              details += it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump()) + " ";
        if (info.contains("bullion") && info["bullion"].is_object() && info["bullion"].contains("layer"))
          details += "layer=" + info["bullion"]["layer"].dump() + " ";
        if (info.contains("engineInfo") && info["engineInfo"].is_string())
          details += "engine=" + info["engineInfo"].get<std::string>();
      }
    }
    std::printf("%-8lld %-26s %-22s %s\n", static_cast<long long>(h.version), short_time(h.timestamp_ms).c_str(),
                op.c_str(), details.c_str());
  }
}

void describe_command(const GlobalOptions& global, const std::string& name, const VersionOptions& at, bool json) {
  const delta::DeltaTable table = open_table(global, name);
  const delta::Snapshot s = at.snapshot(table);
  uint64_t bytes = 0;
  for (const auto& f : s.files()) bytes += static_cast<uint64_t>(f.size);
  if (json) {
    ordered_json columns = ordered_json::array();
    for (const Field& f : s.schema().fields())
      columns.push_back({{"name", f.name}, {"type", f.type.to_string()}, {"nullable", f.nullable}});
    ordered_json protocol{{"minReaderVersion", s.protocol().min_reader_version},
                          {"minWriterVersion", s.protocol().min_writer_version}};
    if (s.protocol().reader_features) protocol["readerFeatures"] = *s.protocol().reader_features;
    if (s.protocol().writer_features) protocol["writerFeatures"] = *s.protocol().writer_features;
    ordered_json out{{"name", name},
                     {"path", table.path()},
                     {"version", s.version()},
                     {"timestamp", short_time(s.timestamp_ms())},
                     {"id", s.metadata().id},
                     {"columns", columns},
                     {"partitionColumns", s.partition_columns()},
                     {"protocol", protocol},
                     {"properties", s.metadata().configuration},
                     {"numFiles", s.files().size()},
                     {"sizeInBytes", bytes}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("table      %s\npath       %s\nversion    %lld (%s)\nid         %s\n", name.c_str(), table.path().c_str(),
              static_cast<long long>(s.version()), short_time(s.timestamp_ms()).c_str(), s.metadata().id.c_str());
  std::printf("protocol   reader %d, writer %d", s.protocol().min_reader_version, s.protocol().min_writer_version);
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  if (s.protocol().reader_features) std::printf("; reader features: %s", list(*s.protocol().reader_features).c_str());
  if (s.protocol().writer_features) std::printf("; writer features: %s", list(*s.protocol().writer_features).c_str());
  std::printf("\nfiles      %zu (%s)\n", s.files().size(), format_byte_size(bytes).c_str());
  if (!s.partition_columns().empty()) std::printf("partitions %s\n", list(s.partition_columns()).c_str());
  std::printf("columns\n");
  for (const Field& f : s.schema().fields())
    std::printf("  %-30s %s%s\n", f.name.c_str(), f.type.to_string().c_str(), f.nullable ? "" : " NOT NULL");
  if (!s.metadata().configuration.empty()) {
    std::printf("properties\n");
    for (const auto& [k, v] : s.metadata().configuration) std::printf("  %s = %s\n", k.c_str(), v.c_str());
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void show_command(const GlobalOptions& global, const std::string& name, const VersionOptions& at, size_t limit,
                  const std::string& format, const std::vector<std::string>& columns) {
  const delta::DeltaTable table = open_table(global, name);
  delta::DeltaScanOptions options;
  options.columns = columns;
  const delta::DeltaScan scan(at.snapshot(table), options);
  const Schema& schema = *scan.schema();
  std::vector<std::vector<std::string>> text_rows;  // for --format table
  size_t shown = 0;
  if (format == "csv") {
    std::string header;
    for (size_t c = 0; c < schema.size(); ++c) header += (c ? "," : "") + csv_field(schema.field(c).name);
    std::cout << header << "\n";
  }
  for (size_t f = 0; f < scan.num_files() && (limit == 0 || shown < limit); ++f) {
    scan.read_file(f, [&](Batch&& batch) {
      for (size_t r = 0; r < batch.num_rows() && (limit == 0 || shown < limit); ++r, ++shown) {
        if (format == "json") {
          std::cout << server::row_to_json(batch, r).dump() << "\n";
        } else if (format == "csv") {
          std::string line;
          for (size_t c = 0; c < schema.size(); ++c) {
            const Value v = batch.column(c)->value(r);
            line += (c ? "," : "") + (v.is_null() ? std::string() : csv_field(v.to_display()));
          }
          std::cout << line << "\n";
        } else {
          std::vector<std::string> cells;
          for (size_t c = 0; c < schema.size(); ++c) cells.push_back(batch.column(c)->value(r).to_display());
          text_rows.push_back(std::move(cells));
        }
      }
    });
  }
  if (format != "table") return;
  std::vector<size_t> width(schema.size());
  for (size_t c = 0; c < schema.size(); ++c) width[c] = schema.field(c).name.size();
  for (const auto& row : text_rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto print = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) line += " | ";
      line += cells[c];
      if (c + 1 < cells.size()) line.append(width[c] - std::min(width[c], cells[c].size()), ' ');
    }
    std::cout << line << "\n";
  };
  print(schema.names());
  std::string rule;
  for (size_t c = 0; c < schema.size(); ++c) rule += (c ? "-+-" : "") + std::string(width[c], '-');
  std::cout << rule << "\n";
  for (const auto& row : text_rows) print(row);
  std::cout << "(" << shown << " row" << (shown == 1 ? "" : "s") << (limit != 0 && shown == limit ? ", limited" : "")
            << ")\n";
}

void vacuum_command(const GlobalOptions& global, const std::string& name, double retain_hours, bool dry_run, bool force,
                    bool json) {
  const delta::DeltaTable table = open_table(global, name);
  delta::VacuumOptions options;
  if (retain_hours >= 0) options.retention_ms = static_cast<int64_t>(retain_hours * 3600.0 * 1000.0);
  options.dry_run = dry_run;
  options.force = force;
  const delta::VacuumResult r = delta::vacuum(table, options);
  if (json) {
    ordered_json out{{"dryRun", dry_run},
                     {"deletedFiles", r.deleted},
                     {"deletedBytes", r.deleted_bytes},
                     {"keptFiles", r.kept_files},
                     {"earliestProtectedVersion", r.earliest_protected_version}};
    if (r.commit_version) out["commitVersion"] = *r.commit_version;
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("%s %zu file(s), %s%s\n", dry_run ? "would delete" : "deleted", r.deleted.size(),
              format_byte_size(r.deleted_bytes).c_str(),
              dry_run ? "" : (" (commit version " + std::to_string(r.commit_version.value_or(-1)) + ")").c_str());
  for (const std::string& f : r.deleted) std::printf("  %s\n", f.c_str());
  std::printf("kept %llu file(s); every version from %lld on remains readable\n",
              static_cast<unsigned long long>(r.kept_files), static_cast<long long>(r.earliest_protected_version));
}

}  // namespace

void add_table_commands(CLI::App& app, GlobalOptions& global) {
  CLI::App* table = app.add_subcommand("table", "Inspect and maintain Delta tables");
  table->require_subcommand(1);

  struct Args {
    std::string name;
    size_t limit = 0;
    bool json = false;
    VersionOptions at;
    double retain_hours = -1;
    bool dry_run = false;
    bool force = false;
    std::string format = "table";
    std::vector<std::string> columns;
    std::string where;
  };
  auto args = std::make_shared<Args>();  // history
  CLI::App* history = table->add_subcommand("history", "Show a table's commits, newest first");
  history->add_option("table", args->name, "Table name (catalog.schema.table) or path")->required();
  history->add_option("--limit", args->limit, "Show at most this many commits");
  history->add_flag("--json", args->json, "Print JSON");
  history->callback([&global, args] { history_command(global, args->name, args->limit, args->json); });

  args = std::make_shared<Args>();
  CLI::App* show = table->add_subcommand("show", "Print a table's rows");
  show->add_option("table", args->name, "Table name (catalog.schema.table) or path")->required();
  args->at.add_to(show);
  show->add_option("--limit", args->limit, "Print at most this many rows (default 20; 0 = all)")->default_val(20);
  show->add_option("--format", args->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->default_val("table");
  show->add_option("--columns", args->columns, "Only these columns (comma-separated)")->delimiter(',');
  show->callback(
      [&global, args] { show_command(global, args->name, args->at, args->limit, args->format, args->columns); });

  args = std::make_shared<Args>();
  CLI::App* describe =
      table->add_subcommand("describe", "Show a table's schema, partitioning, protocol and properties");
  describe->add_option("table", args->name, "Table name (catalog.schema.table) or path")->required();
  args->at.add_to(describe);
  describe->add_flag("--json", args->json, "Print JSON");
  describe->callback([&global, args] { describe_command(global, args->name, args->at, args->json); });

  args = std::make_shared<Args>();
  CLI::App* optimize =
      table->add_subcommand("optimize", "Compact small files (bin-packing), or Z-order, in some partitions");
  optimize->add_option("table", args->name, "Table name (catalog.schema.table) or path")->required();
  optimize->add_option("--where", args->where, "Partitions to optimize, as SQL on partition columns (default: all)");
  optimize->add_option("--zorder-by", args->columns, "Z-order columns (comma-separated; one column: a sort)")
      ->delimiter(',');
  optimize->add_flag("--json", args->json, "Print JSON");
  optimize->callback([&global, args] {
    const std::string path = delta::resolve_table(global.lakehouse, args->name).path;
    table::OptimizeOptions options;
    options.zorder_by = args->columns;
    if (!args->where.empty()) {
      const auto snapshot = delta::DeltaTable::open(path).latest();
      const auto predicate = expr::compile_predicate(args->where, snapshot.schema());
      const auto pruning = expr::extract_pruning(*predicate);
      if (pruning.conjunction.empty())
        throw Error::invalid_input("--where '" + args->where + "' has no simple conditions on partition columns",
                                   "use e.g. --where \"feature_date = DATE '2026-01-01'\"");
      options.partitions = pruning.conjunction;
    }
    exec::ExecContext exec;
    const table::OptimizeResult r = table::optimize(path, options, exec);
    if (args->json) {
      ordered_json out{{"filesRemoved", r.files_removed}, {"filesAdded", r.files_added}, {"partitions", r.partitions}};
      if (r.version) out["version"] = *r.version;
      std::cout << out.dump(2) << "\n";
    } else if (!r.version) {
      std::printf("nothing to optimize in %s\n", args->name.c_str());
    } else {
      std::printf("optimized %s: %zu file(s) rewritten into %zu in %zu partition(s) (version %lld)\n",
                  args->name.c_str(), r.files_removed, r.files_added, r.partitions, static_cast<long long>(*r.version));
    }
  });

  args = std::make_shared<Args>();
  CLI::App* vacuum = table->add_subcommand(
      "vacuum", "Delete data files that no version still in the log references and that are older than the retention");
  vacuum->add_option("table", args->name, "Table name (catalog.schema.table) or path")->required();
  vacuum
      ->add_option("--retain-hours", args->retain_hours,
                   "Keep files younger than this (default: the table's delta.deletedFileRetentionDuration, else 168)")
      ->check(CLI::NonNegativeNumber);
  vacuum->add_flag("--dry-run", args->dry_run, "List what would be deleted; delete nothing");
  vacuum->add_flag("--force", args->force, "Allow a retention under 168 hours");
  vacuum->add_flag("--json", args->json, "Print JSON");
  vacuum->callback([&global, args] {
    vacuum_command(global, args->name, args->retain_hours, args->dry_run, args->force, args->json);
  });

  args = std::make_shared<Args>();
  CLI::App* restore = table->add_subcommand("restore", "Restore a table to an earlier version (a new commit)");
  restore->add_option("table", args->name, "Table name (catalog.schema.table) or path")->required();
  restore->add_option("--version", args->at.version, "The version to restore")
      ->required()
      ->check(CLI::NonNegativeNumber);
  restore->add_flag("--json", args->json, "Print JSON");
  restore->callback([&global, args] {
    const std::string path = delta::resolve_table(global.lakehouse, args->name).path;
    const table::WriteResult r = table::restore(path, args->at.version);
    if (args->json) {
      std::cout << ordered_json{{"version", r.version},
                                {"restoredVersion", args->at.version},
                                {"filesAdded", r.files_added},
                                {"filesRemoved", r.files_removed}}
                       .dump(2)
                << "\n";
    } else {
      std::printf("restored %s to version %lld as version %lld (%zu file(s) re-added, %zu removed)\n",
                  args->name.c_str(), static_cast<long long>(args->at.version), static_cast<long long>(r.version),
                  r.files_added, r.files_removed);
    }
  });
}

}  // namespace bullion::cli
