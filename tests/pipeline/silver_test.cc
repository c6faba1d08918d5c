#include "bullion/pipeline/silver.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "bullion/core/error.h"
#include "bullion/delta/log.h"
#include "bullion/delta/scan.h"
#include "bullion/generate/generator.h"
#include "bullion/pipeline/bronze.h"
#include "bullion/pipeline/runner.h"
#include "support/temp_dir.h"

namespace bullion::pipeline {

namespace {

std::string churn_spec_text() {
  return std::string(R"(pipeline: churn
bronze:
  - table: churn.bronze.events
    source: {format: json, path: raw}
    metadata: {_source: events_api}
silver:
  - table: churn.silver.customers
    from: churn.bronze.events
    expect:
      valid_customer: customer_id IS NOT NULL
      valid_event_type: {rule: event_type IS NOT NULL, on_violation: quarantine}
    dedupe_on: [customer_id, event_id]
    columns:
      customer_id: customer_id
      event_id: event_id
      event_type: upper(trim(event_type))
      event_ts: to_timestamp(event_timestamp)
      country_code: coalesce(upper(country), 'UNKNOWN')
      product_id: product_id
      session_id: session_id
      _ingested_at: _ingested_at
    expect_output:
      valid_event_ts: event_ts IS NOT NULL
    merge_on: [customer_id, event_id]
)");
}

struct Fixture {
  testing::TempDir dir;
  PipelineSpec spec;
  exec::ExecContext exec;
  Fixture() {
    spec = parse_spec(churn_spec_text(), "pipeline.yaml", dir.path());
    FileSystem::local().create_dirs(dir.file("raw"));
  }
  RunContext ctx(int64_t at) const {
    RunContext c;
    c.lakehouse = dir.file("lake");
    c.spec = &spec;
    c.run_id = "r" + std::to_string(at);
    c.started_at_micros = at;
    return c;
  }
  LayerResult bronze(int64_t at, bool dry_run = false) {
    RunContext c = ctx(at);
    c.dry_run = dry_run;
    return run_bronze(c, spec.bronze[0]);
  }
  LayerResult silver(int64_t at, bool dry_run = false) {
    RunContext c = ctx(at);
    c.dry_run = dry_run;
    return run_silver(c, spec.silver[0], exec);
  }
  std::set<std::string> lake_files() const { return dir.files_under("lake"); }
  GenerateSummary generate_events(uint64_t n) const {
    GenerateOptions g;
    g.out_dir = dir.file("raw");
    g.num_events = n;
    g.num_files = 2;
    return generate(g);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir.file("raw/" + name)) << text; }
  Batch rows(std::vector<std::string> columns) const {
    return delta::DeltaScan(delta::DeltaTable::open(dir.file("lake/churn/silver/customers")).latest(),
                            {.columns = columns})
        .read_all();
  }
};

void expect_accounted(const LayerResult& r) {
  EXPECT_EQ(r.rows_in, r.rows_out + r.quarantined + r.dropped + r.deduplicated + r.already_present);
}

}  // namespace

TEST(Silver, GeneratedDataEveryRowAccountedForAndIdempotent) {
  Fixture f;
  const GenerateSummary summary = f.generate_events(30000);
  const LayerResult b = f.bronze(1000);
  const LayerResult s = f.silver(1000);
  expect_accounted(s);
  EXPECT_EQ(s.rows_in, b.rows_out);
  EXPECT_GT(s.quarantined, 0);
  EXPECT_GE(s.deduplicated, static_cast<int64_t>(summary.dirt.duplicate) / 2);
  EXPECT_EQ(s.already_present, 0);
  ASSERT_TRUE(s.version_written);
  const Batch out = f.rows({"customer_id", "event_id", "event_type", "event_ts"});
  EXPECT_EQ(static_cast<int64_t>(out.num_rows()), s.rows_out);
  for (size_t r = 0; r < out.num_rows(); ++r) {
    ASSERT_FALSE(out.column(0)->is_null(r));
    ASSERT_FALSE(out.column(3)->is_null(r));
  }
  // Rerunning changes nothing.
  const LayerResult again = f.silver(2000);
  EXPECT_EQ(again.status, "SKIPPED");
  EXPECT_EQ(delta::DeltaTable::open(f.dir.file("lake/churn/silver/customers")).latest_version(), *s.version_written);
}

TEST(Silver, DryRunsReportWhatARunWouldDoAndWriteNothing) {
  Fixture f;
  f.generate_events(20000);
  const LayerResult dry_bronze = f.bronze(1000, /*dry_run=*/true);
  EXPECT_EQ(dry_bronze.status, "DRY RUN");
  EXPECT_TRUE(f.lake_files().empty()) << "a dry run of bronze wrote " << *f.lake_files().begin();
  const LayerResult b = f.bronze(1000);
  EXPECT_EQ(dry_bronze.rows_in, b.rows_in);
  EXPECT_EQ(dry_bronze.rows_out, b.rows_out);
  EXPECT_EQ(dry_bronze.quarantined, b.quarantined);
  EXPECT_EQ(dry_bronze.commit_seconds, 0);
  EXPECT_GT(b.commit_seconds, 0);
  const std::set<std::string> after_bronze = f.lake_files();
  const LayerResult dry_silver = f.silver(2000, /*dry_run=*/true);
  EXPECT_EQ(dry_silver.status, "DRY RUN");
  EXPECT_EQ(f.lake_files(), after_bronze) << "a dry run of silver wrote files";
  const LayerResult s = f.silver(2000);
  for (auto [dry, real] : {std::pair{dry_silver.rows_in, s.rows_in},
                           {dry_silver.rows_out, s.rows_out},
                           {dry_silver.quarantined, s.quarantined},
                           {dry_silver.deduplicated, s.deduplicated}})
    EXPECT_EQ(dry, real);
  EXPECT_GT(s.quarantined, 0);
  EXPECT_GT(s.deduplicated, 0);
}

TEST(Silver, ADryRunOfAFreshLakehouseSkipsWhatReadsTablesItWouldCreate) {
  Fixture f;
  f.write("e.json",
          R"({"event_id":"1","customer_id":"c1","event_type":"login","event_timestamp":"2025-01-01T00:00:00Z"})"
          "\n");
  RunOptions options;
  options.dry_run = true;
  const RunRecord record = run_pipeline(f.spec, f.dir.file("lake"), options, f.exec);
  ASSERT_EQ(record.layers.size(), 2u);
  EXPECT_EQ(record.layers[0].status, "DRY RUN");
  EXPECT_EQ(record.layers[0].rows_out, 1);
  EXPECT_EQ(record.layers[1].status, "SKIPPED");
  EXPECT_NE(record.layers[1].message.find("churn.bronze.events does not exist yet"), std::string::npos)
      << record.layers[1].message;
  EXPECT_TRUE(f.lake_files().empty());
}

TEST(Silver, IncrementalRunsSeeOnlyNewRowsAndDuplicatesAcrossRunsLandOnce) {
  Fixture f;
  f.write(
      "1.json",
      R"({"event_id":"e1","customer_id":"c1","event_type":" login ","event_timestamp":"2025-03-01T10:00:00Z","country":"de","product_id":"x","session_id":"x"})"
      "\n"
      R"({"event_id":"e2","customer_id":"c1","event_type":"PURCHASE","event_timestamp":"2025-03-02T10:00:00Z","country":null,"product_id":"x","session_id":"x"})"
      "\n");
  f.bronze(1000);
  const LayerResult s1 = f.silver(1000);
  EXPECT_EQ(s1.rows_out, 2);
  // A later delivery repeats e2 and adds a late event e0 from before the others.
  f.write(
      "2.json",
      R"({"event_id":"e2","customer_id":"c1","event_type":"PURCHASE","event_timestamp":"2025-03-02T10:00:00Z","country":null,"product_id":"x","session_id":"x"})"
      "\n"
      R"({"event_id":"e0","customer_id":"c1","event_type":"login","event_timestamp":"2025-02-01T10:00:00Z","country":"FR","product_id":"x","session_id":"x"})"
      "\n"
      R"({"event_id":"e3","customer_id":null,"event_type":"login","event_timestamp":"2025-03-03T10:00:00Z","country":"x","product_id":"x","session_id":"x"})"
      "\n"
      R"({"event_id":"e4","customer_id":"c2","event_type":"login","event_timestamp":"not a time","country":"x","product_id":"x","session_id":"x"})"
      "\n");
  f.bronze(2000);
  const LayerResult s2 = f.silver(2000);
  expect_accounted(s2);
  EXPECT_EQ(s2.rows_in, 4);
  EXPECT_EQ(s2.rows_out, 1);         // e0, the late event
  EXPECT_EQ(s2.already_present, 1);  // e2 again
  EXPECT_EQ(s2.quarantined, 2);      // NULL customer, unparseable time
  const Batch out = f.rows({"event_id", "event_type", "country_code"});
  EXPECT_EQ(out.num_rows(), 3u);
  std::map<std::string, std::string> types, countries;
  for (size_t r = 0; r < out.num_rows(); ++r) {
    types[std::string(out.column(0)->strings()[r])] = std::string(out.column(1)->strings()[r]);
    countries[std::string(out.column(0)->strings()[r])] = std::string(out.column(2)->strings()[r]);
  }
  EXPECT_EQ(types["e1"], "LOGIN");  // trimmed, upper-cased
  EXPECT_EQ(countries["e2"], "UNKNOWN");
  EXPECT_EQ(countries["e1"], "DE");
  const Batch q =
      delta::DeltaScan(delta::DeltaTable::open(f.dir.file("lake/churn/silver/customers_quarantine")).latest(),
                       {.columns = {"event_id", "_rule"}})
          .read_all();
  std::map<std::string, std::string> rules;
  for (size_t r = 0; r < q.num_rows(); ++r)
    rules[std::string(q.column(0)->strings()[r])] = std::string(q.column(1)->strings()[r]);
  EXPECT_EQ(rules["e3"], "valid_customer");
  EXPECT_EQ(rules["e4"], "valid_event_ts");
}

TEST(Silver, FailRulesStopBeforeCommittingAndDropRulesAreCounted) {
  Fixture f;
  f.spec.silver[0].expect[0].action = ViolationAction::kDrop;
  f.write(
      "1.json",
      R"({"event_id":"e1","customer_id":null,"event_type":"x","event_timestamp":"2025-03-01T10:00:00Z","country":"x","product_id":"x","session_id":"x"})"
      "\n"
      R"({"event_id":"e2","customer_id":"c","event_type":"x","event_timestamp":"2025-03-01T10:00:00Z","country":"x","product_id":"x","session_id":"x"})"
      "\n");
  f.bronze(1000);
  const LayerResult s = f.silver(1000);
  EXPECT_EQ(s.dropped, 1);
  EXPECT_EQ(s.rows_out, 1);
  expect_accounted(s);
  Fixture g;
  g.spec.silver[0].expect_output[0].action = ViolationAction::kFail;
  g.write(
      "1.json",
      R"({"event_id":"e1","customer_id":"c","event_type":"x","event_timestamp":"garbage","country":"x","product_id":"x","session_id":"x"})"
      "\n");
  g.bronze(1000);
  try {
    g.silver(1000);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("valid_event_ts (1 rows)"), std::string::npos) << e.message();
  }
  EXPECT_FALSE(delta::DeltaTable::exists(g.dir.file("lake/churn/silver/customers")));
}

TEST(Silver, FullRefreshRebuildsFromAllOfBronze) {
  Fixture f;
  f.write(
      "1.json",
      R"({"event_id":"e1","customer_id":"c","event_type":"x","event_timestamp":"2025-03-01T10:00:00Z","country":"x","product_id":"x","session_id":"x"})"
      "\n");
  f.bronze(1000);
  f.silver(1000);
  RunContext ctx = f.ctx(3000);
  ctx.full_refresh = true;
  const LayerResult s = run_silver(ctx, f.spec.silver[0], f.exec);
  EXPECT_EQ(s.rows_out, 1);
  EXPECT_EQ(f.rows({"event_id"}).num_rows(), 1u);
}

}  // namespace bullion::pipeline
