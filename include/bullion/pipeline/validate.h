// bullion/pipeline/validate.h — checking a spec before any data is touched.
//
// validate_spec() checks what load_spec() cannot: table names, references
// between layers (every `from` names a table an earlier layer produces or
// that exists), cycles, and every expression against the schema it will see —
// Bronze's schema is the spec's explicit one, else the existing table's, else
// inferred from a sample of the source files (read, never written); each
// later layer's schema follows from the one before. Nothing is written.
// Every problem is reported with file:line:column and a hint; `ok` is true
// when there are none.
#pragma once

#include <string>
#include <vector>

#include "bullion/pipeline/spec.h"

namespace bullion::pipeline {

struct ValidationIssue {
  SpecPos pos;
  std::string message;
  std::string hint;
  std::string to_string() const;  // "pipeline.yaml:12:5: message\n  hint: ..."
};

struct ValidationReport {
  bool ok() const { return errors.empty(); }
  std::vector<ValidationIssue> errors;
  std::vector<ValidationIssue> warnings;
  size_t tables = 0;
  size_t expressions = 0;  // bound and type-checked
};

ValidationReport validate_spec(const PipelineSpec& spec, const std::string& lakehouse);

}  // namespace bullion::pipeline
