// json_tool — a test-only driver of the NDJSON reader, printing what it reads
// as NDJSON records, for the interop tests (tests/interop/test_json_*.py).
//
//   json_tool infer [--sample-lines N] PATH...
//       {"kind":"schema","fields":[{"name":..,"type":..},..],"lines":..,"objects":..,"rejected":..,"blank":..}
//   json_tool scan [--schema 'a BIGINT, b STRING' | --infer] [--threads N] [--batch-rows N]
//                  [--chunk-bytes N] [--root DIR] PATH...
//       {"kind":"row","file":i,"values":{column: value,..}}   (ordered by file, then line)
//       {"kind":"rejected","file":i,"line":n,"raw":..,"error":..}
//       {"kind":"file","path":..,"lines":..,"rows":..,"rejected":..,"blank":..,"error":..,"extra_fields":[..]}
// PATH may be a directory (every NDJSON file under it) or a file.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bullion/core/thread_pool.h"
#include "bullion/formats/json/ndjson_scanner.h"
#include "bullion/formats/json/schema_inference.h"

using namespace bullion;
using Json = nlohmann::json;
namespace bj = bullion::json;

namespace {

DataType parse_type(std::string t) {
  for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t == "BOOLEAN") return DataType::boolean();
  if (t == "TINYINT") return DataType::int8();
  if (t == "SMALLINT") return DataType::int16();
  if (t == "INT") return DataType::int32();
  if (t == "BIGINT") return DataType::int64();
  if (t == "FLOAT") return DataType::float32();
  if (t == "DOUBLE") return DataType::float64();
  if (t == "STRING") return DataType::string();
  if (t == "DATE") return DataType::date();
  if (t == "TIMESTAMP") return DataType::timestamp();
  if (t.rfind("DECIMAL(", 0) == 0) {
    int p = 0, s = 0;
    std::sscanf(t.c_str(), "DECIMAL(%d,%d)", &p, &s);
    return DataType::decimal(p, s);
  }
  throw Error::invalid_input("unknown type " + t);
}

// "a BIGINT, b STRING"
Schema parse_schema(const std::string& text) {
  std::vector<Field> fields;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    // DECIMAL(p,s) contains a comma.
    const size_t paren = text.find('(', pos);
    if (paren != std::string::npos && paren < comma) comma = text.find(',', text.find(')', paren));
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? text.size() : comma + 1;
    const size_t b = item.find_first_not_of(' ');
    item = item.substr(b);
    const size_t space = item.find(' ');
    fields.emplace_back(item.substr(0, space), parse_type(item.substr(space + 1)));
  }
  return Schema(std::move(fields));
}

Json value_json(const Column& col, size_t row) {
  if (col.is_null(row)) return nullptr;
  switch (col.type().id()) {
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
      return col.data<float>()[row];
    case TypeId::kDouble:
      return col.data<double>()[row];
    case TypeId::kString:
      return std::string(col.strings()[row]);
    default:
      return col.value(row).to_string();
  }
}

std::vector<bj::SourceFile> sources(const std::vector<std::string>& paths) {
  std::vector<bj::SourceFile> out;
  for (const auto& p : paths)
    for (auto& f : bj::find_ndjson_files(FileSystem::local(), p)) out.push_back(std::move(f));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::cerr << "usage: json_tool infer|scan [options] PATH...\n";
      return 2;
    }
    const std::string command = argv[1];
    std::string schema_text;
    bool infer = false;
    size_t threads = 1;
    bj::ScanOptions options;
    bj::InferOptions infer_options;
    std::vector<std::string> paths;
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&] { return std::string(argv[++i]); };
      if (a == "--schema")
        schema_text = next();
      else if (a == "--infer")
        infer = true;
      else if (a == "--threads")
        threads = std::stoul(next());
      else if (a == "--batch-rows")
        options.batch_rows = std::stoul(next());
      else if (a == "--chunk-bytes")
        options.chunk_bytes = std::stoull(next());
      else if (a == "--sample-lines")
        infer_options.sample_lines = std::stoll(next());
      else
        paths.push_back(a);
    }
    ThreadPool pool(threads);
    options.pool = &pool;
    infer_options.pool = &pool;
    const auto files = sources(paths);
    auto dump = [](const Json& j) { std::cout << j.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n"; };
    if (command == "infer") {
      auto inferred = bj::infer_schema(files, infer_options);
      Json fields = Json::array();
      for (const Field& f : inferred.schema.fields())
        fields.push_back({{"name", f.name}, {"type", f.type.to_string()}});
      dump({{"kind", "schema"},
            {"fields", fields},
            {"lines", inferred.lines},
            {"objects", inferred.objects},
            {"rejected", inferred.rejected},
            {"blank", inferred.blank}});
      return 0;
    }
    Schema target = infer ? bj::infer_schema(files, infer_options).schema : parse_schema(schema_text);
    bj::NdjsonScanner scanner(target, options);
    const auto& schema = *scanner.output_schema();
    auto results = scanner.scan(files, [&](bj::ScanOutput& out, size_t) {
      const Batch& b = out.batch;
      for (size_t r = 0; r < b.num_rows(); ++r) {
        Json values = Json::object();
        for (size_t c = 0; c < b.num_columns(); ++c) values[schema.field(c).name] = value_json(*b.column(c), r);
        dump({{"kind", "row"}, {"file", out.file_index}, {"values", values}});
      }
      for (const auto& rej : out.rejected)
        dump({{"kind", "rejected"},
              {"file", rej.file_index},
              {"line", rej.line_number},
              {"raw", rej.raw},
              {"error", rej.error}});
    });
    for (const auto& f : results) {
      Json extras = Json::array();
      for (const auto& e : f.extra_fields) extras.push_back({{"name", e.name}, {"type", e.type.to_string()}});
      dump({{"kind", "file"},
            {"path", f.file.relative_path},
            {"lines", f.lines},
            {"rows", f.rows},
            {"rejected", f.rejected},
            {"blank", f.blank},
            {"rescued_rows", f.rescued_rows},
            {"extra_fields", extras},
            {"error", f.error ? Json(f.error->message()) : Json(nullptr)}});
    }
    return 0;
  } catch (const Error& e) {
    std::cerr << "json_tool: " << e.what() << "\n";
    return exit_code(e.category());
  }
}
