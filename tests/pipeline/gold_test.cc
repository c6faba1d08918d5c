#include "bullion/pipeline/gold.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/delta/scan.h"
#include "bullion/pipeline/bronze.h"
#include "bullion/pipeline/silver.h"
#include "support/temp_dir.h"

namespace bullion::pipeline {

namespace {

std::string spec_text() {
  return R"(pipeline: churn
bronze:
  - table: churn.bronze.events
    source: {format: json, path: raw}
silver:
  - table: churn.silver.customers
    from: churn.bronze.events
    dedupe_on: [customer_id, event_id]
    columns:
      customer_id: customer_id
      event_id: event_id
      event_type: upper(trim(event_type))
      event_ts: to_timestamp(event_timestamp)
      product_id: product_id
      session_id: session_id
    merge_on: [customer_id, event_id]
gold:
  - table: churn.gold.features
    from: churn.silver.customers
    entity: customer_id
    event_time: event_ts
    partition_by: feature_date
    aggregations:
      total_events: count(event_id)
      total_sessions: count(DISTINCT session_id)
      distinct_products: count(DISTINCT product_id)
      events_last_30d: count_if(datediff(as_of, event_ts) <= 30)
      events_last_90d: count_if(datediff(as_of, event_ts) <= 90)
      last_event_ts: max(event_ts)
      first_event_ts: min(event_ts)
    derived:
      days_since_last_event: datediff(as_of, last_event_ts)
      customer_tenure_days: datediff(as_of, first_event_ts)
      avg_events_per_day: total_events / (customer_tenure_days + 1)
      recency_tier: CASE WHEN days_since_last_event <= 7 THEN 3 WHEN days_since_last_event <= 30 THEN 2 ELSE 1 END
      engagement_score: (events_last_30d * 0.6 + events_last_90d * 0.4) / (customer_tenure_days + 1)
    optimize: {zorder_by: [customer_id]}
labels:
  - table: churn.gold.labels
    from: churn.silver.customers
    features: churn.gold.features
    entity: customer_id
    event_time: event_ts
    label: churned
    positive_when: event_type = 'CANCEL_SUBSCRIPTION'
    horizon_days: 30
)";
}

std::string event(const char* id, const char* customer, const char* type, const char* ts, const char* session,
                  const char* product) {
  return std::string("{\"event_id\":\"") + id + "\",\"customer_id\":\"" + customer + "\",\"event_type\":\"" + type +
         "\",\"event_timestamp\":\"" + ts + "\",\"session_id\":\"" + session + "\",\"product_id\":\"" + product +
         "\"}\n";
}

int32_t day(int y, int m, int d) { return days_from_civil(y, static_cast<uint32_t>(m), static_cast<uint32_t>(d)); }

}  // namespace

TEST(Gold, FeaturesAndLabelsFollowTheContractAtWindowBoundaries) {
  testing::TempDir dir;
  FileSystem::local().create_dirs(dir.file("raw"));
  std::ofstream(dir.file("raw/e.json")) << event("1", "c1", "login", "2025-01-01T08:00:00Z", "s1", "p1")
                                        << event("2", "c1", "purchase", "2025-01-31T10:00:00Z", "s2", "p2")
                                        << event("3", "c1", "view", "2025-02-01T00:00:01Z", "s2", "p1")
                                        << event("4", "c1", "CANCEL_SUBSCRIPTION", "2025-03-05T12:00:00Z", "s3", "p1")
                                        << event("5", "c2", "login", "2025-01-15T08:00:00+02:00", "s9", "p3")
                                        << event("6", "c2", "login", "2025-05-01T08:00:00Z", "s10", "p3");
  PipelineSpec spec = parse_spec(spec_text(), "pipeline.yaml", dir.path());
  RunContext ctx;
  ctx.lakehouse = dir.file("lake");
  ctx.spec = &spec;
  ctx.run_id = "r";
  ctx.started_at_micros = 1;
  exec::ExecContext exec;
  run_bronze(ctx, spec.bronze[0]);
  run_silver(ctx, spec.silver[0], exec);
  const LayerResult g = run_gold(ctx, spec.gold[0], {day(2025, 3, 2), day(2025, 3, 10)}, exec);
  EXPECT_EQ(g.files.at("partitions"), 2);
  const auto gold = delta::DeltaTable::open(dir.file("lake/churn/gold/features")).latest();
  EXPECT_EQ(gold.partition_columns(), std::vector<std::string>{"feature_date"});
  // Contract types.
  const Schema& s = gold.schema();
  EXPECT_EQ(s.field(*s.index_of("total_events")).type, DataType::int64());
  EXPECT_EQ(s.field(*s.index_of("days_since_last_event")).type, DataType::int32());
  EXPECT_EQ(s.field(*s.index_of("recency_tier")).type, DataType::int32());
  EXPECT_EQ(s.field(*s.index_of("engagement_score")).type, DataType::float64());
  EXPECT_EQ(s.field(*s.index_of("last_event_ts")).type, DataType::timestamp());
  EXPECT_EQ(s.field(*s.index_of("feature_date")).type, DataType::date());
  const Batch rows =
      delta::DeltaScan(gold, {.filter = {{"feature_date", CompareOp::kEq, {Value::date(day(2025, 3, 2))}}}}).read_all();
  ASSERT_EQ(rows.num_rows(), 2u);
  auto col = [&](const char* name) { return rows.column(*rows.schema()->index_of(name)); };
  // Rows are sorted by customer: c1 first.
  EXPECT_EQ(col("customer_id")->value(0), Value::string("c1"));
  EXPECT_EQ(col("total_events")->value(0), Value::int64(3));  // the cancel on 3/5 is after as_of
  EXPECT_EQ(col("total_sessions")->value(0), Value::int64(2));
  EXPECT_EQ(col("distinct_products")->value(0), Value::int64(2));
  EXPECT_EQ(col("events_last_30d")->value(0), Value::int64(2));  // 1/31 is exactly 30 days before 3/2
  EXPECT_EQ(col("events_last_90d")->value(0), Value::int64(3));
  EXPECT_EQ(col("days_since_last_event")->value(0), Value::int32(29));
  EXPECT_EQ(col("customer_tenure_days")->value(0), Value::int32(60));
  EXPECT_EQ(col("recency_tier")->value(0), Value::int32(2));
  EXPECT_DOUBLE_EQ(col("avg_events_per_day")->value(0).as_double(), 3.0 / 61);
  EXPECT_DOUBLE_EQ(col("engagement_score")->value(0).as_double(), (2 * 0.6 + 3 * 0.4) / 61);
  // c2's event at 08:00+02:00 is 06:00 UTC on 1/15.
  EXPECT_EQ(col("first_event_ts")->value(1),
            Value::timestamp(static_cast<int64_t>(day(2025, 1, 15)) * kMicrosPerDay + 6 * 3600 * kMicrosPerSecond));

  // Rerunning a date replaces only that date.
  const auto before = delta::DeltaTable::open(dir.file("lake/churn/gold/features")).latest();
  run_gold(ctx, spec.gold[0], {day(2025, 3, 2)}, exec);
  const auto after = delta::DeltaTable::open(dir.file("lake/churn/gold/features")).latest();
  EXPECT_EQ(after.version(), before.version() + 1);
  EXPECT_EQ(delta::DeltaScan(after, {}).read_all().num_rows(), 4u);

  const LayerResult l = run_labels(ctx, spec.labels[0], exec);
  const Batch labels =
      delta::DeltaScan(delta::DeltaTable::open(dir.file("lake/churn/gold/labels")).latest(), {}).read_all();
  // Last complete date is 2025-04-30: 3/2 + 30 = 4/1 is labelled; 3/10 + 30 = 4/9 too.
  // c1 at 3/2: churned (cancel on 3/5); c1 at 3/10: already churned → excluded; c2: 0 at both dates.
  std::map<std::pair<std::string, int32_t>, int32_t> got;
  for (size_t r = 0; r < labels.num_rows(); ++r)
    got[{std::string(labels.column(0)->strings()[r]), labels.column(1)->data<int32_t>()[r]}] =
        labels.column(2)->data<int32_t>()[r];
  const std::map<std::pair<std::string, int32_t>, int32_t> expected = {
      {{"c1", day(2025, 3, 2)}, 1}, {{"c2", day(2025, 3, 2)}, 0}, {{"c2", day(2025, 3, 10)}, 0}};
  EXPECT_EQ(got, expected);
  EXPECT_EQ(l.rows_out, 3);
}

// Every row of a table as display text, sorted: equal tables give equal lists.
std::vector<std::string> all_rows(const std::string& table_path) {
  const Batch rows = delta::DeltaScan(delta::DeltaTable::open(table_path).latest(), {}).read_all();
  std::vector<std::string> out;
  for (size_t r = 0; r < rows.num_rows(); ++r) {
    std::string line;
    for (size_t c = 0; c < rows.num_columns(); ++c) line += rows.column(c)->value(r).to_display() + "|";
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Gold, ABackfillEqualsSeparateRunsAndARerunChangesNoRow) {
  testing::TempDir dir;
  FileSystem::local().create_dirs(dir.file("raw"));
  std::ofstream(dir.file("raw/e.json")) << event("1", "c1", "login", "2025-01-01T08:00:00Z", "s1", "p1")
                                        << event("2", "c1", "purchase", "2025-01-31T10:00:00Z", "s2", "p2")
                                        << event("3", "c2", "view", "2025-02-01T00:00:01Z", "s3", "p1")
                                        << event("4", "c2", "login", "2025-03-05T12:00:00Z", "s4", "p1")
                                        << event("5", "c3", "login", "2025-03-15T23:59:59-01:00", "s5", "p3")
                                        << event("6", "c1", "view", "2025-04-01T08:00:00Z", "s6", "p3");
  PipelineSpec spec = parse_spec(spec_text(), "pipeline.yaml", dir.path());
  const std::vector<int32_t> dates = {day(2025, 2, 1), day(2025, 3, 5), day(2025, 3, 16), day(2025, 4, 1)};
  exec::ExecContext exec;
  auto lake = [&](const std::string& name) {
    RunContext ctx;
    ctx.lakehouse = dir.file(name);
    ctx.spec = &spec;
    ctx.run_id = "r";
    ctx.started_at_micros = 1;
    run_bronze(ctx, spec.bronze[0]);
    run_silver(ctx, spec.silver[0], exec);
    return ctx;
  };
  const RunContext backfill = lake("backfill");
  EXPECT_EQ(run_gold(backfill, spec.gold[0], dates, exec).files.at("partitions"), 4);
  const RunContext separate = lake("separate");
  for (int32_t d : dates) run_gold(separate, spec.gold[0], {d}, exec);
  const std::vector<std::string> rows = all_rows(dir.file("backfill/churn/gold/features"));
  // Customers with an event by each date (c3 at 3/16 00:59:59 UTC): 2, 2, 3, 3.
  EXPECT_EQ(rows.size(), 2u + 2u + 3u + 3u);
  EXPECT_EQ(rows, all_rows(dir.file("separate/churn/gold/features")));
  // Rerunning the whole backfill commits again and changes no row.
  run_gold(backfill, spec.gold[0], dates, exec);
  EXPECT_EQ(all_rows(dir.file("backfill/churn/gold/features")), rows);
  // Dry runs of gold and labels count the rows a run would write, and write nothing.
  const std::set<std::string> before = dir.files_under("backfill");
  RunContext dry = backfill;
  dry.dry_run = true;
  const LayerResult gold = run_gold(dry, spec.gold[0], dates, exec);
  EXPECT_EQ(gold.status, "DRY RUN");
  EXPECT_EQ(gold.rows_out, static_cast<int64_t>(rows.size()));
  const LayerResult labels = run_labels(dry, spec.labels[0], exec);
  EXPECT_EQ(labels.status, "DRY RUN");
  EXPECT_EQ(labels.rows_out, run_labels(separate, spec.labels[0], exec).rows_out);
  EXPECT_EQ(dir.files_under("backfill"), before);
}

}  // namespace bullion::pipeline
