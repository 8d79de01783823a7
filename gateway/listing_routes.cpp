// PUT/GET/DELETE /v1/listings/{channel}/{sku}, GET /v1/listings/{sku},
// POST /v1/listings:import.
//
// A listing lives with its SKU: the region answers put_listing,
// delete_listing and get_listings from committed state. What a channel has
// been told about the SKU comes from that channel's connector
// (get_listing_status) and is shown as `sync`. An import is one
// put_listing per valid row, issued as one batch; a bad row never stops
// the others.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "gateway/json_writer.hpp"
#include "gateway/listing_input.hpp"
#include "gateway/replies.hpp"
#include "gateway/requests.hpp"
#include "gateway/routes.hpp"

namespace stockwire::gateway {

namespace {

// The media type an import must be sent as.
constexpr std::string_view csv_media_type = "text/csv";

// Writes the fields of `ids` into the current object.
void write_listing_fields(json_writer& w, const listing& ids) {
  for (auto& f : listing_fields)
    w.field(f.name, ids.*(f.member));
  w.key("allocation");
  if (!ids.alloc) {
    w.null();
    return;
  }
  w.begin_object()
      .field("buffer", ids.alloc->buffer)
      .field("percent", ids.alloc->percent)
      .field("max", ids.alloc->max)
      .end_object();
}

void write_sync(json_writer& w, const listing_status& s) {
  w.begin_object()
      .field("version", s.version)
      .field("target", s.target)
      .field("acked_version", s.acked_version)
      .key("shown");
  if (s.shown < 0)
    w.null();
  else
    w.value(s.shown);
  w.field("pushed_version", s.pushed_version)
      .field("pending", s.pending)
      .field("inflight", s.inflight)
      .field("parked", s.parked)
      .key("last_error");
  if (s.last_error.empty())
    w.null();
  else
    w.value(s.last_error);
  w.key("last_lag_ms");
  if (s.last_lag_us < 0)
    w.null();
  else
    w.value(static_cast<double>(s.last_lag_us) / 1000.0);
  w.key("last_ack_at");
  if (s.last_ack_ms <= 0)
    w.null();
  else
    w.value(rfc3339_ms(s.last_ack_ms));
  w.end_object();
}

// GET /v1/listings/{channel}/{sku}; `sync` null: the connector knows
// nothing of the SKU yet (or the channel is no longer configured).
std::string render_listing(const std::string& channel, const std::string& sku,
                           const listing& ids, const listing_status* sync) {
  json_writer w;
  w.begin_object().field("channel", channel).field("sku", sku).key("listing");
  w.begin_object();
  write_listing_fields(w, ids);
  w.end_object().key("sync");
  if (sync == nullptr)
    w.null();
  else
    write_sync(w, *sync);
  w.end_object();
  return w.take();
}

// Answers 400 and returns false when {channel} or {sku} of a path is bad.
bool good_path(const settings& cfg, const std::string& channel,
               const std::string& sku, respond_fn& respond) {
  if (auto why = check_channel_id(channel)) {
    respond(error_reply(cfg, 400, "invalid_argument", "channel: " + *why));
    return false;
  }
  if (auto why = check_sku(cfg, sku)) {
    respond(error_reply(cfg, 400, "invalid_argument", "sku: " + *why));
    return false;
  }
  return true;
}

bool configured(const context_ptr& ctx, const std::string& channel) {
  auto& ids = ctx->core().channels();
  return std::binary_search(ids.begin(), ids.end(), channel);
}

// Adds what the connector of `channel` knows to a committed listing.
void answer_with_sync(const context_ptr& ctx, const std::string& channel,
                      const std::string& sku, listing ids, respond_fn respond) {
  if (!configured(ctx, channel))
    return respond(json_reply(render_listing(channel, sku, ids, nullptr)));
  if (!ctx->acquire(1))
    return respond(error_reply(ctx->cfg(), errc::overloaded,
                               "too many commands in flight; retry later"));
  ctx->core().call(
      std::vector<get_listing_status>{get_listing_status{channel, sku}},
      [ctx, channel, sku, ids = std::move(ids),
       respond = std::move(respond)](outcomes<listing_status> results) {
        ctx->release(1);
        auto& r = results.front();
        if (r.ok())
          return respond(
              json_reply(render_listing(channel, sku, ids, &r.reply)));
        if (r.code == errc::unknown_listing)
          return respond(
              json_reply(render_listing(channel, sku, ids, nullptr)));
        respond(error_reply(ctx->cfg(), r.code, r.detail));
      });
}

// True when `content_type` names `media_type` (parameters such as
// charset aside; case-insensitive).
bool has_media_type(std::string_view content_type,
                    std::string_view media_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.remove_prefix(1);
  return std::equal(type.begin(), type.end(), media_type.begin(),
                    media_type.end(), [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b));
                    });
}

// `results` holds the outcomes of the valid rows, in row order.
std::string render_import(const std::vector<import_row>& rows,
                          const outcomes<listing_result>& results) {
  std::uint64_t imported = 0;
  for (auto& r : results)
    imported += r.ok() ? 1 : 0;
  json_writer w;
  w.begin_object()
      .field("imported", imported)
      .field("failed", static_cast<std::uint64_t>(rows.size()) - imported)
      .key("errors")
      .begin_array();
  auto error = [&w](const import_row& row, std::string_view code,
                    std::string_view message) {
    w.begin_object()
        .field("line", static_cast<std::uint64_t>(row.line))
        .field("code", code)
        .field("message", message)
        .end_object();
  };
  std::size_t next = 0;
  for (auto& row : rows) {
    if (!row.error.code.empty()) {
      error(row, row.error.code, row.error.message);
      continue;
    }
    auto& r = results[next++];
    if (!r.ok())
      error(row, errc_name(r.code), r.detail);
  }
  w.end_array().end_object();
  return w.take();
}

} // namespace

void put_channel_listing(const context_ptr& ctx, const std::string& channel,
                         const std::string& sku, http_request& req,
                         respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (!good_path(cfg, channel, sku, respond))
    return;
  listing ids;
  input_error err;
  if (!parse_listing(req.body, cfg, &ids, &err))
    return respond(error_reply(cfg, 400, err.code, err.message));
  call_one<listing_result>(
      ctx, put_listing{sku, channel, std::move(ids)}, std::move(respond),
      [](listing_result& r, respond_fn& respond) {
        json_writer w;
        w.begin_object()
            .field("channel", r.channel)
            .field("sku", r.sku)
            .key("listing")
            .begin_object();
        write_listing_fields(w, r.ids);
        w.end_object().field("created", r.created).end_object();
        respond(json_reply(w.take(), r.created ? 201 : 200));
      });
}

void get_channel_listing(const context_ptr& ctx, const std::string& channel,
                         const std::string& sku, respond_fn respond) {
  if (!good_path(ctx->cfg(), channel, sku, respond))
    return;
  call_one<listing_set>(
      ctx, get_listings{sku}, std::move(respond),
      [ctx, channel, sku](listing_set& set, respond_fn& respond) {
        auto i = std::find_if(set.listings.begin(), set.listings.end(),
                              [&](auto& x) { return x.first == channel; });
        if (i != set.listings.end())
          return answer_with_sync(ctx, channel, sku, std::move(i->second),
                                  std::move(respond));
        if (!configured(ctx, channel))
          return respond(error_reply(ctx->cfg(), errc::unknown_channel,
                                     "no channel account '" + channel +
                                         "' is configured"));
        respond(error_reply(ctx->cfg(), errc::unknown_listing,
                            "sku " + sku + " has no listing on channel " +
                                channel));
      });
}

void delete_channel_listing(const context_ptr& ctx, const std::string& channel,
                            const std::string& sku, respond_fn respond) {
  if (!good_path(ctx->cfg(), channel, sku, respond))
    return;
  call_one<listing_result>(ctx, delete_listing{sku, channel},
                           std::move(respond),
                           [](listing_result& r, respond_fn& respond) {
                             json_writer w;
                             w.begin_object()
                                 .field("channel", r.channel)
                                 .field("sku", r.sku)
                                 .field("deleted", r.deleted)
                                 .end_object();
                             respond(json_reply(w.take()));
                           });
}

void get_sku_listings(const context_ptr& ctx, const std::string& sku,
                      respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (auto why = check_sku(cfg, sku))
    return respond(error_reply(cfg, 400, "invalid_argument", "sku: " + *why));
  call_one<listing_set>(
      ctx, get_listings{sku}, std::move(respond),
      [](listing_set& set, respond_fn& respond) {
        json_writer w;
        w.begin_object().field("sku", set.sku).key("listings").begin_array();
        for (auto& [channel, ids] : set.listings) {
          w.begin_object().field("channel", channel);
          write_listing_fields(w, ids);
          w.end_object();
        }
        w.end_array().end_object();
        respond(json_reply(w.take()));
      });
}

void post_listing_import(const context_ptr& ctx, http_request& req,
                         respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (!has_media_type(req.content_type, csv_media_type))
    return respond(error_reply(cfg, 415, "unsupported_media_type",
                               "send the rows as Content-Type: text/csv"));
  std::vector<import_row> rows;
  input_error err;
  if (!parse_listing_csv(req.body, cfg, &rows, &err))
    return respond(error_reply(cfg, 400, err.code, err.message));
  std::vector<put_listing> cmds;
  for (auto& row : rows)
    if (row.error.code.empty())
      cmds.push_back(put_listing{row.sku, row.channel, row.ids});
  auto n = cmds.size();
  if (n == 0)
    return respond(json_reply(render_import(rows, {})));
  if (!ctx->acquire(n))
    return respond(error_reply(cfg, errc::overloaded,
                               "too many commands in flight; retry later"));
  ctx->core().call(std::move(cmds), [ctx, n, rows = std::move(rows),
                                     respond = std::move(respond)](
                                        outcomes<listing_result> results) {
    ctx->release(n);
    respond(json_reply(render_import(rows, results)));
  });
}

} // namespace stockwire::gateway
