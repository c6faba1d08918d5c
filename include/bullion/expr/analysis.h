// bullion/expr/analysis.h — what other layers ask of a bound expression.
//
// - referenced_columns: which input columns an expression reads (projection
//   pushdown: Parquet reads only those).
// - extract_pruning: the simple conjuncts of a filter as a columnar
//   Conjunction (Parquet row-group pruning, Delta file skipping).
// - to_sql: SQL text that compile() turns back into an equivalent
//   expression (and that Spark SQL reads with the same meaning).
// - fold_constants: evaluates constant subtrees (the binder does this by
//   default).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "bullion/columnar/predicate.h"
#include "bullion/expr/expr.h"

namespace bullion::expr {

// Names of the schema columns `expr` reads, in order of first appearance,
// each once.
std::vector<std::string> referenced_columns(const Expr& expr);
// The same as indexes into the bound schema, ascending.
std::vector<size_t> referenced_column_indexes(const Expr& expr);

struct PruningPredicate {
  // Conjuncts that every matching row satisfies: `column op literal`
  // (literal op column is flipped), IS [NOT] NULL, IN of literals; BETWEEN
  // gives two conjuncts; NOT of a comparison is inverted; a bare boolean
  // column b is b = true. Literals have the column's type; a conjunct whose
  // literal does not convert exactly (an INT column against 2.5) is left out,
  // which is always safe for pruning.
  Conjunction conjunction;
  // True when the predicate is constant FALSE or NULL: no row matches.
  bool never_matches = false;
};

// `predicate` must be BOOLEAN. Conjuncts that are not simple are ignored.
PruningPredicate extract_pruning(const Expr& predicate);

// SQL text of a bound expression. Implicit casts are left out (binding the
// text again re-inserts them); literals are typed so that both bullion and
// Spark read them back as the same type (1.5D, 5L, DATE '2026-01-05');
// column names are always backquoted (never ambiguous, never keywords).
std::string to_sql(const Expr& expr);

// Folds every constant subtree into a literal.
ExprPtr fold_constants(const ExprPtr& expr);

}  // namespace bullion::expr
