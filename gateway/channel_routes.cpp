// GET /v1/channels, GET /v1/channels/{id}, POST /v1/channels/{id}/resync,
// GET /v1/oversells (answered by the channels' connectors), GET /v1/lag and
// GET /metrics (answered by the metrics actor).
//
// Durations the actors keep in microseconds are shown in milliseconds with
// microsecond precision (us / 1000.0), like every *_ms field of the API.
#include <algorithm>
#include <string>
#include <vector>

#include "gateway/json_writer.hpp"
#include "gateway/listing_input.hpp"
#include "gateway/replies.hpp"
#include "gateway/requests.hpp"
#include "gateway/routes.hpp"

namespace stockwire::gateway {

namespace {

// The Prometheus text exposition format, version 0.0.4.
constexpr const char* prometheus_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

double ms_of_us(std::uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

void write_connector_status(json_writer& w, const connector_status& s) {
  w.begin_object()
      .field("channel", s.channel)
      .field("kind", s.kind)
      .field("breaker", s.breaker)
      .field("listings", s.listings)
      .field("backlog", s.backlog)
      .field("inflight", s.inflight)
      .field("parked_listings", s.parked_listings)
      .field("backing_off", s.backing_off)
      .field("acked", s.acked)
      .field("retried", s.retried)
      .field("parked", s.parked)
      .field("throttled", s.throttled)
      .field("requests", s.requests)
      .field("sync", s.sync)
      .key("poll_interval_s");
  if (s.sync == "poll")
    w.value(s.poll_interval_s);
  else
    w.null();
  w.field("cancellations_pending", s.cancellations_pending)
      .key("rate_available");
  if (s.rate_available < 0)
    w.null(); // no client-side rate limit
  else
    w.value(s.rate_available);
  w.key("rate_max");
  if (s.rate_max < 0)
    w.null();
  else
    w.value(s.rate_max);
  w.field("budget_share", s.budget_share).key("requests_per_s");
  if (s.requests_per_s < 0)
    w.null();
  else
    w.value(s.requests_per_s);
  w.key("last_error");
  if (s.last_error.empty())
    w.null();
  else
    w.value(s.last_error);
  w.end_object();
}

std::string render_connector_status(const connector_status& s) {
  json_writer w;
  write_connector_status(w, s);
  return w.take();
}

std::string render_resync(const resync_result& r) {
  json_writer w;
  w.begin_object()
      .field("channel", r.channel)
      .field("queued", r.queued)
      .field("cancellations_requeued", r.cancellations_requeued)
      .key("unknown")
      .begin_array();
  for (auto& sku : r.unknown)
    w.value(sku);
  w.end_array().end_object();
  return w.take();
}

void write_percentiles(json_writer& w, std::uint64_t count, std::uint64_t p50,
                       std::uint64_t p90, std::uint64_t p99, std::uint64_t p999,
                       std::uint64_t max) {
  w.begin_object()
      .field("count", count)
      .field("p50_ms", ms_of_us(p50))
      .field("p90_ms", ms_of_us(p90))
      .field("p99_ms", ms_of_us(p99))
      .field("p999_ms", ms_of_us(p999))
      .field("max_ms", ms_of_us(max))
      .end_object();
}

std::string render_lag(const lag_report& rep) {
  json_writer w;
  w.begin_object().key("channels").begin_array();
  for (auto& c : rep.channels) {
    w.begin_object().field("channel", c.channel).key("last_minute");
    write_percentiles(w, c.window_count, c.window_p50, c.window_p90,
                      c.window_p99, c.window_p999, c.window_max);
    w.key("since_start");
    write_percentiles(w, c.total_count, c.total_p50, c.total_p90, c.total_p99,
                      c.total_p999, c.total_max);
    w.field("alert", c.alert).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

// Answers 400 and returns false when the {id} of a path is bad.
bool good_channel(const settings& cfg, const std::string& channel,
                  respond_fn& respond) {
  if (auto why = check_channel_id(channel)) {
    respond(error_reply(cfg, 400, "invalid_argument", "channel: " + *why));
    return false;
  }
  return true;
}

} // namespace

void get_channel_list(const context_ptr& ctx, respond_fn respond) {
  call_each_channel<connector_status>(
      ctx, [](const std::string& id) { return get_channel_status{id}; },
      std::move(respond),
      [](outcomes<connector_status>& results, respond_fn& respond) {
        json_writer w;
        w.begin_object().key("channels").begin_array();
        for (auto& r : results)
          write_connector_status(w, r.reply);
        w.end_array().end_object();
        respond(json_reply(w.take()));
      });
}

void get_channel_one(const context_ptr& ctx, const std::string& channel,
                     respond_fn respond) {
  if (!good_channel(ctx->cfg(), channel, respond))
    return;
  answer_one<connector_status>(ctx, get_channel_status{channel},
                               std::move(respond), render_connector_status);
}

void post_channel_resync(const context_ptr& ctx, const std::string& channel,
                         http_request& req, respond_fn respond) {
  auto& cfg = ctx->cfg();
  if (!good_channel(cfg, channel, respond))
    return;
  std::vector<std::string> skus;
  input_error err;
  if (!parse_resync(req.body, cfg, &skus, &err))
    return respond(error_reply(cfg, 400, err.code, err.message));
  answer_one<resync_result>(ctx, resync_channel{channel, std::move(skus)},
                            std::move(respond), render_resync);
}

// Every channel's oversells: totals per channel and over all, and the
// recent oversold lines of every channel, newest first.
std::string render_oversells(outcomes<oversell_report>& results) {
  json_writer w;
  std::uint64_t oversells = 0, units = 0, pending = 0, acknowledged = 0,
                parked = 0;
  std::vector<const oversell_record*> recent;
  w.begin_object().key("channels").begin_array();
  for (auto& r : results) {
    auto& x = r.reply;
    oversells += x.oversells;
    units += x.oversold_units;
    pending += x.cancellations_pending;
    acknowledged += x.cancellations_acknowledged;
    parked += x.cancellations_parked;
    for (auto& rec : x.recent)
      recent.push_back(&rec);
    w.begin_object()
        .field("channel", x.channel)
        .field("oversells", x.oversells)
        .field("oversold_units", x.oversold_units)
        .key("cancellations")
        .begin_object()
        .field("pending", x.cancellations_pending)
        .field("sent", x.cancellations_sent)
        .field("acknowledged", x.cancellations_acknowledged)
        .field("parked", x.cancellations_parked)
        .end_object()
        .end_object();
  }
  w.end_array()
      .key("totals")
      .begin_object()
      .field("oversells", oversells)
      .field("oversold_units", units)
      .field("cancellations_pending", pending)
      .field("cancellations_acknowledged", acknowledged)
      .field("cancellations_parked", parked)
      .end_object();
  std::stable_sort(recent.begin(), recent.end(),
                   [](const oversell_record* a, const oversell_record* b) {
                     return a->at_ms > b->at_ms;
                   });
  w.key("recent").begin_array();
  for (auto* rec : recent) {
    auto prefix = rec->channel + ":";
    auto own = rec->order_id.compare(0, prefix.size(), prefix) == 0
                   ? rec->order_id.substr(prefix.size())
                   : rec->order_id;
    w.begin_object()
        .field("channel", rec->channel)
        .field("order_id", rec->order_id)
        .field("channel_order_id", own)
        .field("sku", rec->sku)
        .field("qty", rec->qty)
        .field("at", rfc3339_ms(rec->at_ms))
        .field("cancellation", rec->cancellation)
        .key("last_error");
    if (rec->last_error.empty())
      w.null();
    else
      w.value(rec->last_error);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

void get_oversell_report(const context_ptr& ctx, const query_params& query,
                         respond_fn respond) {
  if (refuse_any_query(ctx, query, respond))
    return;
  call_each_channel<oversell_report>(
      ctx, [](const std::string& id) { return get_oversells{id}; },
      std::move(respond),
      [](outcomes<oversell_report>& results, respond_fn& respond) {
        respond(json_reply(render_oversells(results)));
      });
}

void get_lag_report(const context_ptr& ctx, respond_fn respond) {
  answer_one<lag_report>(ctx, get_lag{}, std::move(respond), render_lag);
}

void get_metrics_page(const context_ptr& ctx, respond_fn respond) {
  call_one<std::string>(ctx, get_metrics_text{}, std::move(respond),
                        [](std::string& text, respond_fn& respond) {
                          http_reply r;
                          r.body = std::move(text);
                          r.content_type = prometheus_content_type;
                          respond(std::move(r));
                        });
}

} // namespace stockwire::gateway
