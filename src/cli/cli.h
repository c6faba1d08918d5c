// The `bullion` command line: shared options and command registration.
// Each command lives in its own file and registers itself on the app with an
// add_<name>_command function; main.cc wires them together.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

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

}  // namespace bullion::cli
