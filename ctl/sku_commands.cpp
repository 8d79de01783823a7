// sku get, sku audit, sku set, sku adjust.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

#include "core/limits.hpp"
#include "ctl/commands.hpp"
#include "ctl/output.hpp"
#include "ctl/since.hpp"

namespace stockwire::ctl {

namespace {

// Random bytes of a generated idempotency key (hex: twice as many chars).
constexpr int generated_key_bytes = 8;

// The source recorded for set/adjust operations made with stockctl.
constexpr const char* op_source = "stockctl";

std::string generate_key() {
  std::random_device rd;
  std::string key = "stockctl-";
  char buf[4];
  for (int i = 0; i < generated_key_bytes; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(rd() & 0xff));
    key += buf;
  }
  return key;
}

// Everything `sku get` shows of one SKU.
struct sku_facts {
  placement_info placement;
  sku_activity activity;
  stock_view stock;
  // Per listed channel: what its connector on the owner says, or nothing
  // when the connector has not heard of the SKU (no change since its
  // node started) or the channel is no longer configured.
  std::vector<std::pair<std::string, std::optional<listing_status>>> channels;
};

// Asks in this order so that the activity is read before get_stock
// activates the SKU, and an unknown SKU or a dead owner is told as such.
std::optional<sku_facts> collect(session& s, const std::string& sku,
                                 failure* f) {
  sku_facts x;
  auto p = s.ask<placement_info>(get_placement{sku}, f);
  auto a = p ? s.ask<sku_activity>(get_sku_activity{sku}, f) : std::nullopt;
  auto v = a ? s.ask<stock_view>(get_stock{sku}, f) : std::nullopt;
  auto ls = v ? s.ask<listing_set>(get_listings{sku}, f) : std::nullopt;
  if (!ls)
    return std::nullopt;
  x.placement = std::move(*p);
  x.activity = std::move(*a);
  x.stock = std::move(*v);
  for (auto& [channel, ids] : ls->listings) {
    failure cf;
    auto st = s.ask<listing_status>(get_listing_status{channel, sku}, &cf);
    if (!st && cf.code != exit_unknown_channel) {
      *f = cf;
      return std::nullopt;
    }
    x.channels.emplace_back(channel, std::move(st));
  }
  return x;
}

std::string actor_state(const sku_activity& a) {
  if (!a.active)
    return "passivated";
  return a.passivating ? "passivating" : "active";
}

void write_sync(json_writer& w, const listing_status& st) {
  w.begin_object()
      .field("version", st.version)
      .field("target", st.target)
      .key("shown");
  number_or_null(w, st.shown);
  w.field("pushed_version", st.pushed_version)
      .field("acked_version", st.acked_version)
      .field("pending", st.pending)
      .field("inflight", st.inflight)
      .field("parked", st.parked)
      .key("last_error");
  text_or_null(w, st.last_error);
  w.key("last_lag_us");
  number_or_null(w, st.last_lag_us);
  w.key("last_ack_ms");
  number_or_null(w, st.last_ack_ms == 0 ? -1 : st.last_ack_ms);
  w.end_object();
}

void write_facts(json_writer& w, const sku_facts& x) {
  auto& v = x.stock;
  auto& a = x.activity;
  w.begin_object()
      .field("sku", v.sku)
      .field("on_hand", v.on_hand)
      .field("reserved", v.reserved)
      .field("available", v.available)
      .field("version", v.version)
      .field("updated_at_ms", v.updated_at_ms)
      .field("owner", x.placement.owner_id)
      .field("epoch", x.placement.epoch)
      .key("actor")
      .begin_object()
      .field("state", actor_state(a))
      .field("active", a.active)
      .field("mailbox", a.mailbox)
      .field("pending", a.pending)
      .end_object()
      .key("channels")
      .begin_array();
  for (auto& [channel, st] : x.channels) {
    w.begin_object().field("channel", channel).key("sync");
    if (st)
      write_sync(w, *st);
    else
      w.null();
    w.end_object();
  }
  w.end_array().end_object();
}

void print_facts(const std::vector<sku_facts>& all) {
  table rows{{"SKU", "ON_HAND", "AVAILABLE", "RESERVED", "VERSION", "OWNER",
              "EPOCH", "ACTOR", "MAILBOX", "PENDING", "CHANGED"}};
  table chans{{"SKU", "CHANNEL", "SHOWN", "TARGET", "PUSHED_V", "ACKED_V",
               "PENDING", "PARKED", "LAST_LAG", "LAST_ERROR"}};
  for (auto& x : all) {
    auto& v = x.stock;
    rows.push_back(
        {v.sku, std::to_string(v.on_hand), std::to_string(v.available),
         std::to_string(v.reserved), std::to_string(v.version),
         x.placement.owner_id, std::to_string(x.placement.epoch),
         actor_state(x.activity), std::to_string(x.activity.mailbox),
         std::to_string(x.activity.pending), human_time_ms(v.updated_at_ms)});
    for (auto& [channel, st] : x.channels) {
      if (!st) {
        chans.push_back({v.sku, channel, "?", "?", "?", "?", "?", "?", "?",
                         "(its connector has not heard of it yet)"});
        continue;
      }
      chans.push_back(
          {v.sku, channel, st->shown < 0 ? "?" : std::to_string(st->shown),
           std::to_string(st->target), std::to_string(st->pushed_version),
           std::to_string(st->acked_version), st->pending ? "yes" : "no",
           st->parked ? "yes" : "no",
           st->last_lag_us < 0
               ? "-"
               : human_us(static_cast<std::uint64_t>(st->last_lag_us)),
           or_dash(st->last_error)});
    }
  }
  print_table(rows);
  if (chans.size() > 1) {
    std::cout << '\n';
    print_table(chans);
  }
}

// The audit trail newest first, page by page, up to `limit` records and
// down to the first one older than `since_ms`.
std::optional<std::vector<audit_record>>
read_trail(session& s, const std::string& sku, std::uint32_t limit,
           std::int64_t since_ms, failure* f) {
  std::vector<audit_record> out;
  std::uint64_t from = 0; // 0: newest
  auto page_max = static_cast<std::uint32_t>(limits::audit_page_records_max);
  while (out.size() < limit) {
    auto want = std::min<std::uint32_t>(
        page_max, limit - static_cast<std::uint32_t>(out.size()));
    auto page = s.ask<audit_page>(get_audit{sku, want, from}, f);
    if (!page)
      return std::nullopt;
    for (auto& r : page->records) {
      if (r.at_ms < since_ms)
        return out;
      out.push_back(r);
    }
    if (page->records.size() < want || out.back().version <= 1)
      break;
    from = out.back().version - 1;
  }
  return out;
}

void print_trail(const std::vector<audit_record>& records) {
  table rows{{"VERSION", "KIND", "OP_ID", "SOURCE", "DELTA", "ON_HAND",
              "AVAILABLE", "AT"}};
  for (auto& r : records)
    rows.push_back({std::to_string(r.version),
                    std::string{op_kind_name(r.kind)}, r.op_id, r.source,
                    std::to_string(r.delta), std::to_string(r.on_hand_after),
                    std::to_string(r.available_after), human_time_ms(r.at_ms)});
  print_table(rows);
}

void write_trail(const std::string& sku, std::int64_t since_ms,
                 const std::vector<audit_record>& records) {
  json_writer w;
  w.begin_object().field("sku", sku).key("since_ms");
  number_or_null(w, since_ms);
  w.key("records").begin_array();
  for (auto& r : records)
    w.begin_object()
        .field("version", r.version)
        .field("op_id", r.op_id)
        .field("kind", op_kind_name(r.kind))
        .field("source", r.source)
        .field("delta", r.delta)
        .field("on_hand_after", r.on_hand_after)
        .field("available_after", r.available_after)
        .field("at_ms", r.at_ms)
        .end_object();
  w.end_array().end_object();
  std::cout << w.str() << '\n';
}

// sku set / sku adjust: Cmd is set_stock or adjust_stock.
template <class Cmd>
int sku_write(session& s, const options& o, Cmd cmd) {
  bool generated = cmd.op_id.empty();
  if (generated)
    cmd.op_id = generate_key();
  cmd.source = op_source;
  failure f;
  auto r = s.ask<stock_result>(std::move(cmd), &f);
  if (!r)
    return report(f);
  if (o.json) {
    json_writer w;
    w.begin_object()
        .field("sku", r->sku)
        .field("key", r->op_id)
        .field("key_generated", generated)
        .field("on_hand", r->on_hand)
        .field("available", r->available)
        .field("version", r->version)
        .field("replayed", r->replayed)
        .end_object();
    std::cout << w.str() << '\n';
    return exit_ok;
  }
  print_table(
      {{"SKU", "ON_HAND", "AVAILABLE", "VERSION", "REPLAYED", "KEY"},
       {r->sku, std::to_string(r->on_hand), std::to_string(r->available),
        std::to_string(r->version), r->replayed ? "yes" : "no", r->op_id}});
  if (generated)
    std::cout << "key: " << r->op_id << " (retry with --key " << r->op_id
              << " to apply once)\n";
  return exit_ok;
}

} // namespace

int sku_get(session& s, const options& o,
            const std::vector<std::string>& skus) {
  std::vector<sku_facts> all;
  for (auto& sku : skus) {
    failure f;
    auto x = collect(s, sku, &f);
    if (!x)
      return report(f);
    all.push_back(std::move(*x));
  }
  if (!o.json) {
    print_facts(all);
    return exit_ok;
  }
  json_writer w;
  w.begin_array();
  for (auto& x : all)
    write_facts(w, x);
  w.end_array();
  std::cout << w.str() << '\n';
  return exit_ok;
}

int sku_audit(session& s, const options& o, const audit_args& a) {
  std::int64_t since_ms = -1;
  if (!a.since.empty()) {
    std::string why;
    auto t = parse_since(a.since, wall_ms(), &why);
    if (!t)
      return report({exit_usage, "--since: " + why});
    since_ms = *t;
  }
  failure f;
  // An unknown SKU has an empty trail: ask for its stock first so that it
  // fails as unknown, like sku get.
  if (!s.ask<stock_view>(get_stock{a.sku}, &f))
    return report(f);
  auto records = read_trail(s, a.sku, a.limit, since_ms, &f);
  if (!records)
    return report(f);
  if (o.json)
    write_trail(a.sku, since_ms, *records);
  else
    print_trail(*records);
  return exit_ok;
}

int sku_set(session& s, const options& o, set_stock cmd) {
  return sku_write(s, o, std::move(cmd));
}

int sku_adjust(session& s, const options& o, adjust_stock cmd) {
  return sku_write(s, o, std::move(cmd));
}

} // namespace stockwire::ctl
