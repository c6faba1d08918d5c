// parquet_tool — a test-only driver of bullion's Parquet reader and writer,
// used by the interop tests (tests/interop/test_parquet*.py) and the
// benchmark (bench/parquet_bench.py). Not installed, not a user command.
//
//   parquet_tool write <spec.json> <out.parquet>   write rows described by a JSON spec
//   parquet_tool read <file> [--columns a,b] [--batch-rows N] [--memory-limit BYTES] [--stats]
//                                                   print schema, values (and stats) as JSON
//   parquet_tool read-many <list.txt> [flags]      read every listed file; one JSON line each
//   parquet_tool bench-read <file> [--memory-limit BYTES] [--columns a,b]
//                                                   time a full scan; print JSON metrics
//   parquet_tool bench-write <in.parquet> <out.parquet> [--compression C] [--no-dictionary]
//                                                   read <in> into memory, then time writing it
//   parquet_tool gen <out.parquet> --rows N         stream N rows of generated churn-like events
//                                                   (for large-file memory checks)
//
// Value conventions (both directions): integers, dates (days) and timestamps
// (microseconds) as JSON integers; floats as numbers or "NaN"/"Infinity"/
// "-Infinity"; decimals as strings ("-12.34"); strings as strings; binary as
// lowercase hex strings; lists as arrays; structs as objects; maps as arrays
// of [key, value] pairs.
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/memory.h"
#include "bullion/formats/parquet/reader.h"
#include "bullion/formats/parquet/writer.h"

using bullion::Batch;
using bullion::Column;
using bullion::ColumnPtr;
using bullion::DataType;
using bullion::Field;
using bullion::Schema;
using bullion::TypeId;
using bullion::Value;
using json = nlohmann::json;
namespace pq = bullion::parquet;

namespace {

DataType parse_type(const json& t) {
  if (t.is_string()) {
    const std::string s = t.get<std::string>();
    if (s == "boolean") return DataType::boolean();
    if (s == "int8") return DataType::int8();
    if (s == "int16") return DataType::int16();
    if (s == "int32") return DataType::int32();
    if (s == "int64") return DataType::int64();
    if (s == "float") return DataType::float32();
    if (s == "double") return DataType::float64();
    if (s == "date") return DataType::date();
    if (s == "timestamp") return DataType::timestamp();
    if (s == "timestamp_ntz") return DataType::timestamp_ntz();
    if (s == "string") return DataType::string();
    if (s == "binary") return DataType::binary();
    if (s == "null") return DataType::null();
    int p, sc;
    if (std::sscanf(s.c_str(), "decimal(%d,%d)", &p, &sc) == 2) return DataType::decimal(p, sc);
    throw bullion::Error::invalid_input("unknown type '" + s + "'");
  }
  if (t.contains("list")) return DataType::list(parse_type(t["list"]), t.value("contains_null", true));
  if (t.contains("map")) {
    return DataType::map(parse_type(t["map"][0]), parse_type(t["map"][1]), t.value("value_contains_null", true));
  }
  if (t.contains("struct")) {
    std::vector<Field> fields;
    for (const json& f : t["struct"]) fields.emplace_back(f["name"], parse_type(f["type"]), f.value("nullable", true));
    return DataType::struct_(std::move(fields));
  }
  throw bullion::Error::invalid_input("unknown type " + t.dump());
}

std::string from_hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

double parse_double(const json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "NaN") return std::nan("");
    if (s == "Infinity") return INFINITY;
    if (s == "-Infinity") return -INFINITY;
    return std::stod(s);
  }
  return v.get<double>();
}

bullion::int128 parse_decimal(const std::string& s, int scale) {
  bullion::int128 v = 0;
  bool neg = false, frac = false;
  int digits = 0;
  for (char c : s) {
    if (c == '-')
      neg = true;
    else if (c == '.')
      frac = true;
    else {
      v = v * 10 + (c - '0');
      if (frac) ++digits;
    }
  }
  for (; digits < scale; ++digits) v *= 10;
  return neg ? -v : v;
}

void append_json(Column& col, const json& v) {
  const DataType& t = col.type();
  if (v.is_null()) {
    col.append_null();
    return;
  }
  switch (t.id()) {
    case TypeId::kBoolean:
      col.append<uint8_t>(v.get<bool>() ? 1 : 0);
      break;
    case TypeId::kInt8:
      col.append<int8_t>(v.get<int8_t>());
      break;
    case TypeId::kInt16:
      col.append<int16_t>(v.get<int16_t>());
      break;
    case TypeId::kInt32:
    case TypeId::kDate:
      col.append<int32_t>(v.get<int32_t>());
      break;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      col.append<int64_t>(v.get<int64_t>());
      break;
    case TypeId::kFloat:
      col.append<float>(static_cast<float>(parse_double(v)));
      break;
    case TypeId::kDouble:
      col.append<double>(parse_double(v));
      break;
    case TypeId::kDecimal:
      col.append<bullion::int128>(parse_decimal(v.get<std::string>(), t.scale()));
      break;
    case TypeId::kString:
      col.append_string(v.get<std::string>());
      break;
    case TypeId::kBinary:
      col.append_string(from_hex(v.get<std::string>()));
      break;
    case TypeId::kStruct: {
      for (size_t i = 0; i < t.children().size(); ++i) {
        const std::string& name = t.children()[i].name;
        append_json(col.child(i), v.contains(name) ? v[name] : json());
      }
      // Column::append_value's struct path: extend validity by one valid row.
      col.resize(col.child(0).size());
      break;
    }
    case TypeId::kList:
      for (const json& e : v) append_json(col.child(0), e);
      col.end_entry();
      break;
    case TypeId::kMap:
      for (const json& kv : v) {
        append_json(col.child(0), kv[0]);
        append_json(col.child(1), kv[1]);
      }
      col.end_entry();
      break;
    case TypeId::kNull:
      col.append_null();
      break;
  }
}

json value_json(const Column& col, size_t row) {
  if (col.is_null(row)) return nullptr;
  const DataType& t = col.type();
  auto dbl = [](double d) -> json {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    return d;
  };
  switch (t.id()) {
    case TypeId::kBoolean:
      return col.data<uint8_t>()[row] != 0;
    case TypeId::kInt8:
      return col.data<int8_t>()[row];
    case TypeId::kInt16:
      return col.data<int16_t>()[row];
    case TypeId::kInt32:
    case TypeId::kDate:
      return col.data<int32_t>()[row];
    case TypeId::kInt64:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      return col.data<int64_t>()[row];
    case TypeId::kFloat:
      return dbl(col.data<float>()[row]);
    case TypeId::kDouble:
      return dbl(col.data<double>()[row]);
    case TypeId::kDecimal:
      return bullion::format_decimal(col.data<bullion::int128>()[row], t.scale());
    case TypeId::kString:
      return std::string(col.strings()[row]);
    case TypeId::kBinary:
      return to_hex(col.strings()[row]);
    case TypeId::kStruct: {
      json o = json::object();
      for (size_t i = 0; i < t.children().size(); ++i) o[t.children()[i].name] = value_json(col.child(i), row);
      return o;
    }
    case TypeId::kList: {
      json a = json::array();
      for (int64_t j = col.offsets()[row]; j < col.offsets()[row + 1]; ++j) a.push_back(value_json(col.child(0), j));
      return a;
    }
    case TypeId::kMap: {
      json a = json::array();
      for (int64_t j = col.offsets()[row]; j < col.offsets()[row + 1]; ++j) {
        a.push_back(json::array({value_json(col.child(0), j), value_json(col.child(1), j)}));
      }
      return a;
    }
    case TypeId::kNull:
      return nullptr;
  }
  return nullptr;
}

json stat_json(const std::optional<Value>& v) {
  if (!v) return nullptr;
  auto col = Column::make(v->type());
  col->append_value(*v);
  return value_json(*col, 0);
}

pq::Compression parse_compression(const std::string& s) {
  if (s == "zstd") return pq::Compression::kZstd;
  if (s == "snappy") return pq::Compression::kSnappy;
  if (s == "gzip") return pq::Compression::kGzip;
  if (s == "lz4_raw") return pq::Compression::kLz4Raw;
  if (s == "none" || s == "uncompressed") return pq::Compression::kUncompressed;
  throw bullion::Error::invalid_input("unknown compression '" + s + "'");
}

pq::ValueEncoding parse_encoding(const std::string& s) {
  if (s == "PLAIN") return pq::ValueEncoding::kPlain;
  if (s == "DELTA_BINARY_PACKED") return pq::ValueEncoding::kDeltaBinaryPacked;
  if (s == "DELTA_LENGTH_BYTE_ARRAY") return pq::ValueEncoding::kDeltaLengthByteArray;
  if (s == "DELTA_BYTE_ARRAY") return pq::ValueEncoding::kDeltaByteArray;
  if (s == "BYTE_STREAM_SPLIT") return pq::ValueEncoding::kByteStreamSplit;
  throw bullion::Error::invalid_input("unknown encoding '" + s + "'");
}

int cmd_write(const std::string& spec_path, const std::string& out) {
  std::ifstream in(spec_path);
  const json spec = json::parse(in);
  std::vector<Field> fields;
  for (const json& f : spec["schema"]) fields.emplace_back(f["name"], parse_type(f["type"]), f.value("nullable", true));
  auto schema = std::make_shared<Schema>(std::move(fields));
  pq::WriteOptions opts;
  const json o = spec.value("options", json::object());
  if (o.contains("compression")) opts.compression = parse_compression(o["compression"]);
  if (o.contains("compression_level")) opts.compression_level = o["compression_level"];
  if (o.contains("dictionary")) opts.dictionary = o["dictionary"];
  if (o.contains("data_page_version")) opts.data_page_version = o["data_page_version"];
  if (o.contains("page_rows")) opts.page_rows = o["page_rows"];
  if (o.contains("page_bytes")) opts.page_bytes = o["page_bytes"];
  if (o.contains("row_group_rows")) opts.row_group_rows = o["row_group_rows"];
  if (o.contains("dictionary_page_bytes")) opts.dictionary_page_bytes = o["dictionary_page_bytes"];
  if (o.contains("statistics_truncate_bytes")) opts.statistics_truncate_bytes = o["statistics_truncate_bytes"];
  if (o.contains("encodings")) {
    for (auto& [k, v] : o["encodings"].items()) opts.column_encodings.emplace_back(k, parse_encoding(v));
  }
  if (o.contains("key_value_metadata")) {
    for (auto& [k, v] : o["key_value_metadata"].items()) opts.key_value_metadata.emplace_back(k, v.get<std::string>());
  }
  auto writer = pq::ParquetWriter::open(bullion::FileSystem::local(), out, schema, opts);
  const json& columns = spec["columns"];
  const size_t batch_rows = spec.value("batch_rows", size_t{100000});
  size_t total = 0;
  for (const Field& f : schema->fields()) total = std::max(total, columns[f.name].size());
  for (size_t start = 0; start < total || start == 0; start += batch_rows) {
    const size_t n = std::min(batch_rows, total - start);
    Batch b = Batch::empty(schema);
    for (size_t c = 0; c < schema->size(); ++c) {
      const json& values = columns[schema->field(c).name];
      for (size_t r = start; r < start + n; ++r) append_json(*b.column(c), values[r]);
    }
    b.sync_num_rows();
    if (n > 0) writer->write(b);
    if (total == 0) break;
  }
  const pq::WrittenFile info = writer->close();
  json res;
  res["num_rows"] = info.num_rows;
  res["file_size"] = info.file_size;
  res["num_row_groups"] = info.num_row_groups;
  json cols = json::array();
  for (const pq::WrittenColumn& c : info.columns) {
    json jc;
    jc["path"] = c.path;
    jc["min"] = stat_json(c.stats.min);
    jc["max"] = stat_json(c.stats.max);
    jc["null_count"] = c.stats.null_count ? json(*c.stats.null_count) : json();
    jc["num_values"] = c.stats.num_values ? json(*c.stats.num_values) : json();
    cols.push_back(jc);
  }
  res["columns"] = cols;
  std::cout << res.dump() << "\n";
  return 0;
}

struct Flags {
  std::vector<std::string> columns;
  size_t batch_rows = 65536;
  uint64_t memory_limit = 0;
  uint64_t rows = 1000000;
  bool stats = false;
  std::string compression = "zstd";
  bool dictionary = true;
};

Flags parse_flags(int argc, char** argv, int start) {
  Flags f;
  for (int i = start; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw bullion::Error::invalid_input(a + " needs a value");
      return argv[++i];
    };
    if (a == "--columns") {
      std::stringstream ss(next());
      std::string c;
      while (std::getline(ss, c, ',')) f.columns.push_back(c);
    } else if (a == "--batch-rows") {
      f.batch_rows = std::stoul(next());
    } else if (a == "--rows") {
      f.rows = std::stoull(next());
    } else if (a == "--memory-limit") {
      f.memory_limit = bullion::parse_byte_size(next()).value_or(0);
    } else if (a == "--stats") {
      f.stats = true;
    } else if (a == "--compression") {
      f.compression = next();
    } else if (a == "--no-dictionary") {
      f.dictionary = false;
    } else {
      throw bullion::Error::invalid_input("unknown flag " + a);
    }
  }
  return f;
}

json read_json(const std::string& path, const Flags& flags) {
  auto file = pq::ParquetFile::open(bullion::FileSystem::local(), path);
  pq::ScanOptions opts;
  opts.columns = flags.columns;
  opts.batch_rows = flags.batch_rows;
  std::unique_ptr<bullion::MemoryBudget> budget;
  if (flags.memory_limit) {
    budget = std::make_unique<bullion::MemoryBudget>(flags.memory_limit);
    opts.memory = budget.get();
  }
  auto scan = file->scan(opts);
  json out;
  json schema = json::array();
  for (const Field& f : scan->schema()->fields()) {
    schema.push_back({{"name", f.name}, {"type", f.type.to_string()}, {"nullable", f.nullable}});
  }
  out["schema"] = schema;
  json cols = json::object();
  for (const Field& f : scan->schema()->fields()) cols[f.name] = json::array();
  Batch b;
  int64_t rows = 0;
  while (scan->next(&b)) {
    for (size_t c = 0; c < b.num_columns(); ++c) {
      json& arr = cols[scan->schema()->field(c).name];
      for (size_t r = 0; r < b.num_rows(); ++r) arr.push_back(value_json(*b.column(c), r));
    }
    rows += static_cast<int64_t>(b.num_rows());
  }
  out["columns"] = cols;
  out["num_rows"] = rows;
  out["footer_num_rows"] = file->num_rows();
  out["created_by"] = file->created_by();
  if (flags.stats) {
    json groups = json::array();
    for (size_t g = 0; g < file->num_row_groups(); ++g) {
      json jg;
      jg["num_rows"] = file->row_group(g).num_rows;
      json js = json::object();
      for (size_t c = 0; c < file->schema()->size(); ++c) {
        const bullion::ColumnStats s = file->row_group_stats(g, c);
        js[file->schema()->field(c).name] = {{"min", stat_json(s.min)},
                                             {"max", stat_json(s.max)},
                                             {"null_count", s.null_count ? json(*s.null_count) : json()}};
      }
      jg["stats"] = js;
      groups.push_back(jg);
    }
    out["row_groups"] = groups;
  }
  return out;
}

int cmd_read(const std::string& path, const Flags& flags) {
  std::cout << read_json(path, flags).dump() << "\n";
  return 0;
}

// Reads every file listed (one path a line) in one process: one JSON line
// per file, {"path", "result"} or {"path", "error", "category"}.
int cmd_read_many(const std::string& list, const Flags& flags) {
  std::ifstream in(list);
  std::string path;
  while (std::getline(in, path)) {
    if (path.empty()) continue;
    json line = {{"path", path}};
    try {
      line["result"] = read_json(path, flags);
    } catch (const bullion::Error& e) {
      line["error"] = e.message();
      line["category"] = std::string(bullion::category_name(e.category()));
    }
    std::cout << line.dump() << "\n";
  }
  return 0;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of this process (user + system): unlike wall time, not inflated
// by other processes competing for the cores.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

long peak_rss_kb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int cmd_bench_read(const std::string& path, const Flags& flags) {
  const double t0 = now_seconds();
  const double c0 = cpu_seconds();
  auto file = pq::ParquetFile::open(bullion::FileSystem::local(), path);
  pq::ScanOptions opts;
  opts.columns = flags.columns;
  opts.batch_rows = flags.batch_rows;
  std::unique_ptr<bullion::MemoryBudget> budget;
  if (flags.memory_limit) {
    budget = std::make_unique<bullion::MemoryBudget>(flags.memory_limit);
    opts.memory = budget.get();
  }
  auto scan = file->scan(opts);
  Batch b;
  int64_t rows = 0;
  uint64_t bytes = 0;
  while (scan->next(&b)) {
    rows += static_cast<int64_t>(b.num_rows());
    bytes += b.memory_bytes();
  }
  const double t1 = now_seconds();
  const double c1 = cpu_seconds();
  json out = {{"rows", rows},
              {"seconds", t1 - t0},
              {"cpu_seconds", c1 - c0},
              {"file_bytes", file->file_size()},
              {"peak_reserved_bytes", scan->peak_reserved_bytes()},
              {"peak_rss_kb", peak_rss_kb()}};
  std::cout << out.dump() << "\n";
  return 0;
}

int cmd_bench_write(const std::string& in, const std::string& out, const Flags& flags) {
  Batch data = pq::read_parquet(bullion::FileSystem::local(), in);
  pq::WriteOptions opts;
  opts.compression = parse_compression(flags.compression);
  opts.dictionary = flags.dictionary;
  // Batches as a pipeline would hand them over, cut before the clock starts.
  std::vector<Batch> batches;
  for (size_t start = 0; start < data.num_rows(); start += flags.batch_rows) {
    batches.push_back(data.slice(start, std::min(flags.batch_rows, data.num_rows() - start)));
  }
  const double t0 = now_seconds();
  const double c0 = cpu_seconds();
  auto w = pq::ParquetWriter::open(bullion::FileSystem::local(), out, data.schema(), opts);
  for (const Batch& b : batches) w->write(b);
  const pq::WrittenFile info = w->close();
  const double t1 = now_seconds();
  const double c1 = cpu_seconds();
  json res = {{"rows", info.num_rows},
              {"seconds", t1 - t0},
              {"cpu_seconds", c1 - c0},
              {"file_bytes", info.file_size},
              {"peak_rss_kb", peak_rss_kb()}};
  std::cout << res.dump() << "\n";
  return 0;
}

// Streams generated rows (ids, event types, timestamps, amounts, free text)
// through the writer, one 64k-row batch at a time: the memory used is one
// batch plus one row group, whatever the file size.
int cmd_gen(const std::string& out, const Flags& flags) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{Field("customer_id", DataType::string()), Field("event_id", DataType::int64(), false),
                         Field("event_type", DataType::string()), Field("event_ts", DataType::timestamp()),
                         Field("amount", DataType::float64()), Field("note", DataType::string())});
  pq::WriteOptions opts;
  const double t0 = now_seconds();
  auto w = pq::ParquetWriter::open(bullion::FileSystem::local(), out, schema, opts);
  static const char* kTypes[] = {"PAGE_VIEW", "ADD_TO_CART", "PURCHASE", "LOGIN", "SEARCH", "CANCEL_SUBSCRIPTION"};
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const size_t batch_rows = 65536;
  for (uint64_t start = 0; start < flags.rows; start += batch_rows) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(batch_rows, flags.rows - start));
    Batch b = Batch::empty(schema);
    char text[48];
    for (size_t i = 0; i < n; ++i) {
      const uint64_t r = next();
      std::snprintf(text, sizeof(text), "C%07llu", static_cast<unsigned long long>(r % 2000000));
      b.column(0)->append_string(text);
      b.column(1)->append<int64_t>(static_cast<int64_t>(start + i));
      b.column(2)->append_string(kTypes[(r >> 24) % 6]);
      b.column(3)->append<int64_t>(1767225600000000LL + static_cast<int64_t>((start + i) * 1000 + (r & 1023)));
      b.column(4)->append<double>(static_cast<double>((r >> 8) % 100000) / 100.0);
      std::snprintf(text, sizeof(text), "%016llx%016llx", static_cast<unsigned long long>(next()),
                    static_cast<unsigned long long>(next()));
      b.column(5)->append_string(text);
    }
    b.sync_num_rows();
    w->write(b);
  }
  const pq::WrittenFile info = w->close();
  json res = {{"rows", info.num_rows},
              {"file_bytes", info.file_size},
              {"row_groups", info.num_row_groups},
              {"seconds", now_seconds() - t0},
              {"peak_rss_kb", peak_rss_kb()}};
  std::cout << res.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 3) {
      std::cerr << "usage: parquet_tool write <spec.json> <out> | read <file> [flags] | bench-read <file> [flags] | "
                   "bench-write <in> <out> [flags]\n";
      return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "write" && argc == 4) return cmd_write(argv[2], argv[3]);
    if (cmd == "read") return cmd_read(argv[2], parse_flags(argc, argv, 3));
    if (cmd == "read-many") return cmd_read_many(argv[2], parse_flags(argc, argv, 3));
    if (cmd == "bench-read") return cmd_bench_read(argv[2], parse_flags(argc, argv, 3));
    if (cmd == "gen") return cmd_gen(argv[2], parse_flags(argc, argv, 3));
    if (cmd == "bench-write" && argc >= 4) return cmd_bench_write(argv[2], argv[3], parse_flags(argc, argv, 4));
    std::cerr << "unknown command\n";
    return 2;
  } catch (const bullion::Error& e) {
    json err = {{"error", e.message()}, {"category", std::string(bullion::category_name(e.category()))}};
    std::cerr << err.dump() << "\n";
    return bullion::exit_code(e.category());
  }
}
