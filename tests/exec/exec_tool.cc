// exec_tool — a test-only driver of bullion's exec operators and table
// operations on Parquet files, for the interop tests that compare them with
// DuckDB, Spark + Delta and delta-rs (tests/interop/test_exec_peers.py).
// Not part of the product.
//
//   exec_tool [--threads N] [--memory-limit SIZE] [--force-spill] COMMAND ...
//   exec_tool aggregate --parquet F... [--keys a,b] --agg "n=count(*)" [--agg ...] --out OUT.parquet
//   exec_tool join --left F... --right G... --left-keys k --right-keys rk --type inner|left|semi|anti --out OUT
//   exec_tool dedupe --parquet F... --keys k --order "ts DESC,id [NULLS FIRST|LAST]" [--two-pass] --out OUT
//   exec_tool write --table T --parquet F... [--partition p] [--mode append|overwrite]   (one commit)
//   exec_tool merge --table T --source F... --keys k   (WHEN MATCHED UPDATE SET * WHEN NOT MATCHED INSERT *)
//
// Each command prints one JSON line: rows (output rows, or the commit's
// version and counts), spilled_bytes (written to spill files by this
// process) and peak_memory (the budget's peak reservation).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/memory.h"
#include "bullion/core/thread_pool.h"
#include "bullion/exec/plan.h"
#include "bullion/exec/scan.h"
#include "bullion/exec/spill.h"
#include "bullion/formats/parquet/writer.h"
#include "bullion/table/maintenance.h"
#include "bullion/table/table.h"
#include "bullion/table/writer.h"

using namespace bullion;

namespace {

std::string trimmed(const std::string& s) {
  const size_t begin = s.find_first_not_of(' ');
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(' ') - begin + 1);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "ts DESC, id, x ASC NULLS LAST" → sort specs.
std::vector<exec::SortSpec> parse_order(const std::string& text) {
  std::vector<exec::SortSpec> specs;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    std::stringstream words(trimmed(item));
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.empty()) throw Error::invalid_input("--order '" + text + "' has an empty item");
    exec::SortSpec spec{w[0]};
    size_t i = 1;
    if (i < w.size() && (upper(w[i]) == "ASC" || upper(w[i]) == "DESC")) spec.descending = upper(w[i++]) == "DESC";
    if (i + 1 < w.size() && upper(w[i]) == "NULLS") {
      const std::string where = upper(w[i + 1]);
      if (where != "FIRST" && where != "LAST") throw Error::invalid_input("--order: NULLS FIRST or NULLS LAST");
      spec.nulls_first = where == "FIRST";
      i += 2;
    }
    if (i != w.size())
      throw Error::invalid_input("--order item '" + item + "' is not 'column [ASC|DESC] [NULLS FIRST|LAST]'");
    specs.push_back(std::move(spec));
  }
  return specs;
}

exec::JoinType join_type_named(const std::string& name) {
  if (name == "inner") return exec::JoinType::kInner;
  if (name == "left") return exec::JoinType::kLeft;
  if (name == "semi") return exec::JoinType::kSemi;
  if (name == "anti") return exec::JoinType::kAnti;
  throw Error::invalid_input("--type '" + name + "' is not inner, left, semi or anti");
}

void print_stats(const std::string& fields) {
  std::printf("{%s, \"spilled_bytes\": %llu, \"peak_memory\": %llu}\n", fields.c_str(),
              static_cast<unsigned long long>(exec::total_spilled_bytes()),
              static_cast<unsigned long long>(MemoryBudget::global().peak()));
}

// Runs the plan and writes its rows, in output order, to one Parquet file.
int write_result(const exec::Plan& plan, const std::string& out) {
  exec::ExecContext ctx;
  auto writer = parquet::ParquetWriter::open(FileSystem::local(), out, plan.schema());
  uint64_t rows = 0;
  for (const Batch& b : plan.collect(ctx)) {
    rows += b.num_rows();
    writer->write(b);
  }
  writer->close();
  print_stats("\"rows\": " + std::to_string(rows));
  return 0;
}

int write_table(const std::string& table_path, const std::vector<std::string>& files, const std::string& partition,
                const std::string& mode) {
  const exec::Plan rows = exec::scan_parquet(files);
  std::vector<std::string> partitions;
  if (!partition.empty()) partitions.push_back(partition);
  table::DataFileWriter writer(table_path, rows.schema(), partitions);
  exec::ExecContext ctx;
  for (const Batch& b : rows.collect(ctx)) writer.write(b);
  table::WriteMode write_mode = table::WriteMode::append();
  if (mode == "overwrite")
    write_mode = table::WriteMode::overwrite();
  else if (mode != "append")
    throw Error::invalid_input("--mode '" + mode + "' is not append or overwrite");
  const table::WriteResult r =
      table::commit_write({table_path, rows.schema(), partitions, {}}, writer.finish(), write_mode, {});
  print_stats("\"version\": " + std::to_string(r.version) + ", \"files_added\": " + std::to_string(r.files_added));
  return 0;
}

int merge_table(const std::string& table_path, const std::vector<std::string>& source,
                const std::vector<std::string>& keys) {
  exec::ExecContext ctx;
  const table::MergeResult r = table::merge(table_path, exec::scan_parquet(source), keys, ctx);
  print_stats("\"version\": " + std::to_string(r.version) + ", \"rows_updated\": " + std::to_string(r.rows_updated) +
              ", \"rows_inserted\": " + std::to_string(r.rows_inserted) +
              ", \"files_rewritten\": " + std::to_string(r.files_rewritten));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"exec_tool (tests only)"};
  app.require_subcommand(1);
  app.fallthrough();
  size_t threads = 0;
  std::string memory_limit;
  bool force_spill = false;
  app.add_option("--threads", threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  app.add_option("--memory-limit", memory_limit, "Memory budget, e.g. 4MiB");
  app.add_flag("--force-spill", force_spill, "Make every spilling operator spill");

  std::vector<std::string> parquet, left, right, aggs, keys, left_keys, right_keys;
  std::string out, type, order, table_path, partition, mode = "append";

  CLI::App* aggregate = app.add_subcommand("aggregate", "Group by keys and aggregate");
  aggregate->add_option("--parquet", parquet)->required();
  aggregate->add_option("--keys", keys)->delimiter(',');
  aggregate->add_option("--agg", aggs, "name=SQL aggregation (repeatable)")->required();
  aggregate->add_option("--out", out)->required();

  CLI::App* join = app.add_subcommand("join", "Hash join (right side is the build side)");
  join->add_option("--left", left)->required();
  join->add_option("--right", right)->required();
  join->add_option("--left-keys", left_keys)->required()->delimiter(',');
  join->add_option("--right-keys", right_keys)->required()->delimiter(',');
  join->add_option("--type", type)->required();
  join->add_option("--out", out)->required();

  CLI::App* dedupe = app.add_subcommand("dedupe", "Keep the first row per key by an order");
  dedupe->add_option("--parquet", parquet)->required();
  dedupe->add_option("--keys", keys)->required()->delimiter(',');
  dedupe->add_option("--order", order)->required();
  bool two_pass = false;
  dedupe->add_flag("--two-pass", two_pass, "Read the keys first (from the same files)");
  dedupe->add_option("--out", out)->required();

  CLI::App* write = app.add_subcommand("write", "Write Parquet rows into a Delta table (one commit)");
  write->add_option("--table", table_path)->required();
  write->add_option("--parquet", parquet)->required();
  write->add_option("--partition", partition);
  write->add_option("--mode", mode);

  CLI::App* merge = app.add_subcommand("merge", "MERGE: update matched keys, insert the rest");
  merge->add_option("--table", table_path)->required();
  merge->add_option("--source", parquet)->required();
  merge->add_option("--keys", keys)->required()->delimiter(',');

  CLI11_PARSE(app, argc, argv);
  try {
    if (threads != 0) ThreadPool::set_global_threads(threads);
    uint64_t limit = 0;
    if (!memory_limit.empty()) {
      const auto parsed = parse_byte_size(memory_limit);
      if (!parsed || *parsed == 0) throw Error::invalid_input("--memory-limit '" + memory_limit + "' is not a size");
      limit = *parsed;
    }
    MemoryBudget::configure_global(limit, force_spill);

    if (aggregate->parsed()) {
      std::vector<exec::NamedExpr> named;
      for (const std::string& a : aggs) {
        const size_t eq = a.find('=');
        if (eq == std::string::npos) throw Error::invalid_input("--agg '" + a + "' is not name=SQL");
        named.push_back({trimmed(a.substr(0, eq)), a.substr(eq + 1)});
      }
      return write_result(exec::scan_parquet(parquet).aggregate(keys, named), out);
    }
    if (join->parsed())
      return write_result(
          exec::scan_parquet(left).join(exec::scan_parquet(right), left_keys, right_keys, join_type_named(type)), out);
    if (dedupe->parsed()) {
      std::optional<exec::Plan> keys_of_input;
      if (two_pass) keys_of_input = exec::scan_parquet(parquet, keys);
      return write_result(exec::scan_parquet(parquet).dedupe(keys, parse_order(order), keys_of_input), out);
    }
    if (write->parsed()) return write_table(table_path, parquet, partition, mode);
    return merge_table(table_path, parquet, keys);
  } catch (const Error& e) {
    std::fprintf(stderr, "exec_tool: %s: %s\n", std::string(category_name(e.category())).c_str(), e.what());
    return exit_code(e.category());
  }
}
