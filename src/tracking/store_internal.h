// Internal helpers shared by the files that implement TrackingStore.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bullion/tracking/store.h"
#include "tracking/sqlite.h"

namespace bullion::tracking::detail {

// Bound parameter of a statement built at run time.
using SqlValue = std::variant<int64_t, double, std::string>;
void bind_all(sql::Statement& stmt, const std::vector<SqlValue>& values);

// MLflow's name rules for metric/param/tag keys; `what` is "param", "metric"... .
void validate_key(std::string_view what, std::string_view key);
void validate_value_length(std::string_view what, std::string_view key, std::string_view value, size_t limit);
void validate_experiment_name(std::string_view name);
void validate_model_name(std::string_view name);

// Experiment ids are decimal integers on the wire; anything else is not found.
int64_t parse_experiment_id(std::string_view id);

struct RunRow {
  int64_t run_key = 0;
  RunInfo info;
};
// Loads a run's row; kNotFound naming the id when absent.
RunRow load_run_row(sql::Connection& conn, const std::string& run_id);
// Loads the experiment row (no tags); kNotFound when absent.
Experiment load_experiment_row(sql::Connection& conn, int64_t experiment_id);
// kInvalidInput unless the run is active (MLflow's _check_run_is_active).
void require_active_run(const RunRow& row);
void fill_run_data(sql::Connection& conn, int64_t run_key, Run& run);
// The same for a page of runs (runs[i] belongs to run_keys[i]), in six statements.
void fill_runs_data(sql::Connection& conn, const std::vector<int64_t>& run_keys, std::vector<Run*>& runs);

// Writes `data` to `path` atomically (temp file in the same directory, fsync,
// rename), creating parent directories.
void write_file_atomic(const std::string& path, std::string_view data);
// Copies a file atomically (streamed, never loaded whole).
void copy_file_atomic(const std::string& from, const std::string& to);
// Copies a file or a directory tree below `to`.
void copy_tree(const std::string& from, const std::string& to);

std::string random_hex(size_t bytes);
std::string generate_run_name();

}  // namespace bullion::tracking::detail
