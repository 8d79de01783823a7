// POST /webhooks/{channel}: a channel's order webhook turned into commands
// of the core; GET /v1/webhooks/unknown-skus: what webhooks named that the
// node does not stock.
//
// Contract (docs/HTTP-API.md, "Webhooks"):
//   - The channel's own signature authenticates the request (verified by
//     webhooks/event.hpp with the account's webhook_secret), never a bearer
//     token. Unknown channel 404; no secret configured 401; a verdict other
//     than 200 (forged 401, stale 408, malformed 400) is answered as is.
//   - Events become commands as webhook_plan.hpp says (order ids
//     "<channel>:<channel's order id>", lines of one SKU merged).
//   - order_created: place_order per line, marked as sold by the channel
//     (a line rejected for lack of stock is an oversell: the core records
//     the order's cancellation on the channel); on a channel that cancels
//     whole orders (all but Flipkart), an order with an oversold line is
//     void, so its accepted lines are cancelled in the core too (status
//     "cancelled"), before the 200; order_cancelled: cancel_order
//     per line with void_if_unknown (a cancel before its order leaves a
//     tombstone), or, without lines, every accepted line the core knows;
//     restock: the cancellation of the order's line when it gives back all
//     the line took (see restock()), else adjust_stock +qty with op id
//     "<channel>:refund:<refund id>" (the core dedups by op id + SKU).
//   - Events run one after the other (a later event of a delivery sees the
//     earlier one applied); the lines of one event run concurrently.
//   - 200 only when every command's effect is durable (the core answers
//     after its commit). Any retryable error (store_unavailable,
//     owner_unavailable, overloaded, shutting_down) stops the delivery with
//     503 + Retry-After and it is not remembered: the channel's retry runs
//     it again and the core replays what was already applied.
//   - Unknown SKUs (empty, impossible, or without stock record) and
//     conflicts (an order id + SKU held with another qty) are final: the
//     line is reported, counted in the ledger, logged, and acknowledged.
//   - A delivery (channel, topic, delivery id) handled before
//     (webhook_ledger) is answered 200 with "replayed": true and no command.
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/text.hpp"
#include "gateway/json_writer.hpp"
#include "gateway/replies.hpp"
#include "gateway/requests.hpp"
#include "gateway/routes.hpp"
#include "gateway/webhook_plan.hpp"
#include "webhooks/event.hpp"

namespace stockwire::gateway {

namespace {

using webhooks::event_kind;

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

webhooks::format format_of(channel_kind kind) {
  switch (kind) {
  case channel_kind::shopify:
    return webhooks::format::shopify;
  case channel_kind::woocommerce:
    return webhooks::format::woocommerce;
  case channel_kind::amazon:
    return webhooks::format::amazon;
  case channel_kind::ebay:
  case channel_kind::flipkart:
    break;
  }
  return webhooks::format::relay; // their push formats are unconfirmed
}

const char* kind_name(event_kind kind) {
  switch (kind) {
  case event_kind::order_created:
    return "order_created";
  case event_kind::order_cancelled:
    return "order_cancelled";
  case event_kind::restock:
    break;
  }
  return "restock";
}


std::string header_of(const http_request& req, std::string_view name) {
  if (iequals(name, "content-type"))
    return req.content_type;
  for (auto& [k, v] : req.x_headers)
    if (iequals(k, name))
      return v;
  return {};
}


// -- the job: one delivery's events, one after the other ----------------------

class webhook_job : public std::enable_shared_from_this<webhook_job> {
public:
  webhook_job(context_ptr ctx, std::string channel, channel_kind kind,
              webhooks::verdict v, std::vector<event_run> events,
              respond_fn respond)
      : ctx_(std::move(ctx)), channel_(std::move(channel)), kind_(kind),
        delivery_id_(std::move(v.delivery_id)), topic_(std::move(v.topic)),
        events_(std::move(events)), respond_(std::move(respond)),
        received_ms_(wall_clock_ms()) {
    // nothing
  }

  void run() { step(0); }

private:
  using next_fn = std::function<void()>;

  void step(std::size_t ev);
  void place(std::size_t ev);
  void void_oversold(std::size_t ev);
  void cancel_known_lines(std::size_t ev);
  void restock(std::size_t ev);
  void cancel_lines(std::size_t ev, std::vector<std::size_t> slots,
                    next_fn next);
  void adjust_lines(std::size_t ev, std::vector<std::size_t> slots);

  // Goes on with the event after `ev`.
  next_fn after(std::size_t ev) {
    return [self = shared_from_this(), ev] { self->step(ev + 1); };
  }

  // Lines of event `ev` whose SKU can exist here; the others are marked
  // unknown_sku now, without a command.
  std::vector<std::size_t> sendable(std::size_t ev);

  // Reads the committed lines of event `ev`'s order, then `then(lines)`.
  void lookup(std::size_t ev,
              std::function<void(const order_lines&)> then);

  // Hands `cmds` (one per line in `slots`) to the core, records each
  // line's outcome (`status_of` names a success), then calls `next`; or
  // answers 503 at the first retryable error.
  template <class Reply, class Cmd, class StatusOf>
  void issue(std::size_t ev, std::vector<Cmd> cmds,
             std::vector<std::size_t> slots, StatusOf status_of,
             next_fn next);

  // Stops the delivery unacknowledged (not remembered): 503 + Retry-After
  // for a retryable `code`, so the channel delivers it again.
  void answer_error(errc code, const std::string& detail);
  void finish();
  void account(const event_run& e, const line_run& l);
  std::string render() const;

  context_ptr ctx_;
  std::string channel_;
  channel_kind kind_;
  std::string delivery_id_;
  std::string topic_;
  std::vector<event_run> events_;
  respond_fn respond_;
  std::int64_t received_ms_;
  std::uint64_t unknown_skus_ = 0; // in this delivery
};

void webhook_job::step(std::size_t ev) {
  if (ev == events_.size())
    return finish();
  switch (events_[ev].kind) {
  case event_kind::order_created:
    return place(ev);
  case event_kind::order_cancelled:
    if (events_[ev].lines.empty())
      return cancel_known_lines(ev);
    return cancel_lines(ev, sendable(ev), after(ev));
  case event_kind::restock:
    return restock(ev);
  }
}

std::vector<std::size_t> webhook_job::sendable(std::size_t ev) {
  std::vector<std::size_t> slots;
  auto& lines = events_[ev].lines;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto& l = lines[i];
    if (l.sku.empty() || check_sku(ctx_->cfg(), l.sku))
      l.status = "unknown_sku";
    else
      slots.push_back(i);
  }
  return slots;
}

template <class Reply, class Cmd, class StatusOf>
void webhook_job::issue(std::size_t ev, std::vector<Cmd> cmds,
                        std::vector<std::size_t> slots, StatusOf status_of,
                        next_fn next) {
  auto n = cmds.size();
  if (n == 0)
    return next();
  if (!ctx_->acquire(n))
    return answer_error(errc::overloaded,
                        "too many commands in flight; retry later");
  ctx_->core().call(
      std::move(cmds), [self = shared_from_this(), ev, n,
                        slots = std::move(slots), status_of,
                        next = std::move(next)](outcomes<Reply> results) {
        self->ctx_->release(n);
        for (std::size_t i = 0; i < n; ++i) {
          auto& r = results[i];
          auto& line = self->events_[ev].lines[slots[i]];
          if (r.ok()) {
            line.status = status_of(r.reply);
            line.replayed = r.reply.replayed;
          } else if (is_retryable(r.code)) {
            return self->answer_error(r.code, r.detail);
          } else if (r.code == errc::unknown_sku) {
            line.status = "unknown_sku";
          } else {
            line.status = r.code == errc::id_conflict ? "conflict" : "error";
            line.error_code = std::string{errc_name(r.code)};
            line.error_message = r.detail;
          }
        }
        next();
      });
}

void webhook_job::lookup(std::size_t ev,
                         std::function<void(const order_lines&)> then) {
  if (!ctx_->acquire(1))
    return answer_error(errc::overloaded,
                        "too many commands in flight; retry later");
  ctx_->core().call(
      std::vector<find_order>{find_order{events_[ev].order_id}},
      [self = shared_from_this(),
       then = std::move(then)](outcomes<order_lines> results) {
        self->ctx_->release(1);
        auto& r = results.front();
        if (!r.ok()) // a read fails only retryably (the id is valid)
          return self->answer_error(r.code, r.detail);
        then(r.reply);
      });
}

void webhook_job::place(std::size_t ev) {
  auto& e = events_[ev];
  auto slots = sendable(ev);
  std::vector<place_order> cmds;
  for (auto i : slots)
    cmds.push_back(place_order{e.order_id, e.lines[i].sku, e.lines[i].qty,
                               channel_, true});
  issue<order_result>(
      ev, std::move(cmds), std::move(slots),
      [](const order_result& r) {
        return std::string{order_status_name(r.status)};
      },
      [self = shared_from_this(), ev] { self->void_oversold(ev); });
}

// The channel cancels the whole order when a line of it was oversold (its
// connector does that), so the order's accepted lines will never ship:
// their stock comes back now. A replay of the delivery does it again,
// which the core answers as a replayed cancel.
void webhook_job::void_oversold(std::size_t ev) {
  auto& e = events_[ev];
  bool oversold = false;
  std::vector<std::size_t> accepted;
  for (std::size_t i = 0; i < e.lines.size(); ++i) {
    oversold = oversold || e.lines[i].status == "rejected";
    if (e.lines[i].status == "accepted")
      accepted.push_back(i);
  }
  if (!oversold || accepted.empty() || !cancels_whole_orders(kind_))
    return step(ev + 1);
  cancel_lines(ev, std::move(accepted), after(ev));
}

void webhook_job::cancel_lines(std::size_t ev, std::vector<std::size_t> slots,
                               next_fn next) {
  auto& e = events_[ev];
  std::vector<cancel_order> cmds;
  for (auto i : slots)
    cmds.push_back(cancel_order{e.order_id, e.lines[i].sku, channel_, true});
  issue<cancel_result>(
      ev, std::move(cmds), std::move(slots),
      [](const cancel_result&) { return std::string{"cancelled"}; },
      std::move(next));
}

void webhook_job::adjust_lines(std::size_t ev,
                               std::vector<std::size_t> slots) {
  auto& e = events_[ev];
  std::vector<adjust_stock> cmds;
  for (auto i : slots)
    cmds.push_back(
        adjust_stock{e.lines[i].sku, e.lines[i].qty, e.op_id, channel_});
  issue<stock_result>(
      ev, std::move(cmds), std::move(slots),
      [](const stock_result&) { return std::string{"restocked"}; },
      after(ev));
}

// A cancellation that names no lines: every accepted line the core holds.
// An order never seen leaves nothing to do (without SKUs there is no
// tombstone to write).
void webhook_job::cancel_known_lines(std::size_t ev) {
  lookup(ev, [self = shared_from_this(), ev](const order_lines& found) {
    auto& e = self->events_[ev];
    for (auto& line : found.lines)
      if (line.status == order_status::accepted)
        e.lines.push_back(line_run{line.sku, line.qty, {}, false, {}, {}});
    if (e.lines.empty())
      spdlog::info("webhook {} {}: cancellation of order {} without lines, "
                   "and the node holds none of it: nothing to do",
                   self->channel_, printable(self->delivery_id_),
                   printable(e.order_id));
    self->cancel_lines(ev, self->sendable(ev), self->after(ev));
  });
}

// A restock that gives back everything an order's line took (or names a
// line that took nothing, or was cancelled already) is that line's
// cancellation: the very command of the order's own cancellation, so a
// return the channel reports both ways (Shopify: orders/cancelled and a
// refunds/create with restock_type "cancel") is given back once, in either
// order. A partial restock, or one of an order the node never saw, is an
// adjustment keyed by the refund.
void webhook_job::restock(std::size_t ev) {
  if (events_[ev].order_id.empty())
    return adjust_lines(ev, sendable(ev));
  lookup(ev, [self = shared_from_this(), ev](const order_lines& found) {
    auto& e = self->events_[ev];
    std::vector<std::size_t> cancels;
    std::vector<std::size_t> adjusts;
    for (auto i : self->sendable(ev)) {
      const order_line_info* line = nullptr;
      for (auto& l : found.lines)
        if (l.sku == e.lines[i].sku)
          line = &l;
      bool whole = line != nullptr &&
                   (line->cancelled || line->status != order_status::accepted ||
                    line->qty <= e.lines[i].qty);
      (whole ? cancels : adjusts).push_back(i);
    }
    self->cancel_lines(ev, std::move(cancels),
                       [self, ev, adjusts = std::move(adjusts)]() mutable {
                         self->adjust_lines(ev, std::move(adjusts));
                       });
  });
}

void webhook_job::answer_error(errc code, const std::string& detail) {
  auto reply = error_reply(ctx_->cfg(), code, detail);
  spdlog::warn("webhook {} {}: {} ({}); answered {}, not acknowledged",
               channel_, printable(delivery_id_), errc_name(code), detail,
               reply.status);
  respond_(std::move(reply));
}

// Logs and counts a line that could not be applied (never silently).
void webhook_job::account(const event_run& e, const line_run& l) {
  auto& ledger = ctx_->webhooks();
  if (l.status == "unknown_sku") {
    ++unknown_skus_;
    ledger.count_unknown_sku(webhook_ledger::unknown_sku{
        channel_, l.sku, e.order_id, delivery_id_, received_ms_});
    spdlog::warn("webhook {} {}: unknown SKU '{}' ({} units) in {} of order "
                 "{}: acknowledged without a stock change",
                 channel_, printable(delivery_id_), printable(l.sku), l.qty,
                 kind_name(e.kind), printable(e.order_id));
  } else if (l.status == "conflict") {
    ledger.count_conflict(channel_);
    spdlog::warn("webhook {} {}: conflict in {} of order {}: {}; "
                 "acknowledged without a stock change",
                 channel_, printable(delivery_id_), kind_name(e.kind),
                 printable(e.order_id), printable(l.error_message));
  } else if (l.status == "error") {
    spdlog::warn("webhook {} {}: SKU '{}' in {} of order {}: {} ({}); "
                 "acknowledged without a stock change",
                 channel_, printable(delivery_id_), printable(l.sku),
                 kind_name(e.kind), printable(e.order_id), l.error_code,
                 printable(l.error_message));
  }
}

void webhook_job::finish() {
  for (auto& e : events_)
    for (auto& l : e.lines)
      account(e, l);
  if (!delivery_id_.empty())
    ctx_->webhooks().remember(channel_, topic_, delivery_id_);
  respond_(json_reply(render()));
}

void write_delivery(json_writer& w, const std::string& channel,
                    const std::string& delivery_id, const std::string& topic,
                    bool replayed) {
  w.field("channel", channel).key("delivery_id");
  if (delivery_id.empty())
    w.null();
  else
    w.value(delivery_id);
  w.field("topic", topic).field("replayed", replayed);
}

std::string webhook_job::render() const {
  json_writer w;
  w.begin_object();
  write_delivery(w, channel_, delivery_id_, topic_, false);
  w.key("events").begin_array();
  for (auto& e : events_) {
    w.begin_object().field("kind", kind_name(e.kind)).key("order_id");
    if (e.order_id.empty())
      w.null();
    else
      w.value(e.order_id);
    if (e.kind == event_kind::restock)
      w.field("refund_id", e.refund_id);
    w.key("lines").begin_array();
    for (auto& l : e.lines) {
      w.begin_object()
          .field("sku", l.sku)
          .field("qty", l.qty)
          .field("status", l.status)
          .field("replayed", l.replayed);
      if (!l.error_code.empty())
        write_error(w, l.error_code, l.error_message);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array()
      .field("unknown_skus", unknown_skus_)
      .field("unknown_skus_total", ctx_->webhooks().unknown_skus(channel_))
      .end_object();
  return w.take();
}

const webhook_account* find_account(const settings& cfg,
                                     const std::string& channel) {
  for (auto& a : cfg.webhook_accounts)
    if (a.channel == channel)
      return &a;
  return nullptr;
}

} // namespace

void post_webhook(const context_ptr& ctx, const std::string& channel,
                  http_request& req, respond_fn respond) {
  auto& cfg = ctx->cfg();
  auto* account = find_account(cfg, channel);
  if (account == nullptr)
    return respond(
        error_reply(cfg, errc::unknown_channel,
                    "no channel account '" + channel + "' is configured"));
  if (account->secret.empty())
    return respond(error_reply(cfg, 401, "unauthenticated",
                               "no webhook_secret configured for channel " +
                                   channel));
  webhooks::request_view view{req.body, [&req](std::string_view name) {
                                return header_of(req, name);
                              }};
  auto v = webhooks::verify_and_parse(format_of(account->kind),
                                      account->secret, view, wall_clock_ms(),
                                      cfg.webhook_max_age_s * 1000);
  if (v.status != 200)
    return respond(error_reply(cfg, v.status, v.code, v.message));
  if (v.ping)
    return respond(json_reply("{\"status\":\"ok\"}"));
  if (!v.delivery_id.empty() &&
      ctx->webhooks().handled(channel, v.topic, v.delivery_id)) {
    json_writer w;
    w.begin_object();
    write_delivery(w, channel, v.delivery_id, v.topic, true);
    w.key("events").begin_array().end_array().end_object();
    return respond(json_reply(w.take()));
  }
  std::vector<event_run> events(v.events.size());
  for (std::size_t i = 0; i < v.events.size(); ++i) {
    std::string why;
    if (!plan_event(cfg, channel, v.events[i], &events[i], &why))
      return respond(error_reply(cfg, 400, "invalid_argument", why));
  }
  auto job =
      std::make_shared<webhook_job>(ctx, channel, account->kind, std::move(v),
                                    std::move(events), std::move(respond));
  job->run();
}

void get_unknown_skus(const context_ptr& ctx, const query_params& query,
                      respond_fn respond) {
  if (refuse_any_query(ctx, query, respond))
    return;
  auto& cfg = ctx->cfg();
  std::vector<std::string> channels;
  for (auto& a : cfg.webhook_accounts)
    channels.push_back(a.channel);
  auto report = ctx->webhooks().snapshot(channels);
  json_writer w;
  w.begin_object().key("channels").begin_array();
  for (auto& t : report.channels)
    w.begin_object()
        .field("channel", t.channel)
        .field("unknown_skus", t.unknown_skus)
        .field("conflicts", t.conflicts)
        .end_object();
  w.end_array().key("recent").begin_array();
  for (auto& u : report.recent) {
    w.begin_object()
        .field("channel", u.channel)
        .field("sku", u.sku)
        .field("order_id", u.order_id)
        .key("delivery_id");
    if (u.delivery_id.empty())
      w.null();
    else
      w.value(u.delivery_id);
    w.field("at", rfc3339_ms(u.at_ms)).end_object();
  }
  w.end_array().end_object();
  respond(json_reply(w.take()));
}

} // namespace stockwire::gateway
