#include "bullion/formats/json/ndjson_scanner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bullion/core/time.h"
#include "json_test_support.h"
#include "support/temp_dir.h"

namespace bullion::json {
namespace {

using bullion::testing::gzip;
using bullion::testing::TempDir;
using bullion::testing::write_file;
using bullion::testing::zstd;

ScanOptions small_options() {
  ScanOptions o;
  o.pool = nullptr;
  return o;
}

ScanResult scan_text(const std::string& text, const Schema& schema, ScanOptions o = small_options(),
                     const std::string& name = "f.json") {
  TempDir dir;
  write_file(dir.file(name), text);
  NdjsonScanner scanner(schema, o);
  return scan_all(scanner, find_ndjson_files(FileSystem::local(), dir.path()));
}

Value at(const ScanResult& r, const std::string& column, size_t row) { return r.batch.column(column)->value(row); }

void expect_counts_add_up(const ScanResult& r) {
  for (const auto& f : r.files) EXPECT_EQ(f.lines, f.rows + f.rejected + f.blank) << f.file.relative_path;
}

// --- every JSON value into every column type ----------------------------------

struct Case {
  const char* json;  // the value as written in the line
  DataType type;
  Value expected;       // NULL when rescued or null
  const char* rescued;  // the expected _rescued_data, or nullptr for NULL
};

TEST(NdjsonScanner, EveryJsonValueIntoEveryColumnType) {
  const Value null_value = Value();
  auto rescued = [](const char* v) { return std::string("{\"v\":") + v + ",\"_file_path\":\"f.json\"}"; };
  const std::vector<Case> cases = {
      // BOOLEAN
      {"true", DataType::boolean(), Value::boolean(true), nullptr},
      {"false", DataType::boolean(), Value::boolean(false), nullptr},
      {"1", DataType::boolean(), null_value, "1"},
      {"\"true\"", DataType::boolean(), null_value, "\"true\""},
      // integers
      {"42", DataType::int64(), Value::int64(42), nullptr},
      {"-9223372036854775808", DataType::int64(), Value::int64(INT64_MIN), nullptr},
      {"9223372036854775808", DataType::int64(), null_value, "9223372036854775808"},
      {"1.0", DataType::int64(), null_value, "1.0"},
      {"\"abc\"", DataType::int64(), null_value, "\"abc\""},
      {"{\"x\": 1}", DataType::int64(), null_value, "{\"x\":1}"},
      {"true", DataType::int64(), null_value, "true"},
      {"2147483647", DataType::int32(), Value::int32(2147483647), nullptr},
      {"2147483648", DataType::int32(), null_value, "2147483648"},
      {"-32768", DataType::int16(), Value::int16(-32768), nullptr},
      {"128", DataType::int8(), null_value, "128"},
      // floating
      {"1.5", DataType::float64(), Value::float64(1.5), nullptr},
      {"7", DataType::float64(), Value::float64(7.0), nullptr},
      {"-2.5e-3", DataType::float64(), Value::float64(-0.0025), nullptr},
      {"123456789012345678901234567890", DataType::float64(), Value::float64(1.2345678901234568e29), nullptr},
      {"\"1.5\"", DataType::float64(), null_value, "\"1.5\""},
      {"1e400", DataType::float64(), Value::float64(HUGE_VAL), nullptr},
      {"-1E+400", DataType::float64(), Value::float64(-HUGE_VAL), nullptr},
      {"1e-400", DataType::float64(), Value::float64(0.0), nullptr},
      {"1e400", DataType::string(), Value::string("1e400"), nullptr},
      {"0.1", DataType::float32(), Value::float32(0.1f), nullptr},
      // decimal
      {"12.345", DataType::decimal(10, 2), Value::decimal(1235, 10, 2), nullptr},
      {"-12.344", DataType::decimal(10, 2), Value::decimal(-1234, 10, 2), nullptr},
      {"1e2", DataType::decimal(5, 1), Value::decimal(1000, 5, 1), nullptr},
      {"123456", DataType::decimal(5, 1), null_value, "123456"},
      // string
      {"\"text\"", DataType::string(), Value::string("text"), nullptr},
      {"\"\"", DataType::string(), Value::string(""), nullptr},
      {"1.50", DataType::string(), Value::string("1.50"), nullptr},
      {"-0", DataType::string(), Value::string("-0"), nullptr},
      {"true", DataType::string(), Value::string("true"), nullptr},
      {"{ \"k\" : [1, 2, {\"z\": null}], \"s\": \"a\\\"b\" }", DataType::string(),
       Value::string("{\"k\":[1,2,{\"z\":null}],\"s\":\"a\\\"b\"}"), nullptr},
      {"[]", DataType::string(), Value::string("[]"), nullptr},
      // date / timestamp
      {"\"2026-11-25\"", DataType::date(), Value::date(*parse_date("2026-11-25")), nullptr},
      {"\"2026-13-01\"", DataType::date(), null_value, "\"2026-13-01\""},
      {"20261125", DataType::date(), null_value, "20261125"},
      {"\"2026-11-25T10:15:30.5+01:00\"", DataType::timestamp(),
       Value::timestamp(*parse_timestamp("2026-11-25T09:15:30.5Z")), nullptr},
      {"\"2026-11-25 10:15:30\"", DataType::timestamp_ntz(),
       Value::timestamp_ntz(*parse_timestamp("2026-11-25T10:15:30Z")), nullptr},
      {"\"2026-11-25T10:15:30Z\"", DataType::timestamp_ntz(), null_value, "\"2026-11-25T10:15:30Z\""},
      {"\"yesterday\"", DataType::timestamp(), null_value, "\"yesterday\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.json) + " into " + c.type.to_string());
    // Plus null, which is NULL in every column and never rescued.
    auto r = scan_text(std::string("{\"v\": ") + c.json + "}\n{\"v\": null}\n", Schema({Field("v", c.type)}));
    ASSERT_EQ(r.batch.num_rows(), 2u);
    ASSERT_TRUE(r.rejected.empty()) << r.rejected[0].error;
    if (c.expected.is_null())
      EXPECT_TRUE(at(r, "v", 0).is_null()) << at(r, "v", 0).to_string();
    else
      EXPECT_EQ(at(r, "v", 0), c.expected) << at(r, "v", 0).to_string();
    if (c.rescued == nullptr)
      EXPECT_TRUE(at(r, "_rescued_data", 0).is_null()) << at(r, "_rescued_data", 0).to_string();
    else
      EXPECT_EQ(at(r, "_rescued_data", 0), Value::string(rescued(c.rescued)));
    EXPECT_TRUE(at(r, "v", 1).is_null());
    EXPECT_TRUE(at(r, "_rescued_data", 1).is_null());
    EXPECT_EQ(r.files[0].rescued_rows, c.rescued == nullptr ? 0 : 1);
  }
}

TEST(NdjsonScanner, UnsupportedColumnTypesAndNameClashesAreRefused) {
  try {
    NdjsonScanner s(Schema({Field("l", DataType::list(DataType::int64()))}), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kUnsupported);
    EXPECT_NE(e.message().find("'l'"), std::string::npos);
  }
  EXPECT_THROW(NdjsonScanner(Schema({Field("_source_line", DataType::int64())}), {}), Error);
}

TEST(NdjsonScanner, OutputSchemaHasProvenanceAndConstants) {
  ScanOptions o;
  o.constant_columns = {{Field("_ingested_at", DataType::timestamp()), Value::timestamp(1'700'000'000'000'000)},
                        {Field("_source", DataType::string()), Value::string("events_api")},
                        {Field("_batch", DataType::int32()), Value::null(DataType::int32())}};
  auto r = scan_text("{\"a\":1}\n\n{\"a\":2}\n", Schema({Field("a", DataType::int64())}), o, "x.json");
  EXPECT_EQ(r.batch.schema()->to_string(),
            "a: BIGINT, _rescued_data: STRING, _ingested_at: TIMESTAMP, _source: STRING, _batch: INT, "
            "_source_file: STRING NOT NULL, _source_line: BIGINT NOT NULL");
  ASSERT_EQ(r.batch.num_rows(), 2u);
  EXPECT_EQ(at(r, "_ingested_at", 1), Value::timestamp(1'700'000'000'000'000));
  EXPECT_EQ(at(r, "_source", 1), Value::string("events_api"));
  EXPECT_TRUE(at(r, "_batch", 0).is_null());
  EXPECT_EQ(at(r, "_source_file", 0), Value::string("x.json"));
  EXPECT_EQ(at(r, "_source_line", 0), Value::int64(1));
  EXPECT_EQ(at(r, "_source_line", 1), Value::int64(3));
  ScanOptions none;
  none.rescued_data_column = none.source_file_column = none.source_line_column = "";
  auto bare = scan_text("{\"a\":1}\n", Schema({Field("a", DataType::int64())}), none);
  EXPECT_EQ(bare.batch.schema()->to_string(), "a: BIGINT");
}

TEST(NdjsonScanner, MissingExtraAndDuplicateFields) {
  Schema schema({Field("id", DataType::string()), Field("n", DataType::int64())});
  auto r = scan_text(
      "{\"id\":\"a\"}\n"
      "{\"n\":5,\"new\":{\"deep\":[1]},\"id\":\"b\",\"flag\":true}\n"
      "{\"id\":\"c\",\"n\":1,\"n\":2}\n"
      "{\"new\":\"text\"}\n",
      schema);
  ASSERT_EQ(r.batch.num_rows(), 4u);
  EXPECT_TRUE(at(r, "n", 0).is_null());
  EXPECT_TRUE(at(r, "_rescued_data", 0).is_null());
  EXPECT_EQ(at(r, "id", 1), Value::string("b"));
  EXPECT_EQ(at(r, "n", 1), Value::int64(5));
  EXPECT_EQ(at(r, "_rescued_data", 1),
            Value::string("{\"new\":{\"deep\":[1]},\"flag\":true,\"_file_path\":\"f.json\"}"));
  EXPECT_EQ(at(r, "n", 2), Value::int64(2));  // the last duplicate wins
  EXPECT_TRUE(at(r, "id", 3).is_null());
  EXPECT_EQ(at(r, "_rescued_data", 3), Value::string("{\"new\":\"text\",\"_file_path\":\"f.json\"}"));
  const auto& extras = r.files[0].extra_fields;
  ASSERT_EQ(extras.size(), 2u);
  EXPECT_EQ(extras[0].name, "new");
  EXPECT_EQ(extras[0].type, DataType::string());
  EXPECT_EQ(extras[0].occurrences, 2);
  EXPECT_EQ(extras[1].name, "flag");
  EXPECT_EQ(extras[1].type, DataType::boolean());
  EXPECT_EQ(r.files[0].rescued_rows, 2);
}

TEST(NdjsonScanner, UnicodeEscapesAndInvalidUtf8) {
  Schema schema({Field("s", DataType::string())});
  auto r = scan_text(
      "{\"s\":\"caf\\u00e9\"}\n"
      "{\"s\":\"\\ud83d\\ude00 smile\"}\n"
      "{\"s\":\"tab\\tnew\\nline \\\"q\\\" \\\\ \\/\"}\n"
      "{\"s\":\"caf\xc3\xa9 raw\"}\n"
      "{\"s\":\"bad \xff\xfe\"}\n"
      "{\"s\":\"\\ud83d alone\"}\n"
      "{\"s\":\"ctl \x01\"}\n"
      "{\"k\\u00e9y\":[\"\\u00e9\"]}\n",
      schema);
  ASSERT_EQ(r.batch.num_rows(), 5u);
  EXPECT_EQ(at(r, "s", 0), Value::string("caf\xc3\xa9"));
  EXPECT_EQ(at(r, "s", 1), Value::string("\xf0\x9f\x98\x80 smile"));
  EXPECT_EQ(at(r, "s", 2), Value::string("tab\tnew\nline \"q\" \\ /"));
  EXPECT_EQ(at(r, "s", 3), Value::string("caf\xc3\xa9 raw"));
  EXPECT_EQ(at(r, "_rescued_data", 4), Value::string("{\"k\xc3\xa9y\":[\"\xc3\xa9\"],\"_file_path\":\"f.json\"}"));
  ASSERT_EQ(r.rejected.size(), 3u);
  EXPECT_EQ(r.rejected[0].line_number, 5);
  EXPECT_NE(r.rejected[0].error.find("UTF-8"), std::string::npos) << r.rejected[0].error;
  EXPECT_EQ(r.rejected[1].line_number, 6);
  EXPECT_EQ(r.rejected[2].line_number, 7);
  EXPECT_EQ(r.rejected[2].raw, "{\"s\":\"ctl \x01\"}");
  expect_counts_add_up(r);
}

TEST(NdjsonScanner, MalformedLinesInTheMiddleAreRejectedWithTheirLineNumbers) {
  Schema schema({Field("a", DataType::int64())});
  auto r = scan_text(
      "{\"a\":1}\r\n"
      "{\"a\":2,}\r\n"           // 2: trailing comma
      "\r\n"                     // 3: blank
      "[1,2]\r\n"                // 4: not an object
      "{\"a\":3} {\"a\":4}\r\n"  // 5: two documents on one line
      "{\"a\":tru}\r\n"          // 6: bad literal
      "{\"a\":\"x\r\n"           // 7: unclosed string
      "42\r\n"                   // 8: a scalar
      "{\"a\":01}\r\n"           // 9: leading zero
      "{\"a\":5}\r\n"            // 10
      "{\"a\":6}",               // 11: no final newline
      schema);
  ASSERT_EQ(r.batch.num_rows(), 3u);
  EXPECT_EQ(at(r, "a", 0), Value::int64(1));
  EXPECT_EQ(at(r, "a", 1), Value::int64(5));
  EXPECT_EQ(at(r, "_source_line", 1), Value::int64(10));
  EXPECT_EQ(at(r, "a", 2), Value::int64(6));
  EXPECT_EQ(at(r, "_source_line", 2), Value::int64(11));
  std::vector<int64_t> lines;
  for (const auto& rej : r.rejected) lines.push_back(rej.line_number);
  EXPECT_EQ(lines, (std::vector<int64_t>{2, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(r.rejected[0].raw, "{\"a\":2,}");
  EXPECT_EQ(r.rejected[1].error, "the line is not a JSON object");
  EXPECT_NE(r.rejected[2].error.find("after the JSON object"), std::string::npos) << r.rejected[2].error;
  const auto& f = r.files[0];
  EXPECT_EQ(f.lines, 11);
  EXPECT_EQ(f.rows, 3);
  EXPECT_EQ(f.rejected, 7);
  EXPECT_EQ(f.blank, 1);
  EXPECT_FALSE(f.error);
}

TEST(NdjsonScanner, BomEmptyFilesAndBlankOnlyFiles) {
  TempDir dir;
  write_file(dir.file("a.json"), "\xEF\xBB\xBF{\"a\":1}\n");
  write_file(dir.file("b.json"), "");
  write_file(dir.file("c.json"), "\n \n\t\n");
  write_file(dir.file("d.json.gz"), gzip(""));
  NdjsonScanner scanner(Schema({Field("a", DataType::int64())}), {});
  auto r = scan_all(scanner, find_ndjson_files(FileSystem::local(), dir.path()));
  ASSERT_EQ(r.batch.num_rows(), 1u);
  EXPECT_EQ(at(r, "a", 0), Value::int64(1));
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(r.files[1].lines, 0);
  EXPECT_EQ(r.files[2].lines, 3);
  EXPECT_EQ(r.files[2].blank, 3);
  EXPECT_EQ(r.files[3].lines, 0);
  EXPECT_EQ(r.files[3].compression, Compression::kGzip);
  expect_counts_add_up(r);
}

TEST(NdjsonScanner, VeryLongLinesAndTheLineLimit) {
  const std::string big(3'000'000, 'z');
  Schema schema({Field("s", DataType::string()), Field("i", DataType::int64())});
  ScanOptions o;
  o.read_block_bytes = 64 * 1024;
  auto r = scan_text("{\"s\":\"" + big + "\",\"i\":1}\n{\"i\":2}\n", schema, o);
  ASSERT_EQ(r.batch.num_rows(), 2u);
  EXPECT_EQ(at(r, "s", 0), Value::string(big));
  EXPECT_EQ(at(r, "i", 1), Value::int64(2));
  o.max_line_bytes = 1'000'000;
  auto cut = scan_text("{\"s\":\"" + big + "\",\"i\":1}\n{\"i\":2}\n", schema, o);
  ASSERT_EQ(cut.batch.num_rows(), 1u);
  ASSERT_EQ(cut.rejected.size(), 1u);
  EXPECT_EQ(cut.rejected[0].line_number, 1);
  EXPECT_EQ(cut.rejected[0].raw.size(), 1'000'000u);
  EXPECT_NE(cut.rejected[0].error.find("max_line_bytes"), std::string::npos);
  EXPECT_EQ(at(cut, "_source_line", 0), Value::int64(2));
}

std::string numbered_lines(int n, int bad_every = 0) {
  std::string s;
  for (int i = 1; i <= n; ++i) {
    if (bad_every > 0 && i % bad_every == 0)
      s += "{\"i\":" + std::to_string(i) + ",broken\n";
    else if (i % 97 == 0)
      s += "\n";
    else
      s += "{\"i\":" + std::to_string(i) + ",\"s\":\"row " + std::to_string(i) + "\"}\n";
  }
  return s;
}

void expect_damaged_file_reported(const std::string& name, const std::string& compressed) {
  TempDir dir;
  write_file(dir.file(name), compressed.substr(0, compressed.size() / 2));
  // One thread reads and parses; two split the parsing of each block of lines.
  for (size_t threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ThreadPool pool(threads);
    ScanOptions o;
    o.pool = &pool;
    o.read_block_bytes = 4096;
    NdjsonScanner scanner(Schema({Field("i", DataType::int64()), Field("s", DataType::string())}), o);
    auto r = scan_all(scanner, find_ndjson_files(FileSystem::local(), dir.path()));
    const auto& f = r.files[0];
    ASSERT_TRUE(f.error.has_value());
    EXPECT_EQ(f.error->category(), ErrorCategory::kCorrupt);
    EXPECT_NE(f.error->message().find(name), std::string::npos) << f.error->message();
    EXPECT_NE(f.error->message().find("every line through line " + std::to_string(f.lines) + " was read"),
              std::string::npos)
        << f.error->message();
    ASSERT_GT(f.rows, 1000);
    // Every complete line before the damage was delivered, in order, with its number.
    for (size_t row = 0; row < r.batch.num_rows(); ++row) {
      const int64_t line = at(r, "_source_line", row).as_int();
      ASSERT_EQ(at(r, "i", row), Value::int64(line));
    }
    // The cut-off last line is rejected, not lost.
    EXPECT_LE(r.rejected.size(), 1u);
    if (!r.rejected.empty()) {
      EXPECT_NE(r.rejected[0].error.find("incomplete line"), std::string::npos);
    }
    EXPECT_EQ(f.lines, f.rows + f.rejected + f.blank);
  }
}

TEST(NdjsonScanner, TruncatedGzipDeliversCompleteLinesThenReportsTheDamage) {
  expect_damaged_file_reported("t.json.gz", gzip(numbered_lines(20000)));
}

TEST(NdjsonScanner, TruncatedZstdDeliversCompleteLinesThenReportsTheDamage) {
  expect_damaged_file_reported("t.json.zst", zstd(numbered_lines(20000)));
}

// Everything a scan delivers, in a comparable form.
struct Flat {
  std::vector<std::string> rows;
  std::vector<std::pair<int64_t, std::string>> rejected;
  bool operator==(const Flat&) const = default;
};

Flat flatten(const ScanResult& r) {
  Flat f;
  for (size_t i = 0; i < r.batch.num_rows(); ++i) {
    std::string row;
    for (const Value& v : r.batch.row(i)) row += v.to_string() + "|";
    f.rows.push_back(row);
  }
  for (const auto& rej : r.rejected) f.rejected.emplace_back(rej.line_number, rej.raw);
  return f;
}

TEST(NdjsonScanner, ChunkedFilesThreadsAndDeliveryModesGiveTheSameResult) {
  TempDir dir;
  write_file(dir.file("a.json"), numbered_lines(30000, 1013));
  write_file(dir.file("b.json.gz"), gzip(numbered_lines(5000, 777)));
  write_file(dir.file("c.json"), numbered_lines(7, 3));
  const auto files = find_ndjson_files(FileSystem::local(), dir.path());
  Schema schema({Field("i", DataType::int64()), Field("s", DataType::string())});

  ScanOptions base;
  base.chunk_bytes = 0;
  base.batch_rows = 4096;
  base.read_block_bytes = 4096;  // small blocks: many refills, and many parallel blocks of the .gz file
  ThreadPool one(1);
  base.pool = &one;
  const ScanResult reference = scan_all(NdjsonScanner(schema, base), files);
  ASSERT_EQ(reference.files[0].rows + reference.files[0].rejected + reference.files[0].blank, 30000);
  const Flat expected = flatten(reference);

  for (size_t threads : {1, 2, 3}) {
    for (uint64_t chunk : {uint64_t{0}, uint64_t{1000}, uint64_t{65536}}) {
      for (Delivery d : {Delivery::kOrdered, Delivery::kAsProduced, Delivery::kConcurrent}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + " chunk " + std::to_string(chunk) + " delivery " +
                     std::to_string(static_cast<int>(d)));
        ThreadPool pool(threads);
        ScanOptions o = base;
        o.pool = &pool;
        o.chunk_bytes = chunk;
        o.delivery = d;
        o.batch_rows = 1000;
        o.max_buffered_bytes = 100'000;  // forces ordered delivery to wait
        NdjsonScanner scanner(schema, o);
        // Collect per file, then compare in file/line order.
        std::map<std::pair<size_t, int64_t>, std::string> rows;
        std::map<std::pair<size_t, int64_t>, std::string> rejected;
        std::mutex mutex;
        std::vector<size_t> order;
        auto results = scanner.scan(files, [&](ScanOutput& out, size_t) {
          std::lock_guard lock(mutex);
          order.push_back(out.file_index);
          for (size_t i = 0; i < out.batch.num_rows(); ++i) {
            std::string row;
            for (const Value& v : out.batch.row(i)) row += v.to_string() + "|";
            const int64_t line = out.batch.column("_source_line")->value(i).as_int();
            EXPECT_TRUE(rows.emplace(std::make_pair(out.file_index, line), row).second);
          }
          for (auto& rej : out.rejected) rejected.emplace(std::make_pair(rej.file_index, rej.line_number), rej.raw);
        });
        Flat got;
        for (auto& [k, v] : rows) got.rows.push_back(v);
        for (auto& [k, v] : rejected) got.rejected.emplace_back(k.second, v);
        EXPECT_EQ(got, expected);
        if (d == Delivery::kOrdered) {
          EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
        }
        for (size_t f = 0; f < files.size(); ++f) {
          EXPECT_EQ(results[f].lines, reference.files[f].lines);
          EXPECT_EQ(results[f].rows, reference.files[f].rows);
          EXPECT_EQ(results[f].rejected, reference.files[f].rejected);
          EXPECT_EQ(results[f].blank, reference.files[f].blank);
        }
      }
    }
  }
}

TEST(NdjsonScanner, OrderedOutputIsIdenticalAcrossThreadCounts) {
  TempDir dir;
  for (int f = 0; f < 6; ++f)
    write_file(dir.file("p" + std::to_string(f) + ".json"), numbered_lines(3000 + f * 500, 301));
  const auto files = find_ndjson_files(FileSystem::local(), dir.path());
  Schema schema({Field("i", DataType::int64()), Field("s", DataType::string())});
  std::optional<Flat> first;
  for (size_t threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    ScanOptions o;
    o.pool = &pool;
    o.batch_rows = 512;
    o.chunk_bytes = 20000;
    Flat got = flatten(scan_all(NdjsonScanner(schema, o), files));
    if (!first)
      first = got;
    else
      EXPECT_EQ(got, *first) << threads;
  }
}

TEST(NdjsonScanner, BatchesRespectBatchRows) {
  ScanOptions o;
  o.batch_rows = 100;
  TempDir dir;
  write_file(dir.file("a.json"), numbered_lines(1000));
  NdjsonScanner scanner(Schema({Field("i", DataType::int64())}), o);
  std::vector<size_t> sizes;
  scanner.scan(find_ndjson_files(FileSystem::local(), dir.path()),
               [&](ScanOutput& out, size_t) { sizes.push_back(out.batch.num_rows()); });
  size_t total = 0;
  for (size_t s : sizes) {
    EXPECT_LE(s, 100u);
    total += s;
  }
  EXPECT_EQ(total, 1000u - 1000u / 97);
}

TEST(NdjsonScanner, ConsumerExceptionsStopTheScan) {
  TempDir dir;
  for (int f = 0; f < 4; ++f) write_file(dir.file("p" + std::to_string(f) + ".json"), numbered_lines(5000));
  ThreadPool pool(2);
  for (Delivery d : {Delivery::kOrdered, Delivery::kAsProduced, Delivery::kConcurrent}) {
    ScanOptions o;
    o.pool = &pool;
    o.batch_rows = 100;
    o.delivery = d;
    NdjsonScanner scanner(Schema({Field("i", DataType::int64())}), o);
    int calls = 0;
    std::mutex mutex;
    try {
      scanner.scan(find_ndjson_files(FileSystem::local(), dir.path()), [&](ScanOutput&, size_t) {
        std::lock_guard lock(mutex);
        if (++calls == 3) throw Error::io("disk full while writing");
      });
      FAIL() << "expected the consumer's error";
    } catch (const Error& e) {
      EXPECT_EQ(e.message(), "disk full while writing");
    }
  }
}

// A filesystem whose reads of one file fail after `fail_after` bytes, as a
// disk error or a vanished network mount would (LevelDB's fault-injecting Env).
class FailingReadFileSystem : public FileSystem {
 public:
  FailingReadFileSystem(std::string failing_path, uint64_t fail_after)
      : failing_path_(std::move(failing_path)), fail_after_(fail_after) {}

  std::unique_ptr<RandomAccessFile> open_read(const std::string& path) override {
    auto file = FileSystem::local().open_read(path);
    if (path != failing_path_) return file;
    return std::make_unique<FailingFile>(std::move(file), fail_after_);
  }
  std::unique_ptr<WritableFile> open_write(const std::string& path) override {
    return FileSystem::local().open_write(path);
  }
  bool put_if_absent(const std::string& path, std::string_view data) override {
    return FileSystem::local().put_if_absent(path, data);
  }
  void write_atomic(const std::string& path, std::string_view data) override {
    FileSystem::local().write_atomic(path, data);
  }
  std::vector<FileInfo> list(const std::string& dir) override { return FileSystem::local().list(dir); }
  bool exists(const std::string& path) override { return FileSystem::local().exists(path); }
  FileInfo stat(const std::string& path) override { return FileSystem::local().stat(path); }
  void remove(const std::string& path) override { FileSystem::local().remove(path); }
  void rename(const std::string& from, const std::string& to) override { FileSystem::local().rename(from, to); }
  void create_dirs(const std::string& path) override { FileSystem::local().create_dirs(path); }
  void sync_dir(const std::string& dir) override { FileSystem::local().sync_dir(dir); }

 private:
  class FailingFile : public RandomAccessFile {
   public:
    FailingFile(std::unique_ptr<RandomAccessFile> file, uint64_t fail_after)
        : file_(std::move(file)), fail_after_(fail_after) {}
    const std::string& path() const override { return file_->path(); }
    uint64_t size() const override { return file_->size(); }
    void read_at(uint64_t offset, size_t n, char* out) const override {
      if (offset + n > fail_after_) throw Error::io("cannot read '" + path() + "': Input/output error");
      file_->read_at(offset, n, out);
    }

   private:
    std::unique_ptr<RandomAccessFile> file_;
    uint64_t fail_after_;
  };

  std::string failing_path_;
  uint64_t fail_after_;
};

TEST(NdjsonScanner, ReadFailureEndsOnlyThatFileAndKeepsWhatWasRead) {
  TempDir dir;
  write_file(dir.file("a.json"), numbered_lines(50000));
  write_file(dir.file("b.json.gz"), gzip(numbered_lines(50000)));
  write_file(dir.file("c.json"), numbered_lines(100));
  for (const std::string failing : {"a.json", "b.json.gz"}) {
    for (size_t threads : {1, 2}) {
      SCOPED_TRACE(failing + " threads " + std::to_string(threads));
      FailingReadFileSystem fs(dir.file(failing), 100'000);
      ThreadPool pool(threads);
      ScanOptions o;
      o.fs = &fs;
      o.pool = &pool;
      o.read_block_bytes = 8192;
      o.chunk_bytes = 0;
      NdjsonScanner scanner(Schema({Field("i", DataType::int64()), Field("s", DataType::string())}), o);
      auto r = scan_all(scanner, find_ndjson_files(FileSystem::local(), dir.path()));
      const size_t bad = failing == "a.json" ? 0 : 1;
      for (size_t f = 0; f < 3; ++f) {
        EXPECT_EQ(r.files[f].lines, r.files[f].rows + r.files[f].rejected + r.files[f].blank);
        EXPECT_EQ(r.files[f].error.has_value(), f == bad);
      }
      EXPECT_EQ(r.files[bad].error->category(), ErrorCategory::kIO);
      EXPECT_NE(r.files[bad].error->message().find("Input/output error"), std::string::npos);
      EXPECT_GT(r.files[bad].rows, 100);
      EXPECT_EQ(r.files[1 - bad].lines, 50000);  // the other files are read whole
      EXPECT_EQ(r.files[2].lines, 100);
      // The rows that were read are the file's first lines, in order.
      int64_t expected = 1;
      for (size_t row = 0; row < r.batch.num_rows(); ++row) {
        if (at(r, "_source_file", row) != Value::string(failing)) continue;
        int64_t line = at(r, "_source_line", row).as_int();
        while (expected % 97 == 0) ++expected;  // blank lines
        ASSERT_EQ(line, expected);
        ASSERT_EQ(at(r, "i", row), Value::int64(line));
        ++expected;
      }
    }
  }
}

TEST(NdjsonScanner, MissingFileIsReportedNotThrown) {
  NdjsonScanner scanner(Schema({Field("i", DataType::int64())}), {});
  std::vector<SourceFile> files = {{"/nonexistent/x.json", "x.json", 0, 0}};
  auto r = scan_all(scanner, files);
  ASSERT_TRUE(r.files[0].error.has_value());
  EXPECT_EQ(r.files[0].error->category(), ErrorCategory::kNotFound);
}

TEST(NdjsonScanner, OrderedDeliveryBuffersWithinItsBudget) {
  // Four workers, a slow consumer: the workers ahead of the head must wait
  // instead of buffering whole files.
  TempDir dir;
  for (int f = 0; f < 8; ++f) write_file(dir.file("p" + std::to_string(f) + ".json"), numbered_lines(20000));
  ThreadPool pool(4);
  MemoryBudget budget(uint64_t{1} << 40);
  ScanOptions o;
  o.pool = &pool;
  o.budget = &budget;
  o.batch_rows = 500;
  o.max_buffered_bytes = 1 << 20;
  NdjsonScanner scanner(Schema({Field("i", DataType::int64()), Field("s", DataType::string())}), o);
  size_t largest = 0;
  int64_t rows = 0;
  scanner.scan(find_ndjson_files(FileSystem::local(), dir.path()), [&](ScanOutput& out, size_t) {
    largest = std::max(largest, out.batch.memory_bytes());
    rows += static_cast<int64_t>(out.batch.num_rows());
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  });
  EXPECT_EQ(rows, 8 * (20000 - 20000 / 97));
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_GT(budget.peak(), 0u);
  EXPECT_LE(budget.peak(), o.max_buffered_bytes + 4 * 2 * (largest + 500 * 32));
}

TEST(NdjsonScanner, BatchMemoryIsReused) {
  // Batches dropped by the consumer give their memory back: the column
  // buffers handed out later have the same addresses.
  TempDir dir;
  write_file(dir.file("a.json"), numbered_lines(20000));
  ThreadPool pool(1);
  ScanOptions o;
  o.pool = &pool;
  o.batch_rows = 1000;
  NdjsonScanner scanner(Schema({Field("i", DataType::int64()), Field("s", DataType::string())}), o);
  std::set<const void*> addresses;
  size_t batches = 0;
  scanner.scan(find_ndjson_files(FileSystem::local(), dir.path()), [&](ScanOutput& out, size_t) {
    addresses.insert(out.batch.column(1)->strings());
    ++batches;
  });
  EXPECT_GT(batches, 10u);
  EXPECT_LE(addresses.size(), 2u);
}

}  // namespace
}  // namespace bullion::json
