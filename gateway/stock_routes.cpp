// GET/PUT /v1/stock/{sku}, POST /v1/stock/{sku}/adjust, GET /v1/stock,
// GET /v1/stock/{sku}/audit.
#include <charconv>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/limits.hpp"
#include "core/stock.hpp"
#include "gateway/json_writer.hpp"
#include "gateway/replies.hpp"
#include "gateway/requests.hpp"
#include "gateway/routes.hpp"

namespace stockwire::gateway {

namespace {

// Source recorded with a set/adjust that names none.
constexpr const char* default_source = "api";

void write_view(json_writer& w, const stock_view& v) {
  w.begin_object()
      .field("sku", v.sku)
      .field("on_hand", v.on_hand)
      .field("reserved", v.reserved)
      .field("available", v.available)
      .field("version", v.version)
      .field("updated_at", rfc3339_ms(v.updated_at_ms))
      .end_object();
}

std::string render_stock_result(const stock_result& r) {
  json_writer w;
  w.begin_object()
      .field("sku", r.sku)
      .field("on_hand", r.on_hand)
      .field("available", r.available)
      .field("version", r.version)
      .field("idempotency_key", r.op_id)
      .field("replayed", r.replayed)
      .end_object();
  return w.take();
}

void write_audit_record(json_writer& w, const audit_record& r) {
  w.begin_object()
      .field("version", r.version)
      .field("op_id", r.op_id)
      .field("kind", op_kind_name(r.kind))
      .field("source", r.source)
      .field("delta", r.delta)
      .field("on_hand", r.on_hand_after)
      .field("available", r.available_after)
      .field("at", rfc3339_ms(r.at_ms))
      .end_object();
}

http_reply from_outcome_error(const settings& cfg, errc code,
                              const std::string& detail) {
  return error_reply(cfg, code, detail);
}

bool bad_sku(const settings& cfg, const std::string& sku, respond_fn& respond) {
  if (auto why = check_sku(cfg, sku)) {
    respond(error_reply(cfg, 400, "invalid_argument", "sku: " + *why));
    return true;
  }
  return false;
}

// Parses an unsigned query parameter within [min, max].
bool query_number(const std::string& text, std::uint64_t min, std::uint64_t max,
                  std::uint64_t* out) {
  auto* end = text.data() + text.size();
  auto res = std::from_chars(text.data(), end, *out);
  return !text.empty() && res.ec == std::errc{} && res.ptr == end &&
         *out >= min && *out <= max;
}

std::string render_view(const stock_view& v) {
  json_writer w;
  write_view(w, v);
  return w.take();
}

// Reads limit and from_version; returns an error message or empty.
std::string read_audit_query(const query_params& query, get_audit* q) {
  for (auto& [k, v] : query) {
    std::uint64_t x = 0;
    if (k == "limit") {
      if (!query_number(v, 1, stockwire::limits::audit_page_records_max, &x))
        return "limit: must be an integer between 1 and " +
               std::to_string(stockwire::limits::audit_page_records_max);
      q->limit = static_cast<std::uint32_t>(x);
    } else if (k == "from_version") {
      if (!query_number(v, 0, UINT64_MAX, &x))
        return "from_version: must be a non-negative integer";
      q->from_version = x;
    } else {
      return "unknown query parameter '" + k + "' (use limit and from_version)";
    }
  }
  return {};
}

// One page of audit records; `next_from_version` continues below the last
// record when the page is full.
std::string render_audit(const std::string& sku,
                         const std::vector<audit_record>& records,
                         std::uint32_t limit) {
  json_writer w;
  w.begin_object().field("sku", sku).key("records").begin_array();
  for (auto& rec : records)
    write_audit_record(w, rec);
  w.end_array().key("next_from_version");
  if (records.size() == limit && records.back().version > 1)
    w.value(records.back().version - 1);
  else
    w.null();
  w.end_object();
  return w.take();
}

} // namespace

void get_stock_one(const context_ptr& ctx, const std::string& sku,
                   respond_fn respond) {
  if (bad_sku(ctx->cfg(), sku, respond))
    return;
  answer_one<stock_view>(ctx, get_stock{sku}, std::move(respond), render_view);
}

void get_stock_many(const context_ptr& ctx, const query_params& query,
                    respond_fn respond) {
  auto& cfg = ctx->cfg();
  std::vector<get_stock> cmds;
  std::unordered_set<std::string> seen;
  for (auto& [k, v] : query) {
    if (k != "sku")
      return respond(
          error_reply(cfg, 400, "invalid_argument",
                      "unknown query parameter '" + k + "' (use sku=A&sku=B)"));
    if (bad_sku(cfg, v, respond))
      return;
    if (seen.insert(v).second)
      cmds.push_back(get_stock{v});
  }
  if (cmds.empty())
    return respond(error_reply(cfg, 400, "invalid_argument",
                               "name at least one sku (sku=A&sku=B)"));
  if (cmds.size() > cfg.stock_query_skus_max)
    return respond(
        error_reply(cfg, 400, "invalid_argument",
                    "more than " + std::to_string(cfg.stock_query_skus_max) +
                        " SKUs in one query (limits.stock_query_skus_max)"));
  auto n = cmds.size();
  if (!ctx->acquire(n))
    return respond(error_reply(cfg, errc::overloaded,
                               "too many commands in flight; retry later"));
  std::vector<std::string> skus;
  for (auto& c : cmds)
    skus.push_back(c.sku);
  ctx->core().call(std::move(cmds), [ctx, n, skus = std::move(skus),
                                     respond = std::move(respond)](
                                        outcomes<stock_view> results) {
    ctx->release(n);
    for (auto& r : results)
      if (!r.ok() && r.code != errc::unknown_sku)
        return respond(from_outcome_error(ctx->cfg(), r.code, r.detail));
    json_writer w;
    w.begin_object().key("stock").begin_array();
    for (auto& r : results)
      if (r.ok())
        write_view(w, r.reply);
    w.end_array().key("unknown").begin_array();
    for (std::size_t i = 0; i < results.size(); ++i)
      if (!results[i].ok())
        w.value(skus[i]);
    w.end_array().end_object();
    respond(json_reply(w.take()));
  });
}

void put_stock(const context_ptr& ctx, const std::string& sku,
               http_request& req, respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (bad_sku(cfg, sku, respond))
    return;
  set_input in;
  input_error err;
  if (!parse_set(req.body, cfg, &in, &err))
    return respond(error_reply(cfg, 400, err.code, err.message));
  auto key = in.idempotency_key.empty() ? ctx->generate_key()
                                        : std::move(in.idempotency_key);
  auto source = in.source.empty() ? default_source : std::move(in.source);
  answer_one<stock_result>(
      ctx, set_stock{sku, in.on_hand, std::move(key), std::move(source)},
      std::move(respond), render_stock_result);
}

void post_adjust(const context_ptr& ctx, const std::string& sku,
                 http_request& req, respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (bad_sku(cfg, sku, respond))
    return;
  adjust_input in;
  input_error err;
  if (!parse_adjust(req.body, cfg, &in, &err))
    return respond(error_reply(cfg, 400, err.code, err.message));
  auto source = in.source.empty() ? default_source : std::move(in.source);
  answer_one<stock_result>(ctx,
                           adjust_stock{sku, in.delta,
                                        std::move(in.idempotency_key),
                                        std::move(source)},
                           std::move(respond), render_stock_result);
}

void get_audit_page(const context_ptr& ctx, const std::string& sku,
                    const query_params& query, respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (bad_sku(cfg, sku, respond))
    return;
  get_audit q{sku, limits::audit_page_records_default, 0};
  if (auto why = read_audit_query(query, &q); !why.empty())
    return respond(error_reply(cfg, 400, "invalid_argument", why));
  if (!ctx->acquire(1))
    return respond(error_reply(cfg, errc::overloaded,
                               "too many commands in flight; retry later"));
  auto from_version = q.from_version;
  auto limit = q.limit;
  ctx->core().call(
      std::vector<get_audit>{std::move(q)},
      [ctx, sku, from_version, limit,
       respond = std::move(respond)](outcomes<audit_page> results) mutable {
        ctx->release(1);
        auto& r = results.front();
        if (!r.ok())
          return respond(from_outcome_error(ctx->cfg(), r.code, r.detail));
        if (!r.reply.records.empty() || from_version != 0)
          return respond(json_reply(render_audit(sku, r.reply.records, limit)));
        // An empty log from the top: the SKU has no record at all (404), or
        // it has no history yet. get_stock tells which.
        get_stock_one(ctx, sku,
                      [respond = std::move(respond), sku](http_reply reply) {
                        if (reply.status == 200)
                          reply = json_reply(render_audit(sku, {}, 1));
                        respond(std::move(reply));
                      });
      });
}

} // namespace stockwire::gateway
