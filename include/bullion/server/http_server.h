// bullion/server/http_server.h — the HTTP server behind `bullion serve`.
//
// A small routing layer over cpp-httplib (a fixed thread pool, keep-alive).
// Routes are registered by feature modules (the MLflow REST API in
// mlflow_api.h; later feature lookup and scoring) before start():
//
//   server.add_route("GET", "/features/{entity}", [&](RouteContext& ctx, httplib::Response& res) {
//     HttpServer::send_json(res, lookup(ctx.param("entity")));
//   });
//
// Pattern syntax: literal segments, `{name}` for one path segment, and a
// final `{name...}` for the rest of the path (may contain '/'). Path
// parameters arrive percent-decoded.
//
// Cross-cutting rules, applied to every request before its handler runs:
// - Bearer token: when ServerOptions::token is set, every request must carry
//   `Authorization: Bearer <token>` (compared in constant time) or gets 401.
// - Body limits: a buffered body larger than max_body_bytes (a streamed one
//   larger than max_stream_bytes) gets 413 without reaching the handler.
// - Errors: a handler throws bullion::Error; it becomes a JSON error body
//   {"error_code": ..., "message": ...} with a 4xx status for the caller's
//   mistakes (400 invalid input, 404 not found, 400 already exists), 503 when
//   the store is busy, 500 only for I/O, corruption and bugs.
// - Unknown routes get 404 with an empty body (what MLflow's clients expect
//   of endpoints a server does not implement); `/ajax-api/` is an alias of `/api/`.
//
// Threading: handlers run concurrently on the pool's threads; they must be
// thread-safe (TrackingStore is). add_route is not thread-safe and must
// happen before start().
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bullion/core/error.h"

namespace bullion::server {

struct ServerOptions {
  std::string host = "127.0.0.1";             // loopback by default; "0.0.0.0" exposes the server
  int port = 5000;                            // 0 = any free port (see HttpServer::port())
  std::string token;                          // "" = no authentication
  size_t threads = 32;                        // each open keep-alive connection holds one thread
  size_t max_body_bytes = 16u << 20;          // JSON requests
  size_t max_stream_bytes = size_t{4} << 30;  // streamed uploads (artifacts)
};

enum class BodyMode {
  kBuffered,  // the body is read into RouteContext::body (up to max_body_bytes)
  kStreamed,  // the handler reads it with RouteContext::read_body (up to max_stream_bytes)
};

struct RouteContext {
  const httplib::Request& request;
  std::map<std::string, std::string> params;  // path parameters
  std::string path;                           // the request path (with /ajax-api/ mapped to /api/)
  std::string body;                           // kBuffered routes
  // kStreamed routes: calls `sink` with each chunk of the body; throws
  // Error(kInvalidInput) with 413 semantics when the body exceeds the limit.
  std::function<void(const std::function<void(const char*, size_t)>& sink)> read_body;

  const std::string& param(const std::string& name) const;
};

using RouteHandler = std::function<void(RouteContext& ctx, httplib::Response& res)>;

// An error with an explicit HTTP status and MLflow error code, for statuses
// the bullion::Error categories do not express (401, 413, 501...).
class HttpError : public Error {
 public:
  HttpError(int status, std::string error_code, std::string message)
      : Error(ErrorCategory::kInvalidInput, std::move(message)), status_(status), error_code_(std::move(error_code)) {}
  int status() const { return status_; }
  const std::string& error_code() const { return error_code_; }

 private:
  int status_;
  std::string error_code_;
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();  // stops the server
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void add_route(const std::string& method, const std::string& pattern, RouteHandler handler,
                 BodyMode mode = BodyMode::kBuffered);

  // Binds the listening socket (kIO naming host:port on failure) and serves
  // on a background thread. Returns the bound port.
  int start();
  // Blocks until stop() is called from another thread or a signal handler
  // calls it.
  void wait();
  void stop();
  int port() const { return port_; }
  const ServerOptions& options() const { return options_; }

  // Helpers for handlers.
  static void send_json(httplib::Response& res, const std::string& json_text, int status = 200);
  static void send_error(httplib::Response& res, int status, const std::string& error_code, const std::string& message);

 private:
  struct Route {
    std::string method;
    std::regex regex;
    std::vector<std::string> names;
    RouteHandler handler;
    BodyMode mode;
  };
  void dispatch(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader);
  bool authorized(const httplib::Request& req) const;

  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  std::vector<Route> routes_;
  std::thread thread_;
  std::atomic<bool> listen_returned_{false};
  int port_ = 0;
};

// Maps an exception to (HTTP status, MLflow error code).
std::pair<int, std::string> http_status_for(const std::exception& e);

}  // namespace bullion::server
