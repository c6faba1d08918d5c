// delta_tool — a test-only driver of bullion's Delta writer for interop and
// crash tests (tests/interop/test_delta_write.py). Not part of the product.
//
//   delta_tool write TABLE --schema id:bigint,day:date --rows rows.jsonl [--mode append|overwrite|replace]
//                          [--partition day] [--where day=2024-01-01] [--merge-schema] [--txn app:version]
//   delta_tool append-loop TABLE --writer W --commits N   (one row per commit: writer, seq)
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/delta/partition_values.h"
#include "bullion/formats/json/ndjson_scanner.h"
#include "bullion/table/table.h"
#include "bullion/table/writer.h"

using namespace bullion;

namespace {

DataType type_named(const std::string& name) {
  if (name == "bigint" || name == "long") return DataType::int64();
  if (name == "int" || name == "integer") return DataType::int32();
  if (name == "string") return DataType::string();
  if (name == "double") return DataType::float64();
  if (name == "boolean") return DataType::boolean();
  if (name == "date") return DataType::date();
  if (name == "timestamp") return DataType::timestamp();
  if (name.rfind("decimal(", 0) == 0) {
    const size_t comma = name.find(',');
    return DataType::decimal(std::stoi(name.substr(8, comma - 8)), std::stoi(name.substr(comma + 1)));
  }
  throw Error::invalid_input("unknown type '" + name + "'");
}

SchemaPtr parse_schema(const std::string& text) {
  std::vector<Field> fields;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);
    // decimal(p,s) contains a comma
    if (end != std::string::npos && text.find('(', pos) < end && text.find(')', pos) > end)
      end = text.find(',', text.find(')', pos));
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(pos, end - pos);
    const size_t colon = item.find(':');
    fields.emplace_back(item.substr(0, colon), type_named(item.substr(colon + 1)));
    pos = end + 1;
  }
  return std::make_shared<Schema>(std::move(fields));
}

int write_command(const std::string& table_path, const std::string& schema_text, const std::string& rows_path,
                  const std::string& mode, const std::string& partition, const std::string& where, bool merge_schema,
                  const std::string& txn) {
  const SchemaPtr schema = parse_schema(schema_text);
  json::ScanOptions options;
  options.rescued_data_column = "";
  options.source_file_column = "";
  options.source_line_column = "";
  const json::NdjsonScanner scanner(*schema, options);
  const json::ScanResult rows = json::scan_all(scanner, json::find_ndjson_files(FileSystem::local(), rows_path));
  if (!rows.rejected.empty()) throw Error::invalid_input("rejected line: " + rows.rejected.front().error);
  std::vector<std::string> partitions;
  if (!partition.empty()) partitions.push_back(partition);
  table::TableSpec spec{table_path, schema, partitions, {}};
  table::DataFileWriter writer(table_path, schema, partitions);
  writer.write(Batch(schema, rows.batch.columns(), rows.batch.num_rows()));
  table::WriteMode write_mode = table::WriteMode::append();
  if (mode == "overwrite") write_mode = table::WriteMode::overwrite();
  if (mode == "replace") {
    const size_t eq = where.find('=');
    const std::string column = where.substr(0, eq);
    const auto idx = schema->index_of(column);
    if (!idx) throw Error::invalid_input("unknown column in --where");
    write_mode = table::WriteMode::replace_where(
        {{column,
          CompareOp::kEq,
          {delta::parse_partition_value(where.substr(eq + 1), schema->field(*idx).type, column)}}});
  }
  table::CommitInfo info;
  info.merge_schema = merge_schema;
  if (!txn.empty()) {
    const size_t colon = txn.find(':');
    info.txn = delta::Txn{txn.substr(0, colon), std::stoll(txn.substr(colon + 1)), std::nullopt};
  }
  const table::WriteResult r = table::commit_write(spec, writer.finish(), write_mode, info);
  std::printf("{\"version\": %lld, \"attempts\": %d}\n", static_cast<long long>(r.version), r.attempts);
  return 0;
}

int append_loop(const std::string& table_path, int64_t writer_id, int64_t commits) {
  auto schema =
      std::make_shared<Schema>(std::vector<Field>{Field("writer", DataType::int64()), Field("seq", DataType::int64())});
  for (int64_t seq = 0; seq < commits; ++seq) {
    Batch b = Batch::empty(schema);
    b.column(0)->append<int64_t>(writer_id);
    b.column(1)->append<int64_t>(seq);
    b.sync_num_rows();
    for (int attempt = 0;; ++attempt) {
      try {
        table::DataFileWriter w(table_path, schema, {});
        w.write(b);
        const auto r = table::commit_write({table_path, schema, {}, {}}, w.finish(), table::WriteMode::append(), {});
        // One line per landed commit: the crash tests count these.
        std::printf("committed %lld %lld %lld\n", static_cast<long long>(writer_id), static_cast<long long>(seq),
                    static_cast<long long>(r.version));
        std::fflush(stdout);
        break;
      } catch (const Error& e) {
        // Losing a concurrent table creation is retried as an append.
        if (e.category() != ErrorCategory::kConflict || attempt > 5) throw;
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"delta_tool (tests only)"};
  app.require_subcommand(1);
  std::string table, schema, rows, mode = "append", partition, where, txn;
  bool merge_schema = false;
  int64_t writer = 0, commits = 0;
  CLI::App* write = app.add_subcommand("write");
  write->add_option("table", table)->required();
  write->add_option("--schema", schema)->required();
  write->add_option("--rows", rows)->required();
  write->add_option("--mode", mode);
  write->add_option("--partition", partition);
  write->add_option("--where", where);
  write->add_option("--txn", txn);
  write->add_flag("--merge-schema", merge_schema);
  CLI::App* loop = app.add_subcommand("append-loop");
  loop->add_option("table", table)->required();
  loop->add_option("--writer", writer)->required();
  loop->add_option("--commits", commits)->required();
  CLI11_PARSE(app, argc, argv);
  try {
    if (write->parsed()) return write_command(table, schema, rows, mode, partition, where, merge_schema, txn);
    return append_loop(table, writer, commits);
  } catch (const Error& e) {
    std::fprintf(stderr, "delta_tool: %s: %s\n", std::string(category_name(e.category())).c_str(), e.what());
    return exit_code(e.category());
  }
}
