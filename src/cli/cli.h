// The `bullion` command line: shared options and command registration.
// Each command lives in its own file and registers itself on the app with an
// add_<name>_command function; main.cc wires them together.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "bullion/generate/generator.h"

namespace bullion::ml {
struct TrainRun;
}
namespace bullion::server {
struct ScoreResult;
}

namespace bullion::cli {

struct GlobalOptions {
  std::string lakehouse = "./lakehouse";  // --lakehouse / BULLION_LAKEHOUSE
  size_t threads = 0;                     // 0: all cores
  std::string memory_limit;               // e.g. "4GiB"; empty: half of RAM
  bool force_spill = false;               // every spilling operator spills
  bool quiet = false;
  bool verbose = false;
};

// Registers a command that is part of bullion's surface but not built in this
// version: it parses its flags (so --help documents them) and then fails with
// kUnsupported, never printing a result.
CLI::App* add_unbuilt_command(CLI::App& parent, const std::string& name, const std::string& description);

void add_table_commands(CLI::App& app, GlobalOptions& global);
// `bullion validate` and `bullion run` (pipeline_commands.cc).
void add_pipeline_commands(CLI::App& app, const GlobalOptions& global);

// `bullion generate` (generate_command.cc) and `bullion demo` (demo_command.cc).
// `global` is read when the command runs, after all flags are parsed.
CLI::App* add_generate_command(CLI::App& app, const GlobalOptions& global);
CLI::App* add_demo_command(CLI::App& app, const GlobalOptions& global);

// Shared by generate and demo. A validator for counts such as 10M or 200k
// (parse_count) of at least `min`.
CLI::Validator count_validator(uint64_t min);
// Runs the generator with a progress line on a terminal (unless --quiet).
GenerateSummary run_generator(const GenerateOptions& options, const GlobalOptions& global);
// The generator's summary on stdout, as text or JSON; every number is computed.
void print_generate_summary(const GenerateOptions& options, const GenerateSummary& summary, bool json);
// Tracking and registry commands (runs_command.cc, models_command.cc,
// serve_command.cc); `global` must outlive the app.
void add_runs_command(CLI::App& app, const GlobalOptions& global);
void add_models_command(CLI::App& app, const GlobalOptions& global);
void add_serve_command(CLI::App& app, const GlobalOptions& global);
// `bullion train` and `bullion reproduce` (train_command.cc); the demo prints
// its training step with print_train_summary.
void add_train_commands(CLI::App& app, const GlobalOptions& global);
void print_train_summary(const ml::TrainRun& run);
// `bullion score` (score_command.cc); the demo prints its scoring step with print_score_summary.
void add_score_command(CLI::App& app, const GlobalOptions& global);
void print_score_summary(const server::ScoreResult& result);

}  // namespace bullion::cli
