#include "bullion/core/error.h"
#include "cli/cli.h"

namespace bullion::cli {

CLI::App* add_unbuilt_command(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* cmd = parent.add_subcommand(name, description + " [not built yet]");
  std::string full = name;
  for (const CLI::App* p = &parent; p != nullptr && p->get_parent() != nullptr; p = p->get_parent())
    full = p->get_name() + " " + full;
  // Accept any arguments: the command's real flags arrive with its implementation.
  cmd->add_option("args", "Arguments")->expected(0, -1);
  cmd->allow_extras();
  cmd->fallthrough(false);
  cmd->callback([full] {
    throw Error::unsupported("'bullion " + full + "' is not built yet in this version of bullion",
                             "run 'bullion --help' to see which commands are available");
  });
  return cmd;
}

}  // namespace bullion::cli
