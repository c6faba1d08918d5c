// Runs the real `bullion` binary and checks exit codes and messages.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bullion/core/fs.h"
#include "support/temp_dir.h"

namespace {

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Result run(const std::string& args) {
  const std::string cmd = std::string(BULLION_BINARY) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(Cli, VersionPrintsAndSucceeds) {
  const Result r = run("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "bullion 0.1.0\n");
}

TEST(Cli, HelpListsEveryCommandOfTheDesign) {
  const Result r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"demo", "generate", "validate", "run", "train", "reproduce", "score", "table", "runs",
                          "models", "serve", "export"})
    EXPECT_NE(r.output.find(std::string("  ") + cmd), std::string::npos) << cmd;
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const char* cmd : {"demo",           "generate",     "validate",       "run",          "train",
                          "reproduce",      "score",        "table history",  "table show",   "table describe",
                          "table optimize", "table vacuum", "table restore",  "runs list",    "runs show",
                          "models list",    "models show",  "models promote", "models alias", "serve",
                          "export spark"}) {
    const Result r = run(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.output;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << cmd;
  }
}

TEST(Cli, UnknownFlagExitsTwoNamingTheFlag) {
  const Result r = run("--bogus-flag");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--bogus-flag"), std::string::npos) << r.output;
}

TEST(Cli, BadFlagValueExitsTwoNamingTheFlag) {
  const Result r = run("--memory-limit lots table history x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--memory-limit"), std::string::npos) << r.output;
}

TEST(Cli, MissingCommandExitsTwo) {
  EXPECT_EQ(run("").exit_code, 2);
  EXPECT_EQ(run("table").exit_code, 2);
}

TEST(Cli, UnbuiltCommandSaysSoAndFails) {
  const Result r = run("export spark");
  EXPECT_EQ(r.exit_code, 8);
  EXPECT_NE(r.output.find("not built yet"), std::string::npos) << r.output;
}

// --- generate ---

std::string read(const std::string& path) { return bullion::FileSystem::local().read_all(path); }

TEST(CliGenerate, WritesFilesAndPrintsARealSummary) {
  bullion::testing::TempDir dir;
  const Result r = run("generate --events 2k --customers 40 --files 2 --out " + dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("generated 2,000 events in 2 files"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("CANCEL_SUBSCRIPTION"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tab-padded"), std::string::npos) << r.output;
  const std::string a = read(dir.file("events-00000.json")), b = read(dir.file("events-00001.json"));
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n') + std::count(b.begin(), b.end(), '\n'), 2000);
}

TEST(CliGenerate, JsonSummaryAgreesWithTheFiles) {
  bullion::testing::TempDir dir;
  const Result r = run("generate --json --events 3000 --compression zstd --out " + dir.path() + " 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["lines"], 3000);
  EXPECT_EQ(j["customers"], 60);  // events / 50
  EXPECT_EQ(j["compression"], "zstd");
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["path"], dir.file("events-00000.json.zst"));
  EXPECT_EQ(j["files"][0]["bytes"], std::filesystem::file_size(dir.file("events-00000.json.zst")));
  EXPECT_EQ(j["first_event_timestamp"].get<std::string>().substr(0, 10), "2025-01-01");
  EXPECT_EQ(j["dirt"]["duplicate"].get<uint64_t>() + j["unique_events"].get<uint64_t>(), 3000u);
}

TEST(CliGenerate, OutputDoesNotDependOnThreads) {
  bullion::testing::TempDir a, b;
  ASSERT_EQ(run("--threads 1 generate -q --events 30k --files 2 --out " + a.path()).exit_code, 0);
  ASSERT_EQ(run("--threads 3 generate --events 30k --files 2 --out " + b.path()).exit_code, 0);
  for (const char* name : {"events-00000.json", "events-00001.json"})
    EXPECT_TRUE(read(a.file(name)) == read(b.file(name))) << name;
}

TEST(CliGenerate, BadEventsValueExitsTwoNamingTheFlag) {
  for (const char* value : {"10X", "lots", "0", "-5"}) {
    const Result r = run(std::string("generate --events ") + value + " --out /tmp/never-written");
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.output;
    EXPECT_NE(r.output.find("--events"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/never-written"));
}

TEST(CliGenerate, BadFlagValuesExitTwoNamingTheFlag) {
  const std::pair<const char*, const char*> cases[] = {
      {"--start 2025-02-30", "--start"},
      {"--end 2024-12-31", "--end"},
      {"--compression lz4", "--compression"},
      {"--compression gzip --compression-level 12", "--compression-level"},
      {"--files 0", "--files"},
      {"--late-rate 1.5", "--late-rate"},
      {"--clean --duplicate-rate 0.1", "--clean"},
  };
  for (const auto& [args, flag] : cases) {
    const Result r = run(std::string("generate --events 1000 --out /tmp/never-written ") + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(flag), std::string::npos) << args << ": " << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/never-written"));
}

TEST(CliGenerate, MoreCustomersThanEventsIsInvalidInput) {
  bullion::testing::TempDir dir;
  const Result r = run("generate --events 1000 --customers 5k --out " + dir.path());
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("--customers"), std::string::npos) << r.output;
}

TEST(CliGenerate, UnwritableOutIsAnIOErrorExitSeven) {
  const Result r = run("generate --events 1000 --out /dev/null/events");
  EXPECT_EQ(r.exit_code, 7) << r.output;
  EXPECT_NE(r.output.find("I/O error"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'/dev/null/events'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--out"), std::string::npos) << r.output;
}

TEST(CliGenerate, UnwritableOutputIsAnIOErrorExitSeven) {
  // A path below a regular file cannot be created, whoever runs the test (root included).
  bullion::testing::TempDir dir;
  { std::ofstream(dir.file("blocker")) << "x"; }
  const Result r = run("generate --events 1000 --out " + dir.file("blocker/out"));
  EXPECT_EQ(r.exit_code, 7) << r.output;
  EXPECT_NE(r.output.find("blocker"), std::string::npos) << r.output;
}

TEST(CliGenerate, RefusesToMixRunsWithoutOverwrite) {
  bullion::testing::TempDir dir;
  ASSERT_EQ(run("generate -q --events 1000 --out " + dir.path()).exit_code, 0);
  const Result r = run("generate --events 1000 --seed 9 --out " + dir.path());
  EXPECT_EQ(r.exit_code, 5) << r.output;
  EXPECT_NE(r.output.find("--overwrite"), std::string::npos) << r.output;
  EXPECT_EQ(run("generate -q --events 1000 --seed 9 --overwrite --out " + dir.path()).exit_code, 0);
}

// --- score ---

TEST(CliScore, ExitCodesNameTheProblem) {
  bullion::testing::TempDir dir;
  const std::string prefix = "--lakehouse " + dir.path() + " score ";
  Result r = run(prefix + "--as-of 2025-03-01");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--model"), std::string::npos) << r.output;
  r = run(prefix + "--model churn-prediction-gbm --as-of 2025-03-01");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("NAME@ALIAS"), std::string::npos) << r.output;
  r = run(prefix + "--model churn-prediction-gbm@champion --as-of 2025-13-01");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("--as-of '2025-13-01' is not a date"), std::string::npos) << r.output;
  r = run(prefix + "--model churn-prediction-gbm@champion --as-of 2025-03-01");
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("no tracking store"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("_tracking")));
}

// --- demo ---

TEST(CliDemo, GeneratesAndRunsEveryLayerAndARerunIngestsNothingNew) {
  bullion::testing::TempDir dir;
  const std::string lakehouse = dir.file("lh");
  for (int run_index = 0; run_index < 2; ++run_index) {  // a rerun replaces the feed with the same bytes
    const Result r = run("--lakehouse " + lakehouse + " demo --events 30k");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("generated 30,000 events in 6 files"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("600 ("), std::string::npos) << "customers = events / 50: " << r.output;
    for (const char* layer : {"bronze  churn.bronze.events", "silver  churn.silver.customers",
                              "gold    churn.gold.features", "labels  churn.gold.labels"})
      EXPECT_NE(r.output.find(layer), std::string::npos) << layer << "\n" << r.output;
    EXPECT_NE(r.output.find("labelled customer-weeks"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("registered churn-prediction-gbm version " + std::to_string(run_index + 1)),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("roc_auc="), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("with churn-prediction-gbm v" + std::to_string(run_index + 1) + ": "), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("-> churn.gold.predictions v" + std::to_string(run_index)), std::string::npos) << r.output;
    if (run_index == 1) {
      EXPECT_NE(r.output.find("in         0  out         0"), std::string::npos) << r.output;
    }
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(lakehouse + "/_raw/events")) {
    EXPECT_TRUE(entry.path().filename().string().starts_with("events-")) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 6u);
  EXPECT_TRUE(std::filesystem::exists(lakehouse + "/churn/gold/features/_delta_log"));
  EXPECT_TRUE(std::filesystem::exists(lakehouse + "/pipeline.yaml"));
}

// The demo's model, reproduced from the CLI; a tampered model is reported
// as different (exit 1), an unknown run is not found (exit 4).
TEST(CliTrain, ReproduceComparesTheLoggedModel) {
  bullion::testing::TempDir dir;
  const std::string lh = "--lakehouse " + dir.file("lh") + " ";
  ASSERT_EQ(run(lh + "demo --events 30k").exit_code, 0);
  const Result trained = run(lh + "train " + dir.file("lh/pipeline.yaml") + " --no-register --json");
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const auto result = nlohmann::json::parse(trained.output);
  EXPECT_FALSE(result.contains("registered"));
  const std::string run_id = result["run_id"];

  Result r = run(lh + "reproduce " + run_id);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("REPRODUCED: identical"), std::string::npos) << r.output;

  const std::string model = result["model_dir"].get<std::string>() + "/model.json";
  std::string bytes = read(model);
  // The first fraction digit of the first split threshold.
  const size_t at = bytes.find('.', bytes.find("\"split_conditions\":[")) + 1;
  ASSERT_TRUE(std::isdigit(static_cast<unsigned char>(bytes[at]))) << bytes.substr(at - 10, 20);
  bytes[at] = bytes[at] == '9' ? '0' : static_cast<char>(bytes[at] + 1);
  bullion::FileSystem::local().write_atomic(model, bytes);
  r = run(lh + "reproduce " + run_id);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("DIFFERENT: model JSON differs from byte " + std::to_string(at)), std::string::npos)
      << r.output;

  r = run(lh + "reproduce 0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r.exit_code, 4) << r.output;
}

TEST(CliTrain, ASpecWithoutATrainSectionIsRefused) {
  bullion::testing::TempDir dir;
  std::filesystem::create_directory(dir.file("raw"));
  std::ofstream(dir.file("p.yaml"))
      << "pipeline: p\nbronze:\n  - table: a.b.c\n    source: {format: json, path: raw}\n";
  const Result r = run("--lakehouse " + dir.file("lh") + " train " + dir.file("p.yaml"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("has no 'train:' section"), std::string::npos) << r.output;
}

}  // namespace
