// json_bench — end-to-end NDJSON ingest throughput: bytes of NDJSON (plain,
// .gz, .zst) → batches of the target schema with provenance columns, the
// batches dropped as a consumer would after writing them.
//
//   json_bench [--threads N] [--repeat K] [--unordered] PATH...
//
// Prints one JSON object: {"threads":N,"bytes":B,"rows":R,"seconds":S,"mb_per_s":..,"rows_per_s":..}
// where bytes are the decompressed NDJSON bytes and seconds the best of K runs.
// Driven by bench/json_bench.py, which compares with DuckDB and Polars.
#include <dirent.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "bullion/core/thread_pool.h"
#include "bullion/formats/json/ndjson_scanner.h"
#include "bullion/formats/json/schema_inference.h"

using namespace bullion;

namespace {

// Nanoseconds each thread of this process has run on a CPU (/proc/self/task/*/schedstat).
std::map<int, uint64_t> thread_run_nanos() {
  std::map<int, uint64_t> out;
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return out;
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/schedstat");
    uint64_t ns = 0;
    if (f >> ns) out[std::atoi(e->d_name)] = ns;
  }
  closedir(d);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    size_t threads = 1;
    int repeat = 3;
    bool unordered = false;
    std::vector<std::string> paths;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--threads")
        threads = std::stoul(argv[++i]);
      else if (a == "--repeat")
        repeat = std::stoi(argv[++i]);
      else if (a == "--unordered")
        unordered = true;
      else
        paths.push_back(a);
    }
    std::vector<json::SourceFile> files;
    for (const auto& p : paths)
      for (auto& f : json::find_ndjson_files(FileSystem::local(), p)) files.push_back(std::move(f));
    ThreadPool pool(threads);
    json::InferOptions infer;
    infer.pool = &pool;
    const Schema schema = json::infer_schema(files, infer).schema;
    json::ScanOptions options;
    options.pool = &pool;
    if (unordered) options.delivery = json::Delivery::kAsProduced;
    options.constant_columns = {
        {Field("_ingested_at", DataType::timestamp()), Value::timestamp(1'764'000'000'000'000)}};
    json::NdjsonScanner scanner(schema, options);

    auto cpu_seconds = [] {
      timespec ts;
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return ts.tv_sec + ts.tv_nsec * 1e-9;
    };
    double best = 1e300;
    double best_cpu = 1e300;
    // The busiest thread's CPU time: with every thread on a free core, the
    // scan cannot take less (the machine may be shared; see json_bench.py).
    double busiest_thread = 0;
    int64_t rows = 0;
    int64_t rejected = 0;
    uint64_t bytes = 0;
    for (int r = 0; r < repeat; ++r) {
      std::atomic<uint64_t> batch_rows{0};
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = cpu_seconds();
      const auto run_before = thread_run_nanos();
      auto results = scanner.scan(files, [&](json::ScanOutput& out, size_t) { batch_rows += out.batch.num_rows(); });
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (seconds < best) {
        const auto run_after = thread_run_nanos();
        busiest_thread = 0;
        for (const auto& [tid, ns] : run_after) {
          const auto it = run_before.find(tid);
          busiest_thread = std::max(busiest_thread, (ns - (it == run_before.end() ? 0 : it->second)) * 1e-9);
        }
      }
      best = std::min(best, seconds);
      best_cpu = std::min(best_cpu, cpu_seconds() - cpu_start);
      rows = 0;
      rejected = 0;
      for (const auto& f : results) {
        rows += f.rows;
        rejected += f.rejected;
        if (f.error) throw *f.error;
      }
      if (static_cast<uint64_t>(rows) != batch_rows) throw Error::internal("row counts disagree");
    }
    // Decompressed bytes: read once more, without parsing.
    for (const auto& f : files) {
      auto reader = CompressedReader::open(FileSystem::local(), f.path);
      std::vector<char> buf(1 << 20);
      while (size_t n = reader->read(buf.data(), buf.size())) bytes += n;
    }
    std::printf(
        "{\"threads\":%zu,\"bytes\":%llu,\"rows\":%lld,\"rejected\":%lld,\"seconds\":%.4f,\"cpu_seconds\":%.4f,"
        "\"busiest_thread_seconds\":%.4f,"
        "\"mb_per_s\":%.1f,"
        "\"rows_per_s\":%.0f,\"schema\":\"%s\"}\n",
        threads, static_cast<unsigned long long>(bytes), static_cast<long long>(rows), static_cast<long long>(rejected),
        best, best_cpu, busiest_thread, bytes / best / 1e6, rows / best, schema.to_string().c_str());
    return 0;
  } catch (const Error& e) {
    std::cerr << "json_bench: " << e.what() << "\n";
    return exit_code(e.category());
  }
}
