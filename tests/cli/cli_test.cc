// Runs the real `bullion` binary and checks exit codes and messages.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

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
  for (const char* cmd : {"demo", "generate", "validate", "run", "train", "reproduce", "score", "table history",
                          "table show", "table describe", "table optimize", "table vacuum", "table restore",
                          "runs list", "runs show", "models list", "models show", "models promote",
                          "models alias", "serve", "export spark"}) {
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

}  // namespace
