// bullion models list|show|promote|alias — the model registry.
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "cli/text_table.h"
#include "cli/tracking_commands.h"
#include "server/mlflow_json.h"

namespace bullion::cli {

using namespace bullion::tracking;
using server::mlflow::json;

namespace {

std::vector<RegisteredModel> all_models(TrackingStore& store) {
  std::vector<RegisteredModel> out;
  std::string token;
  do {
    auto page = store.search_registered_models("", 1000, {}, token);
    for (auto& m : page.items) out.push_back(std::move(m));
    token = page.next_page_token;
  } while (!token.empty());
  return out;
}

std::vector<ModelVersion> all_versions(TrackingStore& store, const std::string& name) {
  std::string quoted = "'";
  for (char c : name) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  quoted += "'";
  auto versions = store.search_model_versions("name = " + quoted, 200000, {"version_number DESC"}).items;
  return versions;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

void models_list(const GlobalOptions& global, bool as_json) {
  auto store = open_tracking_store(global, false);
  const auto models = all_models(*store);
  if (as_json) {
    json out = json::array();
    for (const auto& m : models) out.push_back(server::mlflow::to_json(m));
    std::printf("%s\n", server::mlflow::dump(out).c_str());
    return;
  }
  if (models.empty()) {
    std::printf("no registered models\n");
    return;
  }
  TextTable table({"NAME", "VERSIONS", "STAGES", "ALIASES", "UPDATED (UTC)"});
  for (const auto& m : models) {
    std::vector<std::string> stages, aliases;
    for (const auto& v : m.latest_versions)
      if (v.current_stage != "None") stages.push_back(v.current_stage + ":v" + std::to_string(v.version));
    for (const auto& a : m.aliases) aliases.push_back(a.alias + ":v" + std::to_string(a.version));
    const auto versions = all_versions(*store, m.name);
    table.add_row({m.name, std::to_string(versions.size()), join(stages), join(aliases),
                   format_millis(m.last_updated_timestamp)});
  }
  std::fputs(table.render().c_str(), stdout);
}

void models_show(const GlobalOptions& global, const std::string& name, bool as_json) {
  auto store = open_tracking_store(global, false);
  const RegisteredModel m = store->get_registered_model(name);
  const auto versions = all_versions(*store, name);
  const auto history = store->registry_history(name);
  if (as_json) {
    json out = {{"registered_model", server::mlflow::to_json(m)},
                {"model_versions", json::array()},
                {"history", json::array()}};
    for (const auto& v : versions) out["model_versions"].push_back(server::mlflow::to_json(v));
    for (const auto& e : history)
      out["history"].push_back({{"version", std::to_string(e.version)},
                                {"kind", e.kind},
                                {"alias", e.alias},
                                {"from", e.from},
                                {"to", e.to},
                                {"user_id", e.user_id},
                                {"timestamp", e.timestamp}});
    std::printf("%s\n", server::mlflow::dump(out).c_str());
    return;
  }
  std::printf("model       %s\n", m.name.c_str());
  if (!m.description.empty()) std::printf("description %s\n", m.description.c_str());
  std::printf("created     %s UTC\n", format_millis(m.creation_timestamp).c_str());
  for (const auto& t : m.tags) std::printf("tag         %s = %s\n", t.key.c_str(), t.value.c_str());
  TextTable table({"VERSION", "STAGE", "ALIASES", "RUN_ID", "MODEL_ID", "CREATED (UTC)"});
  for (const auto& v : versions)
    table.add_row({std::to_string(v.version), v.current_stage, join(v.aliases), v.run_id, v.model_id,
                   format_millis(v.creation_timestamp)});
  std::printf("\n%s", table.render().c_str());
  if (!history.empty()) {
    TextTable h({"WHEN (UTC)", "VERSION", "CHANGE", "BY"});
    for (const auto& e : history) {
      std::string change;
      if (e.kind == "stage")
        change = "stage " + e.from + " -> " + e.to;
      else if (e.kind == "alias_set")
        change = "alias " + e.alias + (e.from.empty() ? "" : " (from v" + e.from + ")") + " set";
      else if (e.kind == "alias_deleted")
        change = "alias " + e.alias + " removed";
      else
        change = e.kind == "version_created" ? "registered" : e.kind == "version_deleted" ? "deleted" : e.kind;
      h.add_row({format_millis(e.timestamp), std::to_string(e.version), change, e.user_id});
    }
    std::printf("\nHISTORY\n%s", h.render().c_str());
  }
}

int64_t parse_version(const std::string& text) {
  std::string digits = text;
  if (!digits.empty() && (digits[0] == 'v' || digits[0] == 'V')) digits.erase(0, 1);
  char* end = nullptr;
  const long long v = std::strtoll(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0' || v <= 0)
    throw Error::invalid_input("invalid model version '" + text + "'", "versions are positive integers, e.g. 3");
  return v;
}

struct PromoteOptions {
  std::string name, version, stage;
  bool archive = false;
};

struct AliasOptions {
  std::string name, alias, version;
  bool remove = false;
};

}  // namespace

void add_models_command(CLI::App& app, const GlobalOptions& global) {
  CLI::App* models = app.add_subcommand("models", "Registered models, versions, stages and aliases");
  models->require_subcommand(1);

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = models->add_subcommand("list", "List registered models");
  list->add_flag("--json", *list_json, "Print MLflow JSON (an array of registered models)");
  list->callback([&global, list_json] { models_list(global, *list_json); });

  auto show_name = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  CLI::App* show = models->add_subcommand("show", "Show a model's versions, stages, aliases and history");
  show->add_option("NAME", *show_name, "Registered model name")->required();
  show->add_flag("--json", *show_json, "Print JSON: registered_model, model_versions, history");
  show->callback([&global, show_name, show_json] { models_show(global, *show_name, *show_json); });

  auto promote_opts = std::make_shared<PromoteOptions>();
  CLI::App* promote = models->add_subcommand("promote", "Move a model version to a stage");
  promote->add_option("NAME", promote_opts->name, "Registered model name")->required();
  promote->add_option("VERSION", promote_opts->version, "Version number")->required();
  promote->add_option("STAGE", promote_opts->stage, "None, Staging, Production or Archived")->required();
  promote->add_flag("--archive-existing", promote_opts->archive,
                    "Archive the versions currently in the stage (Staging/Production only)");
  promote->callback([&global, promote_opts] {
    const std::string stage = TrackingStore::canonical_stage(promote_opts->stage);
    const int64_t version = parse_version(promote_opts->version);
    auto store = open_tracking_store(global, false);
    const std::string before = store->get_model_version(promote_opts->name, version).current_stage;
    const auto after = store->transition_model_version_stage(promote_opts->name, version, stage, promote_opts->archive);
    std::printf("%s v%lld: %s -> %s\n", promote_opts->name.c_str(), static_cast<long long>(version), before.c_str(),
                after.current_stage.c_str());
  });

  auto alias_opts = std::make_shared<AliasOptions>();
  CLI::App* alias = models->add_subcommand("alias", "Point an alias at a model version (or remove it with --delete)");
  alias->add_option("NAME", alias_opts->name, "Registered model name")->required();
  alias->add_option("ALIAS", alias_opts->alias, "Alias, e.g. champion")->required();
  alias->add_option("VERSION", alias_opts->version, "Version number (omit with --delete)");
  alias->add_flag("--delete", alias_opts->remove, "Remove the alias");
  alias->callback([&global, alias_opts] {
    TrackingStore::validate_alias(alias_opts->alias);
    if (alias_opts->remove) {
      if (!alias_opts->version.empty())
        throw Error::invalid_input("--delete takes no VERSION", "run 'bullion models alias NAME ALIAS --delete'");
      auto store = open_tracking_store(global, false);
      const ModelVersion current = store->get_model_version_by_alias(alias_opts->name, alias_opts->alias);
      store->delete_registered_model_alias(alias_opts->name, alias_opts->alias);
      std::printf("%s@%s removed (was v%lld)\n", alias_opts->name.c_str(), alias_opts->alias.c_str(),
                  static_cast<long long>(current.version));
      return;
    }
    if (alias_opts->version.empty())
      throw Error::invalid_input("missing VERSION", "run 'bullion models alias NAME ALIAS VERSION', or add --delete");
    const int64_t version = parse_version(alias_opts->version);
    auto store = open_tracking_store(global, false);
    store->set_registered_model_alias(alias_opts->name, alias_opts->alias, version);
    std::printf("%s@%s -> v%lld\n", alias_opts->name.c_str(), alias_opts->alias.c_str(),
                static_cast<long long>(version));
  });
}

}  // namespace bullion::cli
