#include "core/text.hpp"
#include "gateway/api.hpp"

#include <random>

#include "gateway/replies.hpp"
#include "gateway/routes.hpp"
#include "gateway/url.hpp"

namespace stockwire::gateway {

// -- api_context -------------------------------------------------------------

api_context::api_context(settings cfg, bridge& core)
    : cfg_(std::move(cfg)), core_(core) {
  std::random_device rd;
  std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  static constexpr char hex[] = "0123456789abcdef";
  key_prefix_ = "auto-";
  for (int i = 0; i < 16; ++i)
    key_prefix_.push_back(hex[(r >> (4 * i)) & 0xf]);
  key_prefix_.push_back('-');
}

bool api_context::acquire(std::size_t n) {
  auto before = inflight_.fetch_add(n);
  if (before + n > cfg_.inflight_commands_max) {
    inflight_.fetch_sub(n);
    return false;
  }
  return true;
}

void api_context::release(std::size_t n) {
  inflight_.fetch_sub(n);
}

std::string api_context::generate_key() {
  return key_prefix_ + std::to_string(key_counter_.fetch_add(1));
}

// -- routing -----------------------------------------------------------------

namespace {

// Compares without an early exit, so the time taken does not tell how much
// of a token an attacker guessed right.
bool same_token(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}


http_reply not_found(const settings& cfg, const http_request& req) {
  auto path = req.target.substr(0, req.target.find('?'));
  return error_reply(cfg, 404, "not_found",
                     "no route for " + req.method_name + " " + path);
}

http_reply not_allowed(const settings& cfg, const http_request& req,
                       const char* allow) {
  auto r = error_reply(cfg, 405, "method_not_allowed",
                       req.method_name + " is not allowed here; use " + allow);
  r.allow = allow;
  return r;
}

// Routes /v1/orders...; `seg` starts after "v1".
void route_orders(const context_ptr& ctx, const std::vector<std::string>& seg,
                  http_request& req, respond_fn& respond) {
  auto& cfg = ctx->cfg();
  auto post_only = [&](auto handler) {
    if (req.method != http_method::post)
      respond(not_allowed(cfg, req, "POST"));
    else
      handler();
  };
  if (seg.size() == 2 && seg[1] == "orders")
    return post_only([&] { post_order(ctx, req, std::move(respond)); });
  if (seg.size() == 2 && seg[1] == "orders:batch")
    return post_only([&] { post_batch(ctx, req, std::move(respond)); });
  if (seg.size() == 3 && seg[1] == "orders") {
    if (req.method != http_method::get)
      return respond(not_allowed(cfg, req, "GET"));
    return get_order(ctx, seg[2], std::move(respond));
  }
  if (seg.size() == 4 && seg[1] == "orders" && seg[3] == "cancel")
    return post_only(
        [&] { post_cancel(ctx, seg[2], req, std::move(respond)); });
  respond(not_found(cfg, req));
}

// Routes /v1/stock...
void route_stock(const context_ptr& ctx, const parsed_target& t,
                 http_request& req, respond_fn& respond) {
  auto& cfg = ctx->cfg();
  auto& seg = t.segments;
  auto m = req.method;
  if (seg.size() == 2) {
    if (m != http_method::get)
      return respond(not_allowed(cfg, req, "GET"));
    return get_stock_many(ctx, t.query, std::move(respond));
  }
  if (seg.size() == 3) {
    if (m == http_method::get)
      return get_stock_one(ctx, seg[2], std::move(respond));
    if (m == http_method::put)
      return put_stock(ctx, seg[2], req, std::move(respond));
    return respond(not_allowed(cfg, req, "GET, PUT"));
  }
  if (seg.size() == 4 && seg[3] == "adjust") {
    if (m != http_method::post)
      return respond(not_allowed(cfg, req, "POST"));
    return post_adjust(ctx, seg[2], req, std::move(respond));
  }
  if (seg.size() == 4 && seg[3] == "audit") {
    if (m != http_method::get)
      return respond(not_allowed(cfg, req, "GET"));
    return get_audit_page(ctx, seg[2], t.query, std::move(respond));
  }
  respond(not_found(cfg, req));
}

// Routes /v1/listings... and /v1/listings:import.
void route_listings(const context_ptr& ctx, const std::vector<std::string>& seg,
                    http_request& req, respond_fn& respond) {
  auto& cfg = ctx->cfg();
  auto m = req.method;
  if (seg.size() == 2 && seg[1] == "listings:import") {
    if (m != http_method::post)
      return respond(not_allowed(cfg, req, "POST"));
    return post_listing_import(ctx, req, std::move(respond));
  }
  if (seg.size() == 3 && seg[1] == "listings") {
    if (m != http_method::get)
      return respond(not_allowed(cfg, req, "GET"));
    return get_sku_listings(ctx, seg[2], std::move(respond));
  }
  if (seg.size() == 4 && seg[1] == "listings") {
    if (m == http_method::get)
      return get_channel_listing(ctx, seg[2], seg[3], std::move(respond));
    if (m == http_method::put)
      return put_channel_listing(ctx, seg[2], seg[3], req, std::move(respond));
    if (m == http_method::delete_)
      return delete_channel_listing(ctx, seg[2], seg[3], std::move(respond));
    return respond(not_allowed(cfg, req, "GET, PUT, DELETE"));
  }
  respond(not_found(cfg, req));
}

// Routes /v1/channels... and /v1/lag.
void route_channels(const context_ptr& ctx, const std::vector<std::string>& seg,
                    http_request& req, respond_fn& respond) {
  auto& cfg = ctx->cfg();
  auto get_only = [&](auto handler) {
    if (req.method != http_method::get)
      respond(not_allowed(cfg, req, "GET"));
    else
      handler();
  };
  if (seg.size() == 2 && seg[1] == "lag")
    return get_only([&] { get_lag_report(ctx, std::move(respond)); });
  if (seg.size() == 2 && seg[1] == "channels")
    return get_only([&] { get_channel_list(ctx, std::move(respond)); });
  if (seg.size() == 3 && seg[1] == "channels")
    return get_only([&] { get_channel_one(ctx, seg[2], std::move(respond)); });
  if (seg.size() == 4 && seg[1] == "channels" && seg[3] == "resync") {
    if (req.method != http_method::post)
      return respond(not_allowed(cfg, req, "POST"));
    return post_channel_resync(ctx, seg[2], req, std::move(respond));
  }
  respond(not_found(cfg, req));
}

// Routes /v1/webhooks/...
void route_webhooks(const context_ptr& ctx, const parsed_target& t,
                    http_request& req, respond_fn& respond) {
  auto& cfg = ctx->cfg();
  auto& seg = t.segments;
  if (seg.size() == 3 && seg[2] == "unknown-skus") {
    if (req.method != http_method::get)
      return respond(not_allowed(cfg, req, "GET"));
    return get_unknown_skus(ctx, t.query, std::move(respond));
  }
  respond(not_found(cfg, req));
}

// Routes /v1/cluster and /v1/cluster/skus.
void route_cluster(const context_ptr& ctx, const parsed_target& t,
                   http_request& req, respond_fn& respond) {
  auto& cfg = ctx->cfg();
  auto& seg = t.segments;
  bool status = seg.size() == 2;
  bool skus = seg.size() == 3 && seg[2] == "skus";
  if (!status && !skus)
    return respond(not_found(cfg, req));
  if (req.method != http_method::get)
    return respond(not_allowed(cfg, req, "GET"));
  if (status)
    return get_cluster_view(ctx, std::move(respond));
  get_cluster_skus(ctx, t.query, std::move(respond));
}

// Routes /v1/oversells.
void route_oversells(const context_ptr& ctx, const parsed_target& t,
                     http_request& req, respond_fn& respond) {
  auto& cfg = ctx->cfg();
  if (t.segments.size() != 2)
    return respond(not_found(cfg, req));
  if (req.method != http_method::get)
    return respond(not_allowed(cfg, req, "GET"));
  get_oversell_report(ctx, t.query, std::move(respond));
}

} // namespace

api::api(settings cfg, bridge& core)
    : ctx_(std::make_shared<api_context>(std::move(cfg), core)) {
  // nothing
}

api::~api() = default;

bool api::authorized(const http_request& req) const {
  auto& tokens = ctx_->cfg().api_tokens;
  if (tokens.empty())
    return true;
  std::string_view h = req.authorization;
  constexpr std::string_view scheme = "bearer ";
  if (h.size() <= scheme.size() || !iequals(h.substr(0, scheme.size()), scheme))
    return false;
  auto token = h.substr(scheme.size());
  bool match = false;
  for (auto& t : tokens)
    match |= same_token(token, t);
  return match;
}

void api::probe_ready(respond_fn& respond) {
  auto& cfg = ctx_->cfg();
  if (shutting_down_)
    return respond(
        error_reply(cfg, 503, "shutting_down", "the node is shutting down"));
  auto health = ctx_->core().ready();
  if (!health.ready)
    return respond(error_reply(cfg, 503, "not_ready", health.reason));
  respond(json_reply("{\"status\":\"ready\"}"));
}

void api::handle(http_request req, respond_fn respond) {
  auto& cfg = ctx_->cfg();
  parsed_target t;
  if (!parse_target(req.target, &t))
    return respond(
        error_reply(cfg, 400, "invalid_argument", "malformed request target"));
  auto& seg = t.segments;
  if (seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "readyz")) {
    if (req.method != http_method::get)
      return respond(not_allowed(cfg, req, "GET"));
    if (seg[0] == "healthz")
      return respond(json_reply("{\"status\":\"ok\"}"));
    return probe_ready(respond);
  }
  // Open like the probes: scrapers rarely carry the API's bearer tokens,
  // and the text holds counters, never stock or listings.
  if (seg.size() == 1 && seg[0] == "metrics") {
    if (req.method != http_method::get)
      return respond(not_allowed(cfg, req, "GET"));
    return get_metrics_page(ctx_, std::move(respond));
  }
  // A channel's webhook: its own signature authenticates it, not a token.
  if (!seg.empty() && seg[0] == "webhooks") {
    if (seg.size() != 2)
      return respond(not_found(cfg, req));
    if (req.method != http_method::post)
      return respond(not_allowed(cfg, req, "POST"));
    return post_webhook(ctx_, seg[1], req, std::move(respond));
  }
  if (seg.size() < 2 || seg[0] != "v1")
    return respond(not_found(cfg, req));
  if (!authorized(req)) {
    auto r = error_reply(cfg, 401, "unauthenticated",
                         "this API needs Authorization: Bearer <token>");
    r.challenge = true;
    return respond(std::move(r));
  }
  if (seg[1] == "orders" || seg[1] == "orders:batch")
    return route_orders(ctx_, seg, req, respond);
  if (seg[1] == "stock")
    return route_stock(ctx_, t, req, respond);
  if (seg[1] == "listings" || seg[1] == "listings:import")
    return route_listings(ctx_, seg, req, respond);
  if (seg[1] == "channels" || seg[1] == "lag")
    return route_channels(ctx_, seg, req, respond);
  if (seg[1] == "webhooks")
    return route_webhooks(ctx_, t, req, respond);
  if (seg[1] == "cluster")
    return route_cluster(ctx_, t, req, respond);
  if (seg[1] == "oversells")
    return route_oversells(ctx_, t, req, respond);
  respond(not_found(cfg, req));
}

} // namespace stockwire::gateway
