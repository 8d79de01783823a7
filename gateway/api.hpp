// The HTTP API of a node (docs/HTTP-API.md): routing, authentication, the
// health probes. The routes themselves live in order_routes.cpp,
// stock_routes.cpp, listing_routes.cpp, channel_routes.cpp and
// webhook_routes.cpp.
//
// /v1 needs a bearer token when tokens are configured; /healthz, /readyz
// and /metrics never do, and POST /webhooks/{channel} is authenticated by
// the channel's own signature instead.
//
// Every request gets exactly one reply; every error is the JSON envelope
// {"error":{"code","message"}} (see replies.hpp for the status codes). Only
// GET /metrics answers something else than JSON (Prometheus text).
#pragma once

#include <atomic>
#include <memory>

#include "gateway/bridge.hpp"
#include "gateway/http_types.hpp"
#include "gateway/settings.hpp"

namespace stockwire::gateway {

class api_context;

class api final : public http_handler {
public:
  /// `core` must outlive every request handled (the server finishes all
  /// requests before it returns).
  api(settings cfg, bridge& core);
  ~api() override;

  void handle(http_request req, respond_fn respond) override;

  /// From now on /readyz answers 503: the node is stopping.
  void set_shutting_down() { shutting_down_ = true; }

private:
  bool authorized(const http_request& req) const;
  void probe_ready(respond_fn& respond);

  std::shared_ptr<api_context> ctx_;
  std::atomic<bool> shutting_down_{false};
};

} // namespace stockwire::gateway
