// Internal: MLflow's search filter and order_by syntax, parsed into clauses
// that store.cc turns into SQL with bound parameters.
//
// Grammar (the subset of SearchUtils that MLflow documents):
//   filter     := clause (AND clause)*            -- AND is case-insensitive; no OR
//   clause     := identifier comparator value | identifier IS [NOT] NULL
//   identifier := [type '.'] key                  -- type: metric(s), param(s)/parameter(s),
//                                                     tag(s), attribute(s)/attr/run, dataset(s);
//                                                     no type = attribute. Keys may be quoted
//                                                     with backticks or double quotes.
//   comparator := = | != | <> | > | >= | < | <= | LIKE | ILIKE | IN | NOT IN
//   value      := 'string' | "string" | number | ( 'a', 'b', ... )
// Validation per searched entity mirrors MLflow: metrics take numbers and
// numeric comparators; params and tags take quoted strings with =, !=, LIKE,
// ILIKE, IS [NOT] NULL; IN lists only for run_id. Every error is
// kInvalidInput naming the offending part.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bullion::tracking::search {

enum class EntityType { kMetric, kParam, kTag, kAttribute, kDataset };
enum class Comparator { kEq, kNe, kGt, kGe, kLt, kLe, kLike, kILike, kIn, kNotIn, kIsNull, kIsNotNull };
enum class SearchKind { kRuns, kExperiments, kRegisteredModels, kModelVersions, kLoggedModels };

struct Clause {
  EntityType type = EntityType::kAttribute;
  std::string key;  // canonical attribute name for attributes (aliases resolved)
  Comparator op = Comparator::kEq;
  bool numeric = false;  // value is `number` (else `text` or `list`)
  double number = 0;
  std::string text;
  std::vector<std::string> list;  // IN / NOT IN
};

struct OrderBy {
  EntityType type = EntityType::kAttribute;
  std::string key;
  bool ascending = true;
};

std::vector<Clause> parse_filter(std::string_view filter, SearchKind kind);
OrderBy parse_order_by(std::string_view order_by, SearchKind kind);

// SQL operator for a comparator ("=", "!=", ">", ..., "LIKE").
const char* sql_operator(Comparator op);
// Whether an attribute of `kind` is numeric (start_time, creation_time, ...).
bool is_numeric_attribute(SearchKind kind, std::string_view key);

// MLflow's page tokens: base64 of {"offset": N}. parse_page_token("") = 0;
// anything malformed is kInvalidInput.
int64_t parse_page_token(std::string_view token);
std::string make_page_token(int64_t offset);

std::string base64_encode(std::string_view data);
// nullopt-free: throws kInvalidInput on bad input.
std::string base64_decode(std::string_view text);

}  // namespace bullion::tracking::search
