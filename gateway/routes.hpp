// The handlers behind the API's routes (internal to the gateway; the
// router in api.cpp picks one): order_routes.cpp, stock_routes.cpp,
// listing_routes.cpp, channel_routes.cpp, webhook_routes.cpp. Each
// validates its input, hands commands to the bridge and renders the reply
// in the bridge's callback, on a CAF worker thread; `respond` takes it from
// there to the connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/bridge.hpp"
#include "gateway/http_types.hpp"
#include "gateway/replies.hpp"
#include "gateway/settings.hpp"
#include "gateway/webhook_ledger.hpp"

namespace stockwire::gateway {

/// What every route needs; shared with the callbacks it leaves behind.
class api_context {
public:
  api_context(settings cfg, bridge& core);

  const settings& cfg() const { return cfg_; }
  bridge& core() { return core_; }
  webhook_ledger& webhooks() { return webhooks_; }

  /// Reserves room for `n` commands in flight; false when that would
  /// exceed settings::inflight_commands_max (the request gets 503).
  bool acquire(std::size_t n);
  void release(std::size_t n);
  std::size_t inflight() const { return inflight_.load(); }

  /// A fresh idempotency key for a PUT that brought none; unique across
  /// restarts (random per process, then a counter).
  std::string generate_key();

private:
  settings cfg_;
  bridge& core_;
  webhook_ledger webhooks_;
  std::atomic<std::size_t> inflight_{0};
  std::string key_prefix_;
  std::atomic<std::uint64_t> key_counter_{0};
};

using context_ptr = std::shared_ptr<api_context>;
using query_params = std::vector<std::pair<std::string, std::string>>;

/// Hands one command to the bridge (counted in flight) and calls
/// `then(Reply& reply, respond_fn& respond)` with its reply; an error, or
/// no room in flight, is answered with the error envelope instead.
template <class Reply, class Cmd, class Then>
void call_one(const context_ptr& ctx, Cmd cmd, respond_fn respond, Then then) {
  if (!ctx->acquire(1))
    return respond(error_reply(ctx->cfg(), errc::overloaded,
                               "too many commands in flight; retry later"));
  std::vector<Cmd> cmds;
  cmds.push_back(std::move(cmd));
  ctx->core().call(std::move(cmds), [ctx, respond = std::move(respond),
                                     then = std::move(then)](
                                        outcomes<Reply> results) mutable {
    ctx->release(1);
    auto& r = results.front();
    if (!r.ok())
      return respond(error_reply(ctx->cfg(), r.code, r.detail));
    then(r.reply, respond);
  });
}

/// Sends `make(id)` for every configured channel account (counted in
/// flight) and calls `then(outcomes<Reply>& all, respond_fn& respond)` once
/// each answered (no account: no outcome). An error (a 503: every id is
/// configured), or no room in flight, is answered with the error envelope
/// instead.
template <class Reply, class MakeCmd, class Then>
void call_each_channel(const context_ptr& ctx, MakeCmd make,
                       respond_fn respond, Then then) {
  std::vector<decltype(make(std::string{}))> cmds;
  for (auto& id : ctx->core().channels())
    cmds.push_back(make(id));
  auto n = cmds.size();
  if (n == 0) {
    outcomes<Reply> none;
    return then(none, respond);
  }
  if (!ctx->acquire(n))
    return respond(error_reply(ctx->cfg(), errc::overloaded,
                               "too many commands in flight; retry later"));
  ctx->core().call(std::move(cmds), [ctx, n, respond = std::move(respond),
                                     then = std::move(then)](
                                        outcomes<Reply> results) mutable {
    ctx->release(n);
    for (auto& r : results)
      if (!r.ok())
        return respond(error_reply(ctx->cfg(), r.code, r.detail));
    then(results, respond);
  });
}

/// For a route that takes no query parameter: answers 400 naming the first
/// one given and returns true; false when there is none.
inline bool refuse_any_query(const context_ptr& ctx, const query_params& query,
                             respond_fn& respond) {
  if (query.empty())
    return false;
  respond(error_reply(ctx->cfg(), 400, "invalid_argument",
                      "unknown query parameter '" + query.front().first +
                          "' (none is taken)"));
  return true;
}

/// call_one answering 200 with the JSON body `render(reply)`.
template <class Reply, class Cmd>
void answer_one(const context_ptr& ctx, Cmd cmd, respond_fn respond,
                std::string (*render)(const Reply&)) {
  call_one<Reply>(ctx, std::move(cmd), std::move(respond),
                  [render](Reply& r, respond_fn& respond) {
                    respond(json_reply(render(r)));
                  });
}

// POST /v1/orders
void post_order(const context_ptr& ctx, http_request& req, respond_fn respond);
// POST /v1/orders:batch
void post_batch(const context_ptr& ctx, http_request& req, respond_fn respond);
// GET /v1/orders/{order_id}
void get_order(const context_ptr& ctx, const std::string& order_id,
               respond_fn respond);
// POST /v1/orders/{order_id}/cancel
void post_cancel(const context_ptr& ctx, const std::string& order_id,
                 http_request& req, respond_fn respond);

// GET /v1/stock/{sku}
void get_stock_one(const context_ptr& ctx, const std::string& sku,
                   respond_fn respond);
// GET /v1/stock?sku=A&sku=B
void get_stock_many(const context_ptr& ctx, const query_params& query,
                    respond_fn respond);
// PUT /v1/stock/{sku}
void put_stock(const context_ptr& ctx, const std::string& sku,
               http_request& req, respond_fn respond);
// POST /v1/stock/{sku}/adjust
void post_adjust(const context_ptr& ctx, const std::string& sku,
                 http_request& req, respond_fn respond);
// GET /v1/stock/{sku}/audit?limit=N&from_version=V
void get_audit_page(const context_ptr& ctx, const std::string& sku,
                    const query_params& query, respond_fn respond);

// PUT /v1/listings/{channel}/{sku}
void put_channel_listing(const context_ptr& ctx, const std::string& channel,
                         const std::string& sku, http_request& req,
                         respond_fn respond);
// GET /v1/listings/{channel}/{sku}
void get_channel_listing(const context_ptr& ctx, const std::string& channel,
                         const std::string& sku, respond_fn respond);
// DELETE /v1/listings/{channel}/{sku}
void delete_channel_listing(const context_ptr& ctx, const std::string& channel,
                            const std::string& sku, respond_fn respond);
// GET /v1/listings/{sku}
void get_sku_listings(const context_ptr& ctx, const std::string& sku,
                      respond_fn respond);
// POST /v1/listings:import (text/csv)
void post_listing_import(const context_ptr& ctx, http_request& req,
                         respond_fn respond);

// GET /v1/channels
void get_channel_list(const context_ptr& ctx, respond_fn respond);
// GET /v1/channels/{id}
void get_channel_one(const context_ptr& ctx, const std::string& channel,
                     respond_fn respond);
// POST /v1/channels/{id}/resync
void post_channel_resync(const context_ptr& ctx, const std::string& channel,
                         http_request& req, respond_fn respond);
// GET /v1/lag
void get_lag_report(const context_ptr& ctx, respond_fn respond);
// GET /v1/oversells
void get_oversell_report(const context_ptr& ctx, const query_params& query,
                         respond_fn respond);
// GET /metrics (Prometheus text, no bearer token)
void get_metrics_page(const context_ptr& ctx, respond_fn respond);

// GET /v1/cluster (this node's view of membership and moves)
void get_cluster_view(const context_ptr& ctx, respond_fn respond);
// GET /v1/cluster/skus?after=SKU&limit=N (SKUs this node's store holds)
void get_cluster_skus(const context_ptr& ctx, const query_params& query,
                      respond_fn respond);

// POST /webhooks/{channel} (the channel's signature, no bearer token)
void post_webhook(const context_ptr& ctx, const std::string& channel,
                  http_request& req, respond_fn respond);
// GET /v1/webhooks/unknown-skus
void get_unknown_skus(const context_ptr& ctx, const query_params& query,
                      respond_fn respond);

} // namespace stockwire::gateway
