// The MLflow filter / order_by parser and page tokens.
#include "tracking/search.h"

#include <gtest/gtest.h>

#include "bullion/core/error.h"

namespace bullion::tracking::search {
namespace {

TEST(SearchParser, ParsesEveryEntityType) {
  const auto clauses = parse_filter(
      "metrics.roc_auc > 0.8 and params.max_depth = '5' AND tags.x = \"y\" and attributes.status = 'FINISHED'",
      SearchKind::kRuns);
  ASSERT_EQ(clauses.size(), 4u);
  EXPECT_EQ(clauses[0].type, EntityType::kMetric);
  EXPECT_EQ(clauses[0].key, "roc_auc");
  EXPECT_EQ(clauses[0].op, Comparator::kGt);
  EXPECT_TRUE(clauses[0].numeric);
  EXPECT_DOUBLE_EQ(clauses[0].number, 0.8);
  EXPECT_EQ(clauses[1].type, EntityType::kParam);
  EXPECT_EQ(clauses[1].key, "max_depth");
  EXPECT_EQ(clauses[1].text, "5");
  EXPECT_EQ(clauses[2].type, EntityType::kTag);
  EXPECT_EQ(clauses[2].text, "y");
  EXPECT_EQ(clauses[3].type, EntityType::kAttribute);
  EXPECT_EQ(clauses[3].key, "status");
  EXPECT_EQ(clauses[3].text, "FINISHED");
}

TEST(SearchParser, QuotedKeysDottedKeysAliasesAndOperators) {
  auto c = parse_filter("metrics.`my metric` <= -1.5e2", SearchKind::kRuns);
  EXPECT_EQ(c[0].key, "my metric");
  EXPECT_EQ(c[0].op, Comparator::kLe);
  EXPECT_DOUBLE_EQ(c[0].number, -150);
  c = parse_filter("tags.\"mlflow.user\" != 'x'", SearchKind::kRuns);
  EXPECT_EQ(c[0].key, "mlflow.user");
  EXPECT_EQ(c[0].op, Comparator::kNe);
  c = parse_filter("tags.mlflow.runName ILIKE '%Run%'", SearchKind::kRuns);
  EXPECT_EQ(c[0].key, "mlflow.runName");
  EXPECT_EQ(c[0].op, Comparator::kILike);
  c = parse_filter("`Run name` = 'a'", SearchKind::kRuns);
  EXPECT_EQ(c[0].key, "run_name");
  c = parse_filter("created > 5", SearchKind::kRuns);
  EXPECT_EQ(c[0].key, "start_time");
  c = parse_filter("param.a = 'it''s'", SearchKind::kRuns);
  EXPECT_EQ(c[0].text, "it's");
  c = parse_filter("run.run_id NOT IN ('a', \"b\")", SearchKind::kRuns);
  EXPECT_EQ(c[0].op, Comparator::kNotIn);
  EXPECT_EQ(c[0].list, (std::vector<std::string>{"a", "b"}));
  c = parse_filter("tags.x is not null", SearchKind::kRuns);
  EXPECT_EQ(c[0].op, Comparator::kIsNotNull);
  EXPECT_TRUE(parse_filter("", SearchKind::kRuns).empty());
  EXPECT_TRUE(parse_filter("   ", SearchKind::kRuns).empty());
}

TEST(SearchParser, ErrorsNameThePosition) {
  try {
    parse_filter("metrics.a > 1 OR metrics.b > 2", SearchKind::kRuns);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("position 15"), std::string::npos) << e.what();
  }
  for (const char* bad :
       {"metrics.a >", "metrics.a 5", "= 5", "metrics.a > 1 and", "tags.x = 'a' 'b'", "attributes.start_time = 'x'",
        "attributes.status > 'A'", "metrics.a != x", "datasets.bogus = 'a'", "metrics.a > 1.2.3", "tags.t = 1"})
    EXPECT_THROW(parse_filter(bad, SearchKind::kRuns), Error) << bad;
}

TEST(SearchParser, EntityRulesPerKind) {
  EXPECT_THROW(parse_filter("metrics.a > 1", SearchKind::kRegisteredModels), Error);
  EXPECT_EQ(parse_filter("name LIKE '%churn%'", SearchKind::kRegisteredModels)[0].key, "name");
  EXPECT_EQ(parse_filter("run_id = 'x'", SearchKind::kModelVersions)[0].key, "run_id");
  EXPECT_TRUE(parse_filter("version_number > 2", SearchKind::kModelVersions)[0].numeric);
  EXPECT_EQ(parse_filter("source_run_id = 'r'", SearchKind::kLoggedModels)[0].key, "source_run_id");
  EXPECT_TRUE(parse_filter("creation_time > 1", SearchKind::kExperiments)[0].numeric);
  EXPECT_THROW(parse_filter("status = 'x'", SearchKind::kExperiments), Error);
}

TEST(SearchParser, OrderBy) {
  OrderBy o = parse_order_by("metrics.roc_auc DESC", SearchKind::kRuns);
  EXPECT_EQ(o.type, EntityType::kMetric);
  EXPECT_EQ(o.key, "roc_auc");
  EXPECT_FALSE(o.ascending);
  o = parse_order_by("attributes.start_time", SearchKind::kRuns);
  EXPECT_EQ(o.key, "start_time");
  EXPECT_TRUE(o.ascending);
  o = parse_order_by("start_time asc", SearchKind::kRuns);
  EXPECT_TRUE(o.ascending);
  o = parse_order_by("timestamp DESC", SearchKind::kRegisteredModels);
  EXPECT_EQ(o.key, "creation_timestamp");
  EXPECT_THROW(parse_order_by("metrics.a UP", SearchKind::kRuns), Error);
  EXPECT_THROW(parse_order_by("metrics.a DESC extra", SearchKind::kRuns), Error);
}

TEST(PageToken, RoundTripsAndMatchesMlflow) {
  EXPECT_EQ(parse_page_token(""), 0);
  // MLflow's own token for offset 1000: base64('{"offset": 1000}').
  EXPECT_EQ(make_page_token(1000), "eyJvZmZzZXQiOiAxMDAwfQ==");
  EXPECT_EQ(parse_page_token("eyJvZmZzZXQiOiAxMDAwfQ=="), 1000);
  EXPECT_EQ(parse_page_token(make_page_token(7)), 7);
  EXPECT_THROW(parse_page_token("!!!"), Error);
  EXPECT_THROW(parse_page_token(base64_encode("[1]")), Error);
  EXPECT_THROW(parse_page_token(base64_encode("{\"offset\": -3}")), Error);
  EXPECT_EQ(base64_decode(base64_encode("ab")), "ab");
  EXPECT_EQ(base64_encode("a"), "YQ==");
}

}  // namespace
}  // namespace bullion::tracking::search
