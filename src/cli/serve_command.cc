// bullion serve — the MLflow REST API, and with --model online feature
// lookup and scoring (server/online.h), over HTTP.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "bullion/core/log.h"
#include "bullion/core/memory.h"
#include "bullion/server/http_server.h"
#include "bullion/server/mlflow_api.h"
#include "bullion/server/online.h"
#include "cli/cli.h"
#include "cli/tracking_commands.h"

namespace bullion::cli {

namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 5000;
  std::string token;
  size_t threads = 32;  // each open keep-alive connection holds one thread
  std::string max_body = "16MiB";
  std::string max_upload = "4GiB";
  std::string model;           // online routes' default model
  double refresh_seconds = 1;  // how often aliases and features tables are checked
};

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

void serve(const GlobalOptions& global, const ServeOptions& o) {
  server::ServerOptions options;
  options.host = o.host;
  options.port = o.port;
  options.threads = o.threads;
  options.token = o.token;
  if (options.token.empty()) {
    if (const char* env = std::getenv("BULLION_SERVE_TOKEN"); env != nullptr) options.token = env;
  }
  options.max_body_bytes = parse_byte_size(o.max_body).value_or(0);
  options.max_stream_bytes = parse_byte_size(o.max_upload).value_or(0);
  if (options.max_body_bytes == 0 || options.max_stream_bytes == 0)
    throw Error::invalid_input("body size limits must be positive sizes such as 16MiB");
  if (!is_loopback(options.host) && options.token.empty())
    log_warn("serving on " + options.host +
             " without a token: anyone who can reach this address can read and change runs and models "
             "(set BULLION_SERVE_TOKEN)");

  // Block the stop signals in every thread (the HTTP pool, the online
  // refresher and XGBoost's threads inherit the mask), then wait for one
  // here; stopping from a signal handler would not be safe.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto store = open_tracking_store(global, true);
  server::OnlineOptions online_options;
  online_options.model = o.model;
  online_options.refresh_interval = std::chrono::milliseconds(static_cast<int64_t>(o.refresh_seconds * 1000));
  // Loads the model and its features before the port opens: a bad --model fails here.
  server::OnlineService online(global.lakehouse, *store, online_options);
  server::HttpServer http(options);
  server::add_online_routes(http, online);
  server::add_mlflow_routes(http, *store);

  const int port = http.start();
  const auto [model_version, features_version] = online.versions();
  const std::string online_note = o.model.empty() ? ""
                                                  : ", scoring " + o.model + " (v" + std::to_string(model_version) +
                                                        ", features v" + std::to_string(features_version) + ")";
  std::printf("bullion serve: MLflow tracking server on http://%s:%d (lakehouse %s)%s%s\n", options.host.c_str(), port,
              global.lakehouse.c_str(), online_note.c_str(), options.token.empty() ? "" : ", bearer token required");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  log_info("bullion serve: stopping");
  http.stop();
  http.wait();
}

}  // namespace

void add_serve_command(CLI::App& app, const GlobalOptions& global) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the MLflow REST API (tracking, registry, artifacts), feature lookup and scoring over HTTP");
  cmd->add_option("--host", o->host, "Address to bind (loopback by default)")->capture_default_str();
  cmd->add_option("--port", o->port, "Port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--token", o->token,
                  "Require 'Authorization: Bearer TOKEN' on every request (prefer env BULLION_SERVE_TOKEN)");
  cmd->add_option("--threads", o->threads, "Request threads (each open keep-alive connection holds one)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--max-body-size", o->max_body, "Largest JSON request body")->capture_default_str();
  cmd->add_option("--max-upload-size", o->max_upload, "Largest artifact upload")->capture_default_str();
  cmd->add_option("--model", o->model,
                  "Model for GET /features/{entity} and POST /score: NAME@ALIAS (follows the alias) or NAME/VERSION");
  cmd->add_option("--refresh-interval", o->refresh_seconds,
                  "Seconds between checks for a moved alias or a new features table version (0: never)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->callback([&global, o] { serve(global, *o); });
}

}  // namespace bullion::cli
