// bullion runs list|show — tracked runs, as tables or MLflow JSON.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "bullion/core/fs.h"
#include "cli/cli.h"
#include "cli/text_table.h"
#include "cli/tracking_commands.h"
#include "server/mlflow_json.h"

namespace bullion::cli {

using namespace bullion::tracking;

std::unique_ptr<TrackingStore> open_tracking_store(const GlobalOptions& global, bool create) {
  const std::string db = join_path(join_path(global.lakehouse, "_tracking"), "tracking.db");
  if (!create && !std::filesystem::exists(db))
    throw Error::not_found("no tracking store in lakehouse '" + global.lakehouse + "' (missing " + db + ")",
                           "train a model first, or point --lakehouse / BULLION_LAKEHOUSE at the right directory");
  return std::make_unique<TrackingStore>(global.lakehouse);
}

namespace {

struct RunsListOptions {
  std::string experiment;
  std::string filter;
  std::vector<std::string> order_by;
  int64_t max_results = 100;
  bool deleted = false;
  bool json = false;
};

std::string metric_summary(const Run& run) {
  std::string out;
  for (const Metric& m : run.data.metrics) {
    if (!out.empty()) out += " ";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g", m.value);
    out += m.key + "=" + buf;
  }
  return out;
}

void runs_list(const GlobalOptions& global, const RunsListOptions& o) {
  auto store = open_tracking_store(global, false);
  RunSearch search;
  std::map<std::string, std::string> experiment_names;
  if (!o.experiment.empty()) {
    auto e = store->find_experiment_by_name(o.experiment);
    if (!e) {
      // Accept an id too.
      try {
        e = store->get_experiment(o.experiment);
      } catch (const Error&) {
        throw Error::not_found("experiment '" + o.experiment + "' not found",
                               "list experiments with 'bullion runs list' (no --experiment)");
      }
    }
    search.experiment_ids = {e->experiment_id};
    experiment_names[e->experiment_id] = e->name;
  } else {
    ExperimentSearch es;
    es.view = ViewType::kAll;
    es.max_results = 50000;
    for (const Experiment& e : store->search_experiments(es).items) {
      search.experiment_ids.push_back(e.experiment_id);
      experiment_names[e.experiment_id] = e.name;
    }
  }
  search.filter = o.filter;
  search.order_by = o.order_by;
  search.max_results = o.max_results;
  search.view = o.deleted ? ViewType::kAll : ViewType::kActiveOnly;
  const auto page = store->search_runs(search);
  if (o.json) {
    server::mlflow::json runs = server::mlflow::json::array();
    for (const Run& r : page.items) runs.push_back(server::mlflow::to_json(r));
    std::printf("%s\n", server::mlflow::dump(runs).c_str());
    return;
  }
  TextTable table({"RUN_ID", "EXPERIMENT", "NAME", "STATUS", "STARTED (UTC)", "METRICS"});
  for (const Run& r : page.items)
    table.add_row({r.info.run_id, experiment_names[r.info.experiment_id], r.info.run_name, to_string(r.info.status),
                   format_millis(r.info.start_time), metric_summary(r)});
  if (table.empty()) {
    std::printf("no runs\n");
    return;
  }
  std::fputs(table.render().c_str(), stdout);
  if (!page.next_page_token.empty())
    std::printf("(showing the first %lld runs; raise --max-results to see more)\n",
                static_cast<long long>(o.max_results));
}

void runs_show(const GlobalOptions& global, const std::string& run_id, bool json) {
  auto store = open_tracking_store(global, false);
  const Run run = store->get_run(run_id);
  if (json) {
    std::printf("%s\n", server::mlflow::dump(server::mlflow::to_json(run)).c_str());
    return;
  }
  const Experiment e = store->get_experiment(run.info.experiment_id);
  std::printf("run         %s\n", run.info.run_id.c_str());
  std::printf("name        %s\n", run.info.run_name.c_str());
  std::printf("experiment  %s (id %s)\n", e.name.c_str(), e.experiment_id.c_str());
  std::printf("status      %s%s\n", to_string(run.info.status),
              run.info.lifecycle_stage == LifecycleStage::kDeleted ? " (deleted)" : "");
  std::printf("user        %s\n", run.info.user_id.c_str());
  std::printf("started     %s UTC\n", format_millis(run.info.start_time).c_str());
  std::printf("ended       %s\n", run.info.end_time ? (format_millis(*run.info.end_time) + " UTC").c_str() : "-");
  std::printf("artifacts   %s\n", store->local_path_for_uri(run.info.artifact_uri).c_str());
  if (!run.data.params.empty()) {
    TextTable t({"PARAM", "VALUE"});
    for (const auto& p : run.data.params) t.add_row({p.key, p.value});
    std::printf("\n%s", t.render(100).c_str());
  }
  if (!run.data.metrics.empty()) {
    TextTable t({"METRIC", "VALUE", "STEP"});
    for (const auto& m : run.data.metrics) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6g", m.value);
      t.add_row({m.key, buf, std::to_string(m.step)});
    }
    std::printf("\n%s", t.render().c_str());
  }
  if (!run.data.tags.empty()) {
    TextTable t({"TAG", "VALUE"});
    for (const auto& tag : run.data.tags) t.add_row({tag.key, tag.value});
    std::printf("\n%s", t.render(100).c_str());
  }
  if (!run.dataset_inputs.empty()) {
    TextTable t({"INPUT", "DIGEST", "SOURCE"});
    for (const auto& d : run.dataset_inputs) t.add_row({d.dataset.name, d.dataset.digest, d.dataset.source});
    std::printf("\n%s", t.render(100).c_str());
  }
  if (!run.model_outputs.empty()) {
    TextTable t({"MODEL", "NAME", "STATUS", "ARTIFACTS"});
    for (const auto& out : run.model_outputs) {
      const LoggedModel m = store->get_logged_model(out.model_id, true);
      t.add_row({m.model_id, m.name, to_string(m.status), store->local_path_for_uri(m.artifact_location)});
    }
    std::printf("\n%s", t.render(120).c_str());
  }
  const auto artifacts = store->list_artifacts(run_id);
  if (!artifacts.empty()) {
    TextTable t({"ARTIFACT", "SIZE"});
    for (const auto& a : artifacts)
      t.add_row({a.path + (a.is_dir ? "/" : ""), a.is_dir ? "" : std::to_string(a.file_size)});
    std::printf("\n%s", t.render(100).c_str());
  }
}

}  // namespace

void add_runs_command(CLI::App& app, const GlobalOptions& global) {
  CLI::App* runs = app.add_subcommand("runs", "List and show tracked runs");
  runs->require_subcommand(1);

  auto list_opts = std::make_shared<RunsListOptions>();
  CLI::App* list = runs->add_subcommand("list", "List runs (newest first), filtered with MLflow's search syntax");
  list->add_option("--experiment", list_opts->experiment, "Experiment name or id (default: all experiments)");
  list->add_option("--filter", list_opts->filter,
                   "MLflow filter, e.g. \"metrics.roc_auc > 0.8 and params.max_depth = '5'\"");
  list->add_option("--order-by", list_opts->order_by, "Sort key, e.g. 'metrics.roc_auc DESC' (repeatable)");
  list->add_option("--max-results", list_opts->max_results, "At most this many runs")
      ->check(CLI::Range(int64_t{1}, int64_t{50000}))
      ->capture_default_str();
  list->add_flag("--deleted", list_opts->deleted, "Include deleted runs");
  list->add_flag("--json", list_opts->json, "Print MLflow JSON (an array of runs)");
  list->callback([&global, list_opts] { runs_list(global, *list_opts); });

  auto run_id = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* show = runs->add_subcommand("show", "Show one run: params, metrics, tags, inputs, models, artifacts");
  show->add_option("RUN_ID", *run_id, "The run's id (32 hex digits)")->required();
  show->add_flag("--json", *json, "Print MLflow JSON");
  show->callback([&global, run_id, json] { runs_show(global, *run_id, *json); });
}

}  // namespace bullion::cli
