#include "bullion/server/http_server.h"

#include <nlohmann/json.hpp>

#include "bullion/core/log.h"
#include "bullion/tracking/store.h"

namespace bullion::server {

namespace {

// Converts "/a/{x}/b/{rest...}" to a regex and the parameter names.
std::pair<std::regex, std::vector<std::string>> compile_pattern(const std::string& pattern) {
  std::string re = "^";
  std::vector<std::string> names;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '{') {
      const size_t close = pattern.find('}', i);
      BULLION_ASSERT(close != std::string::npos, "unterminated '{' in route pattern");
      std::string name = pattern.substr(i + 1, close - i - 1);
      const bool rest = name.size() > 3 && name.compare(name.size() - 3, 3, "...") == 0;
      if (rest) name.resize(name.size() - 3);
      names.push_back(name);
      re += rest ? "(.+)" : "([^/]+)";
      i = close + 1;
      continue;
    }
    const char c = pattern[i++];
    if (std::string_view(".^$|()[]*+?\\").find(c) != std::string_view::npos) re += '\\';
    re += c;
  }
  re += "$";
  return {std::regex(re), names};
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

std::string map_ajax(const std::string& path) {
  static constexpr std::string_view kAjax = "/ajax-api/";
  if (path.rfind(kAjax, 0) == 0) return "/api/" + path.substr(kAjax.size());
  return path;
}

}  // namespace

const std::string& RouteContext::param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

std::pair<int, std::string> http_status_for(const std::exception& e) {
  if (const auto* h = dynamic_cast<const HttpError*>(&e)) return {h->status(), h->error_code()};
  if (dynamic_cast<const tracking::StoreBusyError*>(&e) != nullptr) return {503, "TEMPORARILY_UNAVAILABLE"};
  if (const auto* err = dynamic_cast<const Error*>(&e)) {
    switch (err->category()) {
      case ErrorCategory::kInvalidInput:
        return {400, "INVALID_PARAMETER_VALUE"};
      case ErrorCategory::kNotFound:
        return {404, "RESOURCE_DOES_NOT_EXIST"};
      case ErrorCategory::kConflict:
        return {400, "RESOURCE_ALREADY_EXISTS"};
      case ErrorCategory::kUnsupported:
        return {501, "NOT_IMPLEMENTED"};
      case ErrorCategory::kCorrupt:
      case ErrorCategory::kIO:
      case ErrorCategory::kInternal:
        return {500, "INTERNAL_ERROR"};
    }
  }
  return {500, "INTERNAL_ERROR"};
}

HttpServer::HttpServer(ServerOptions options)
    : options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  const size_t threads = std::max<size_t>(1, options_.threads);
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_payload_max_length(std::max(options_.max_body_bytes, options_.max_stream_bytes) + 1);
  // Responses go out in several writes; without TCP_NODELAY, Nagle's
  // algorithm and the client's delayed ACK add ~40 ms to each request.
  http_->set_tcp_nodelay(true);
  http_->set_keep_alive_max_count(1000);
  // Idle keep-alive connections hold a pool thread and delay stop() until
  // they time out: keep them short, as gunicorn (MLflow's server) does.
  http_->set_keep_alive_timeout(2);
  http_->set_read_timeout(120, 0);
  http_->set_write_timeout(120, 0);
  http_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) { dispatch(req, res, nullptr); });
  auto with_body = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    dispatch(req, res, &reader);
  };
  http_->Post(".*", with_body);
  http_->Put(".*", with_body);
  http_->Patch(".*", with_body);
  http_->Delete(".*", with_body);
  http_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      send_error(res, 500, "INTERNAL_ERROR", e.what());
    } catch (...) {
      send_error(res, 500, "INTERNAL_ERROR", "unknown error");
    }
  });
}

HttpServer::~HttpServer() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void HttpServer::add_route(const std::string& method, const std::string& pattern, RouteHandler handler, BodyMode mode) {
  auto [regex, names] = compile_pattern(pattern);
  routes_.push_back({method, std::move(regex), std::move(names), std::move(handler), mode});
}

int HttpServer::start() {
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
    if (port_ <= 0) throw Error::io("cannot listen on " + options_.host + " (any port)");
  } else {
    if (!http_->bind_to_port(options_.host, options_.port))
      throw Error::io("cannot listen on " + options_.host + ":" + std::to_string(options_.port),
                      "is another server using the port? choose one with --port");
    port_ = options_.port;
  }
  thread_ = std::thread([this] {
    http_->listen_after_bind();
    listen_returned_ = true;
  });
  // httplib's stop() is a no-op until the accept loop runs: wait for it, so
  // that a stop() right after start() cannot be lost.
  while (!http_->is_running() && !listen_returned_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port_;
}

void HttpServer::wait() {
  if (thread_.joinable()) thread_.join();
}

void HttpServer::stop() {
  if (http_) http_->stop();
}

void HttpServer::send_json(httplib::Response& res, const std::string& json_text, int status) {
  res.status = status;
  res.set_content(json_text, "application/json");
}

void HttpServer::send_error(httplib::Response& res, int status, const std::string& error_code,
                            const std::string& message) {
  nlohmann::json body = {{"error_code", error_code}, {"message", message}};
  send_json(res, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), status);
}

bool HttpServer::authorized(const httplib::Request& req) const {
  if (options_.token.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  static constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) return false;
  return constant_time_equal(std::string_view(header).substr(kBearer.size()), options_.token);
}

void HttpServer::dispatch(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader) {
  const size_t declared =
      req.has_header("Content-Length")
          ? static_cast<size_t>(std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10))
          : 0;
  // Reads and discards a small unread body so that the client, still sending,
  // receives our answer; a large one is cut off by closing the connection.
  auto discard_body = [&] {
    if (reader == nullptr) return;
    if (declared <= options_.max_body_bytes) {
      (*reader)([](const char*, size_t) { return true; });
    } else {
      res.set_header("Connection", "close");
    }
  };
  if (!authorized(req)) {
    discard_body();
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "UNAUTHENTICATED", "missing or invalid bearer token (send 'Authorization: Bearer <token>')");
    return;
  }
  const std::string path = map_ajax(req.path);
  const Route* route = nullptr;
  std::smatch match;
  bool path_known = false;
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  for (const Route& r : routes_) {
    if (!std::regex_match(path, match, r.regex)) continue;
    path_known = true;
    if (r.method == method) {
      route = &r;
      break;
    }
  }
  if (route == nullptr) {
    discard_body();
    res.status = path_known ? 405 : 404;  // empty body: what MLflow's client fallbacks key on
    return;
  }
  RouteContext ctx{req, {}, path, {}, {}};
  for (size_t i = 0; i < route->names.size(); ++i) ctx.params[route->names[i]] = match[i + 1].str();
  try {
    if (reader != nullptr && route->mode == BodyMode::kBuffered) {
      if (declared > options_.max_body_bytes) {
        discard_body();
        throw HttpError(413, "REQUEST_LIMIT_EXCEEDED",
                        "request body of " + std::to_string(declared) + " bytes exceeds the limit of " +
                            std::to_string(options_.max_body_bytes) + " bytes");
      }
      bool too_large = false;
      (*reader)([&](const char* data, size_t n) {
        if (ctx.body.size() + n > options_.max_body_bytes) {
          too_large = true;
          return false;
        }
        ctx.body.append(data, n);
        return true;
      });
      if (too_large) {
        res.set_header("Connection", "close");
        throw HttpError(413, "REQUEST_LIMIT_EXCEEDED",
                        "request body exceeds the limit of " + std::to_string(options_.max_body_bytes) + " bytes");
      }
    } else if (reader != nullptr) {
      if (declared > options_.max_stream_bytes) {
        res.set_header("Connection", "close");
        throw HttpError(413, "REQUEST_LIMIT_EXCEEDED",
                        "upload of " + std::to_string(declared) + " bytes exceeds the limit of " +
                            std::to_string(options_.max_stream_bytes) + " bytes");
      }
      const size_t limit = options_.max_stream_bytes;
      ctx.read_body = [reader, limit, &res](const std::function<void(const char*, size_t)>& sink) {
        size_t total = 0;
        bool too_large = false;
        std::exception_ptr failure;
        const bool ok = (*reader)([&](const char* data, size_t n) {
          total += n;
          if (total > limit) {
            too_large = true;
            return false;
          }
          try {
            sink(data, n);
          } catch (...) {
            failure = std::current_exception();
            return false;
          }
          return true;
        });
        if (failure) std::rethrow_exception(failure);
        if (too_large) {
          res.set_header("Connection", "close");
          throw HttpError(413, "REQUEST_LIMIT_EXCEEDED",
                          "upload exceeds the limit of " + std::to_string(limit) + " bytes");
        }
        if (!ok) throw HttpError(400, "BAD_REQUEST", "the request body could not be read completely");
      };
    } else {
      ctx.read_body = [](const std::function<void(const char*, size_t)>&) {};
    }
    route->handler(ctx, res);
  } catch (const std::exception& e) {
    const auto [status, code] = http_status_for(e);
    const auto* err = dynamic_cast<const Error*>(&e);
    send_error(res, status, code, err != nullptr ? err->message() : e.what());
    if (status >= 500) log_warn(std::string("serve: ") + req.method + " " + req.path + ": " + e.what());
  }
}

}  // namespace bullion::server
