// exec_bench — the engine on Parquet input, for bench/exec_bench.py:
//
//   exec_bench groupby FILE...      SELECT k, count(*), count(DISTINCT v), min(v), max(v) FROM t GROUP BY k
//   exec_bench antijoin BUILD PROBE...   probe rows whose k is not in BUILD
//
// Prints one JSON line: {"seconds": s, "rows": output rows, "peak_bytes": budget peak}.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bullion/core/error.h"
#include "bullion/core/memory.h"
#include "bullion/exec/scan.h"

using namespace bullion;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: exec_bench groupby FILE... | antijoin BUILD PROBE...\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::vector<std::string> files(argv + 2, argv + argc);
  exec::ExecContext ctx;
  const auto start = std::chrono::steady_clock::now();
  uint64_t rows = 0;
  try {
    if (mode == "groupby") {
      exec::scan_parquet(files, {"k", "v"})
          .aggregate({"k"}, {{"n", "count(*)"}, {"d", "count(DISTINCT v)"}, {"lo", "min(v)"}, {"hi", "max(v)"}})
          .execute(ctx, [&](Batch&& b) { rows += b.num_rows(); });
    } else if (mode == "antijoin") {
      const exec::Plan build = exec::scan_parquet({files[0]}, {"k"}).project({{"bk", "k"}});
      std::vector<std::string> probe(files.begin() + 1, files.end());
      exec::scan_parquet(probe, {"k", "v"})
          .join(build, {"k"}, {"bk"}, exec::JoinType::kAnti)
          .execute(ctx, [&](Batch&& b) { rows += b.num_rows(); });
    } else {
      std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
      return 2;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "exec_bench: %s\n", e.what());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"seconds\": %.4f, \"rows\": %llu, \"peak_bytes\": %llu}\n", seconds,
              static_cast<unsigned long long>(rows), static_cast<unsigned long long>(MemoryBudget::global().peak()));
  return 0;
}
