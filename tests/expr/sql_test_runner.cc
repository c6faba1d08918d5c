// Runs the data-driven expression tests in tests/sql/*.test (one GoogleTest
// per file). The format, line by line:
//
//   # comment
//   table a INT, s STRING          a new table; `row` lines add rows
//   row 1 | 'abc'                  cells are constant SQL expressions
//   param as_of DATE '2026-11-25'  a bound parameter
//   query <expression>             evaluated on every row of the table
//   const <expression>             evaluated once, on no table
//   type <TYPE>                    (optional) the result type
//   ----                           then one expected value per row (SQL constants)
//   error <expression>             must fail; the expected line is part of the message
//   sql <expression>               to_sql of the bound expression
//   prune <predicate>              extract_pruning: one conjunct per line, or "never matches"
//   aggregate <aggregation>        over the table; with `group <column>` the
//                                  expected lines are "key | value" per group
//                                  in order of first appearance
//   aggregate_error <aggregation>  must fail to bind as an aggregation
// A blank line ends a block. A "# spark-differs: why" comment just before a
// block marks one of the documented deviations from Spark
// (tests/interop/test_expr_sql_files.py skips it). Every query is also evaluated in batches of 1
// and 2 rows and through its to_sql text, and every aggregate also as two
// merged partial states; all must give the expected values.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "bullion/core/error.h"
#include "bullion/expr/aggregate.h"
#include "bullion/expr/analysis.h"
#include "bullion/expr/binder.h"
#include "bullion/expr/cast.h"
#include "bullion/expr/evaluator.h"
#include "bullion/expr/parser.h"

namespace bullion::expr {
namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

// Splits on '|' outside quotes ('...', "...", `...`).
std::vector<std::string> split_cells(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      cur.push_back(c);
      if (c == '\\' && quote != '`' && i + 1 < s.size()) {
        cur.push_back(s[++i]);
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      cur.push_back(c);
    } else if (c == '|') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(trim(cur));
  return out;
}

Value constant(const std::string& text) { return evaluate_constant(compile(text, Schema())); }

// Exact equality; floating values compare bit-for-bit in spirit (NaN = NaN,
// -0.0 ≠ 0.0).
bool same_value(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.type().is_floating() && b.type().is_floating()) {
    const double x = a.as_double(), y = b.as_double();
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    return x == y && std::signbit(x) == std::signbit(y);
  }
  return a == b;
}

std::string show(const Value& v) { return v.to_string() + " (" + v.type().to_string() + ")"; }

struct Block {
  std::string kind;  // query, const, error, sql, prune, aggregate
  std::string text;
  std::string type;
  std::string group;
  std::vector<std::string> expected;
  int line = 0;
};

class SqlFile {
 public:
  explicit SqlFile(std::filesystem::path path) : path_(std::move(path)) {}

  void run() {
    std::ifstream in(path_);
    ASSERT_TRUE(in) << "cannot read " << path_;
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    size_t i = 0;
    while (i < lines.size()) {
      const std::string line = trim(lines[i]);
      const int line_no = static_cast<int>(i) + 1;
      ++i;
      if (line.empty() || line[0] == '#') continue;
      const size_t sp = line.find(' ');
      const std::string word = line.substr(0, sp);
      const std::string rest = sp == std::string::npos ? "" : trim(line.substr(sp + 1));
      try {
        if (word == "table") {
          start_table(rest, line_no);
        } else if (word == "row") {
          add_row(rest, line_no);
        } else if (word == "param") {
          add_param(rest, line_no);
        } else if (word == "query" || word == "const" || word == "error" || word == "sql" || word == "prune" ||
                   word == "aggregate" || word == "aggregate_error") {
          Block b;
          b.kind = word;
          b.text = rest;
          b.line = line_no;
          while (i < lines.size() && trim(lines[i]) != "----") {
            const std::string l = trim(lines[i]);
            if (l.rfind("type ", 0) == 0)
              b.type = trim(l.substr(5));
            else if (l.rfind("group ", 0) == 0)
              b.group = trim(l.substr(6));
            else if (!l.empty() && l[0] != '#')
              ADD_FAILURE() << where(static_cast<int>(i) + 1) << "unexpected line '" << l << "'";
            ++i;
          }
          if (i >= lines.size()) {
            ADD_FAILURE() << where(line_no) << "block without '----'";
            return;
          }
          ++i;
          while (i < lines.size() && !trim(lines[i]).empty()) b.expected.push_back(trim(lines[i++]));
          run_block(b);
          ++blocks_;
        } else {
          ADD_FAILURE() << where(line_no) << "unknown directive '" << word << "'";
        }
      } catch (const Error& e) {
        ADD_FAILURE() << where(line_no) << e.what();
      }
    }
    EXPECT_GT(blocks_, 0) << path_ << " has no test blocks";
  }

 private:
  std::string where(int line) const { return path_.filename().string() + ":" + std::to_string(line) + ": "; }

  void start_table(const std::string& spec, int line) {
    std::vector<Field> fields;
    std::string cur;
    int depth = 0;
    auto flush = [&] {
      const std::string f = trim(cur);
      cur.clear();
      if (f.empty()) return;
      // name TYPE, where the name may be `backquoted`.
      size_t sp = f.find(' ');
      std::string name = f.substr(0, sp);
      if (f[0] == '`') {
        const size_t close = f.find('`', 1);
        if (close == std::string::npos) throw Error::invalid_input(where(line) + "unclosed ` in " + f);
        name = f.substr(1, close - 1);
        sp = close + 1;
      }
      if (sp == std::string::npos || sp >= f.size())
        throw Error::invalid_input(where(line) + "column without a type: " + f);
      fields.emplace_back(name, parse_type_name(trim(f.substr(sp))));
    };
    for (char c : spec) {
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (c == ',' && depth == 0)
        flush();
      else
        cur.push_back(c);
    }
    flush();
    schema_ = std::make_shared<Schema>(std::move(fields));
    columns_.clear();
    for (const Field& f : schema_->fields()) columns_.push_back(Column::make(f.type));
  }

  void add_row(const std::string& cells_text, int line) {
    const auto cells = split_cells(cells_text);
    if (cells.size() != schema_->size())
      throw Error::invalid_input(where(line) + "row has " + std::to_string(cells.size()) + " cells, table has " +
                                 std::to_string(schema_->size()) + " columns");
    for (size_t c = 0; c < cells.size(); ++c)
      columns_[c]->append_value(cast_value(constant(cells[c]), schema_->field(c).type));
  }

  void add_param(const std::string& spec, int line) {
    const size_t a = spec.find(' ');
    const size_t b = a == std::string::npos ? a : spec.find(' ', a + 1);
    if (b == std::string::npos) throw Error::invalid_input(where(line) + "param needs: name TYPE value");
    const DataType type = parse_type_name(spec.substr(a + 1, b - a - 1));
    options_.parameters.push_back({spec.substr(0, a), cast_value(constant(spec.substr(b + 1)), type)});
  }

  size_t num_rows() const { return columns_.empty() ? 0 : columns_[0]->size(); }

  Batch batch_slice(size_t start, size_t n) const {
    std::vector<ColumnPtr> cols;
    for (const ColumnPtr& c : columns_) cols.push_back(c->slice(start, n));
    return Batch(schema_, std::move(cols), n);
  }

  // Evaluates over the table in batches of `batch_size` (0: one batch).
  std::vector<Value> evaluate_all(const ExprPtr& e, size_t batch_size) const {
    Evaluator ev(e);
    std::vector<Value> out;
    const size_t total = num_rows();
    const size_t step = batch_size == 0 ? std::max<size_t>(total, 1) : batch_size;
    for (size_t start = 0; start < total; start += step) {
      const size_t n = std::min(step, total - start);
      ColumnPtr c = ev.evaluate(batch_slice(start, n));
      for (size_t r = 0; r < n; ++r) out.push_back(c->value(r));
    }
    return out;
  }

  void check_values(const Block& b, const std::string& how, const DataType& type, const std::vector<Value>& got) {
    if (got.size() != b.expected.size()) {
      ADD_FAILURE() << where(b.line) << b.text << " (" << how << "): " << got.size() << " values, expected "
                    << b.expected.size();
      return;
    }
    for (size_t r = 0; r < got.size(); ++r) {
      Value want = constant(b.expected[r]);
      if (!(want.type() == type) && !want.is_null()) want = cast_value(want, type);
      if (!same_value(got[r], want))
        ADD_FAILURE() << where(b.line) << b.text << " (" << how << ") row " << r + 1 << ": got " << show(got[r])
                      << ", expected " << b.expected[r];
    }
  }

  void run_block(const Block& b) {
    if (b.kind == "error") {
      try {
        const Schema empty;
        ExprPtr e = compile(b.text, schema_ ? *schema_ : empty, options_);
        if (schema_) evaluate_all(e, 0);
        ADD_FAILURE() << where(b.line) << b.text << ": expected an error, got type " << e->type.to_string();
      } catch (const Error& err) {
        for (const std::string& want : b.expected)
          if (err.message().find(want) == std::string::npos)
            ADD_FAILURE() << where(b.line) << b.text << ": error '" << err.message() << "' does not contain '" << want
                          << "'";
      }
      return;
    }
    if (b.kind == "aggregate_error") {
      try {
        compile_aggregate(b.text, *schema_, {}, options_);
        ADD_FAILURE() << where(b.line) << b.text << ": expected an error";
      } catch (const Error& err) {
        for (const std::string& want : b.expected)
          if (err.message().find(want) == std::string::npos)
            ADD_FAILURE() << where(b.line) << b.text << ": error '" << err.message() << "' does not contain '" << want
                          << "'";
      }
      return;
    }
    if (b.kind == "const") {
      ExprPtr e = compile(b.text, Schema(), options_);
      check_type(b, e);
      const Value v = evaluate_constant(e);
      check_values(b, "constant", e->type, {v});
      BindOptions unfolded = options_;
      unfolded.fold_constants = false;
      ExprPtr raw = compile(b.text, Schema(), unfolded);
      check_values(b, "unfolded", raw->type, {evaluate_constant(raw)});
      ExprPtr again = compile(to_sql(*e), Schema(), options_);
      check_values(b, "via to_sql: " + to_sql(*e), again->type, {evaluate_constant(again)});
      return;
    }
    if (!schema_) throw Error::invalid_input(where(b.line) + "'" + b.kind + "' needs a table first");
    if (b.kind == "query") {
      ExprPtr e = compile(b.text, *schema_, options_);
      check_type(b, e);
      check_values(b, "one batch", e->type, evaluate_all(e, 0));
      check_values(b, "batches of 1", e->type, evaluate_all(e, 1));
      check_values(b, "batches of 2", e->type, evaluate_all(e, 2));
      BindOptions unfolded = options_;
      unfolded.fold_constants = false;
      ExprPtr raw = compile(b.text, *schema_, unfolded);
      check_values(b, "unfolded", raw->type, evaluate_all(raw, 2));
      const std::string sql = to_sql(*e);
      ExprPtr again = compile(sql, *schema_, options_);
      EXPECT_EQ(again->type, e->type) << where(b.line) << "to_sql changes the type: " << sql;
      check_values(b, "via to_sql: " + sql, again->type, evaluate_all(again, 0));
      return;
    }
    if (b.kind == "sql") {
      ExprPtr e = compile(b.text, *schema_, options_);
      const std::string got = to_sql(*e);
      if (b.expected.size() != 1 || got != b.expected[0])
        ADD_FAILURE() << where(b.line) << b.text << ": to_sql gave " << got;
      return;
    }
    if (b.kind == "prune") {
      ExprPtr e = compile_predicate(b.text, *schema_, options_);
      const PruningPredicate p = extract_pruning(*e);
      std::vector<std::string> got;
      if (p.never_matches) got.push_back("never matches");
      for (const ColumnPredicate& c : p.conjunction) got.push_back(c.to_string());
      if (got != b.expected) {
        std::string all;
        for (const std::string& g : got) all += "\n  " + g;
        ADD_FAILURE() << where(b.line) << b.text << ": extracted" << (all.empty() ? " nothing" : all);
      }
      return;
    }
    if (b.kind == "aggregate") {
      run_aggregate(b);
      return;
    }
  }

  static DataType type_named(const std::string& name) {
    return name == "NULL" ? DataType::null() : parse_type_name(name);
  }

  void check_type(const Block& b, const ExprPtr& e) {
    if (!b.type.empty() && !(type_named(b.type) == e->type))
      ADD_FAILURE() << where(b.line) << b.text << ": type " << e->type.to_string() << ", expected " << b.type;
  }

  void run_aggregate(const Block& b) {
    std::vector<std::string> keys;
    if (!b.group.empty()) keys.push_back(b.group);
    AggregateBinding binding = compile_aggregate(b.text, *schema_, keys, options_);
    // Group ids by first appearance of the key.
    const size_t total = num_rows();
    std::vector<uint32_t> groups(total, 0);
    std::vector<Value> key_values;
    if (!b.group.empty()) {
      const size_t k = *schema_->find_case_insensitive(b.group);
      std::map<std::string, uint32_t> ids;
      for (size_t r = 0; r < total; ++r) {
        const Value v = columns_[k]->value(r);
        auto [it, fresh] =
            ids.emplace(v.to_string() + "/" + (v.is_null() ? "null" : "v"), static_cast<uint32_t>(key_values.size()));
        if (fresh) key_values.push_back(v);
        groups[r] = it->second;
      }
    } else {
      key_values.push_back(Value());
    }
    const size_t num_groups = key_values.size();
    auto run = [&](bool split) {
      // The final columns: keys, then one per call.
      std::vector<ColumnPtr> finals;
      if (!b.group.empty()) {
        auto kc = Column::make(schema_->field(*schema_->find_case_insensitive(b.group)).type);
        for (const Value& v : key_values) kc->append_value(v);
        finals.push_back(kc);
      }
      for (const AggregateCall& call : binding.calls) {
        const size_t half = split ? total / 2 : total;
        std::unique_ptr<AggregateState> first = call.make_state();
        std::unique_ptr<AggregateState> second = call.make_state();
        first->resize(num_groups);
        second->resize(num_groups);
        auto feed = [&](AggregateState& state, size_t start, size_t n) {
          if (n == 0) return;
          Batch slice = batch_slice(start, n);
          ColumnPtr input = call.argument ? expr::evaluate(call.argument, slice) : nullptr;
          state.update(input.get(), n, groups.data() + start);
        };
        feed(*first, 0, half);
        feed(*second, half, total - half);
        first->merge(*second, nullptr);
        finals.push_back(first->finalize());
      }
      Batch result(binding.result_schema, finals, num_groups);
      ColumnPtr values = expr::evaluate(binding.result, result);
      std::vector<Value> out;
      for (size_t g = 0; g < num_groups; ++g) out.push_back(values->value(g));
      return out;
    };
    // sum, avg and stddev of doubles come from exact sums rounded once:
    // merging partial states never changes them, and Spark, which adds in
    // row order, may differ in the last bits.
    const bool exact_sums = b.text.find("sum(") != std::string::npos || b.text.find("avg(") != std::string::npos ||
                            b.text.find("mean(") != std::string::npos || b.text.find("stddev") != std::string::npos;
    std::vector<Value> one_state;
    for (bool split : {false, true}) {
      const std::vector<Value> got = run(split);
      const std::string how = split ? "two merged states" : "one state";
      if (!split) one_state = got;
      for (size_t g = 0; exact_sums && split && g < got.size() && g < one_state.size(); ++g)
        if (!same_value(got[g], one_state[g]))
          ADD_FAILURE() << where(b.line) << b.text << " group " << g + 1 << ": two merged states give " << show(got[g])
                        << ", one state " << show(one_state[g]);
      if (got.size() != b.expected.size()) {
        ADD_FAILURE() << where(b.line) << b.text << " (" << how << "): " << got.size() << " groups, expected "
                      << b.expected.size();
        continue;
      }
      for (size_t g = 0; g < got.size(); ++g) {
        std::string expected_value = b.expected[g];
        if (!b.group.empty()) {
          const auto cells = split_cells(b.expected[g]);
          if (cells.size() != 2) {
            ADD_FAILURE() << where(b.line) << "grouped results are 'key | value' lines";
            continue;
          }
          Value want_key = constant(cells[0]);
          if (!want_key.is_null()) want_key = cast_value(want_key, key_values[g].type());
          if (!same_value(key_values[g], want_key))
            ADD_FAILURE() << where(b.line) << "group " << g + 1 << " has key " << show(key_values[g]) << ", expected "
                          << cells[0];
          expected_value = cells[1];
        }
        Value want = constant(expected_value);
        if (!want.is_null() && !(want.type() == binding.result->type)) want = cast_value(want, binding.result->type);
        const bool close = exact_sums && !got[g].is_null() && !want.is_null() && got[g].type().is_floating() &&
                           std::fabs(got[g].as_double() - want.as_double()) <= 1e-15 * std::fabs(want.as_double());
        if (!close && !same_value(got[g], want))
          ADD_FAILURE() << where(b.line) << b.text << " (" << how << ") group " << g + 1 << ": got " << show(got[g])
                        << ", expected " << expected_value;
      }
    }
    if (!b.type.empty() && !(type_named(b.type) == binding.result->type))
      ADD_FAILURE() << where(b.line) << b.text << ": type " << binding.result->type.to_string() << ", expected "
                    << b.type;
  }

  std::filesystem::path path_;
  SchemaPtr schema_;
  std::vector<ColumnPtr> columns_;
  BindOptions options_;
  int blocks_ = 0;
};

std::vector<std::string> test_files() {
  std::vector<std::string> out;
  const std::filesystem::path dir = std::filesystem::path(BULLION_SOURCE_DIR) / "tests" / "sql";
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".test") out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

class SqlTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SqlTest, File) { SqlFile(GetParam()).run(); }

INSTANTIATE_TEST_SUITE_P(Files, SqlTest, ::testing::ValuesIn(test_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).stem().string();
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace bullion::expr
