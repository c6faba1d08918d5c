// bullion — the command line. Parses global options, configures the process
// (threads, memory budget, logging) and dispatches to one command. Exit codes:
// 0 success, 2 usage error (bad flags), and per error category otherwise
// (bullion::exit_code; listed in README).
#include <cstdio>
#include <cstdlib>

#include "bullion/core/error.h"
#include "bullion/core/log.h"
#include "bullion/core/memory.h"
#include "bullion/core/thread_pool.h"
#include "bullion/version.h"
#include "cli/cli.h"

namespace {

constexpr int kUsageExitCode = 2;

}  // namespace

int main(int argc, char** argv) {
  using namespace bullion;
  cli::GlobalOptions global;
  if (const char* env = std::getenv("BULLION_LAKEHOUSE"); env != nullptr && *env != '\0') global.lakehouse = env;

  CLI::App app{"bullion — a lakehouse feature pipeline: raw events to Delta tables to tracked models, on one machine"};
  app.set_version_flag("--version", std::string("bullion ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--lakehouse", global.lakehouse, "Lakehouse root directory (env BULLION_LAKEHOUSE)")
      ->capture_default_str();
  app.add_option("--threads", global.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  app.add_option("--memory-limit", global.memory_limit, "Memory budget, e.g. 4GiB (default: half of RAM)")
      ->check(CLI::Validator(
          [](const std::string& value) -> std::string {
            const auto parsed = parse_byte_size(value);
            return parsed && *parsed > 0 ? "" : "'" + value + "' is not a size such as 512MiB or 4GiB";
          },
          "SIZE"));
  app.add_flag("--force-spill", global.force_spill, "Make every spilling operator spill (testing)");
  app.add_flag("-q,--quiet", global.quiet, "Only print errors");
  app.add_flag("-v,--verbose", global.verbose, "Print diagnostics");

  cli::add_demo_command(app, global);
  cli::add_generate_command(app, global);
  cli::add_pipeline_commands(app, global);
  cli::add_train_commands(app, global);
  cli::add_score_command(app, global);
  cli::add_table_commands(app, global);
  cli::add_runs_command(app, global);
  cli::add_models_command(app, global);
  cli::add_serve_command(app, global);
  CLI::App* export_cmd = app.add_subcommand("export", "Compile a pipeline for another engine");
  export_cmd->require_subcommand(1);
  cli::add_unbuilt_command(*export_cmd, "spark", "Emit a PySpark + Delta job computing the same tables");

  app.parse_complete_callback([&] {
    if (global.quiet) set_log_level(LogLevel::kError);
    if (global.verbose) set_log_level(LogLevel::kDebug);
    if (global.threads != 0) ThreadPool::set_global_threads(global.threads);
    const uint64_t limit = global.memory_limit.empty() ? 0 : parse_byte_size(global.memory_limit).value_or(0);
    MemoryBudget::configure_global(limit, global.force_spill);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own non-error outcome (reproduce: "different")
  } catch (const CLI::ParseError& e) {
    // Name an unrecognized flag before complaining about what else is missing.
    std::string message = e.what();
    for (const std::string& arg : app.remaining())
      if (arg.size() > 1 && arg[0] == '-') {
        message = "unknown option '" + arg + "'";
        break;
      }
    std::fprintf(stderr, "bullion: %s\n  hint: run 'bullion --help' (or 'bullion <command> --help') for usage\n",
                 message.c_str());
    return kUsageExitCode;
  } catch (const Error& e) {
    std::fprintf(stderr, "bullion: %s: %s\n", std::string(category_name(e.category())).c_str(), e.what());
    return exit_code(e.category());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bullion: internal error: %s\n", e.what());
    return exit_code(ErrorCategory::kInternal);
  }
  return 0;
}
