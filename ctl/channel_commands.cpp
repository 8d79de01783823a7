// lag, channels, channel resync: figures of every node, merged.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <unistd.h>

#include "ctl/commands.hpp"
#include "ctl/coverage.hpp"
#include "ctl/output.hpp"
#include "ctl/views.hpp"

namespace stockwire::ctl {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Cells of the resync progress bar.
constexpr std::size_t progress_bar_cells = 30;

void write_channel(json_writer& w, const channel_view& c, double pushes_per_s) {
  w.begin_object()
      .field("channel", c.channel)
      .field("kind", c.kind)
      .field("ok", health_of(c).empty())
      .key("health");
  string_array(w, health_of(c));
  w.field("breaker", c.breaker)
      .field("listings", c.listings)
      .field("backlog", c.backlog)
      .field("inflight", c.inflight)
      .field("parked_listings", c.parked_listings)
      .field("backing_off", c.backing_off)
      .key("pushes_per_s");
  number_or_null(w, pushes_per_s);
  w.field("acked", c.acked)
      .field("retried", c.retried)
      .field("parked", c.parked)
      .field("throttled", c.throttled)
      .field("requests", c.requests)
      .key("rate_available");
  number_or_null(w, c.rate_available);
  w.key("rate_max");
  number_or_null(w, c.rate_max);
  w.key("headroom");
  number_or_null(w, headroom_of(c));
  w.field("budget_share", c.budget_share).key("requests_per_s");
  number_or_null(w, c.requests_per_s);
  w.field("sync", c.sync).key("poll_interval_s");
  number_or_null(w, c.poll_interval_s > 0
                       ? static_cast<std::int64_t>(c.poll_interval_s)
                       : std::int64_t{-1}); // null in event mode
  w.field("cancellations_pending", c.cancellations_pending).key("last_error");
  text_or_null(w, c.last_error);
  w.end_object();
}

std::string health_text(const channel_view& c) {
  std::string out;
  for (auto& h : health_of(c))
    out += (out.empty() ? "" : ",") + h;
  return out.empty() ? "ok" : out;
}

std::string headroom_text(const channel_view& c) {
  auto h = headroom_of(c);
  if (h < 0)
    return "unlimited";
  return std::to_string(static_cast<int>(h * 100 + 0.5)) + "%";
}

double rate_of(const rates& r, const std::string& channel) {
  auto i = r.pushes_per_s.find(channel);
  return i == r.pushes_per_s.end() ? -1 : i->second;
}

// -- resync -------------------------------------------------------------------

struct resync_totals {
  std::uint64_t queued = 0;
  std::uint64_t cancellations_requeued = 0;
  std::vector<std::string> unknown; // named SKUs no answering node knows
};

resync_totals total_of(const resync_report& r) {
  resync_totals t;
  std::map<std::string, std::size_t> unknown_on;
  for (auto& n : r.results) {
    t.queued += n.result.queued;
    t.cancellations_requeued += n.result.cancellations_requeued;
    for (auto& sku : n.result.unknown)
      ++unknown_on[sku];
  }
  for (auto& [sku, n] : unknown_on)
    if (n == r.results.size())
      t.unknown.push_back(sku);
  return t;
}

// Pushes still owed (or on the wire), and listings parked, of what a
// resync queued.
struct resync_progress {
  std::uint64_t pending = 0;
  std::uint64_t parked = 0;
  bool in_flight = false; // requests still on the wire
};

// Named SKUs: each one's status on its owner. Every SKU: the channel's
// backlog on every node (which also counts changes made meanwhile).
std::optional<resync_progress> progress_of(session& s, const resync_args& a,
                                           const std::set<std::string>& skus,
                                           failure* f) {
  resync_progress p;
  if (!a.skus.empty()) {
    for (auto& sku : skus) {
      auto st = s.ask<listing_status>(get_listing_status{a.channel, sku}, f);
      if (!st)
        return std::nullopt;
      if (st->parked)
        ++p.parked;
      else if (st->pending || st->inflight)
        ++p.pending;
    }
    return p;
  }
  auto c = s.ask<cluster_report>(get_cluster_report{false}, f);
  if (!c)
    return std::nullopt;
  for (auto& v : merge_channels(c->reports))
    if (v.channel == a.channel) {
      p.pending = v.backlog;
      p.parked = v.parked_listings;
      p.in_flight = v.inflight > 0;
    }
  return p;
}

// Polls until nothing queued is pending or `wait_ms` passed; draws a
// progress bar on stderr when it is a terminal.
std::optional<resync_progress> watch(session& s, const resync_args& a,
                                     std::uint64_t queued,
                                     const std::set<std::string>& skus,
                                     failure* f) {
  bool bar = isatty(STDERR_FILENO) != 0;
  auto deadline = steady_clock::now() + milliseconds{a.wait_ms};
  while (true) {
    auto p = progress_of(s, a, skus, f);
    if (!p)
      return std::nullopt;
    auto left = std::min(queued, p->pending);
    if (bar)
      std::cerr << '\r'
                << progress_line(queued - left, queued, progress_bar_cells)
                << " pushed" << std::flush;
    if ((left == 0 && !p->in_flight) || steady_clock::now() >= deadline) {
      if (bar)
        std::cerr << '\n';
      return p;
    }
    std::this_thread::sleep_for(milliseconds{resync_poll_ms});
  }
}

} // namespace

int lag(session& s, const options& o, const std::string& channel) {
  failure f;
  auto c = s.ask<cluster_report>(get_cluster_report{false}, &f);
  if (!c)
    return report(f);
  auto views = merge_lag(c->reports);
  if (!channel.empty()) {
    views.erase(std::remove_if(views.begin(), views.end(),
                               [&](auto& v) { return v.channel != channel; }),
                views.end());
    if (views.empty())
      return report({exit_unknown_channel, "unknown channel " + channel});
  }
  if (o.json) {
    json_writer w;
    w.begin_object();
    write_coverage(w, c->members);
    w.key("channels").begin_array();
    for (auto& v : views) {
      w.begin_object().field("channel", v.channel).key("last_minute");
      write_lag_figures(w, v.last_minute);
      w.key("since_start");
      write_lag_figures(w, v.since_start);
      w.end_object();
    }
    w.end_array().end_object();
    std::cout << w.str() << '\n';
  } else {
    table rows{{"CHANNEL", "1M_N", "1M_P50", "1M_P90", "1M_P99", "1M_P999",
                "1M_MAX", "ALL_N", "ALL_P50", "ALL_P99", "ALL_MAX"}};
    for (auto& v : views) {
      std::vector<std::string> row{v.channel};
      for (auto& cell : lag_cells(v.last_minute))
        row.push_back(cell);
      for (auto& cell : lag_cells(v.since_start, true))
        row.push_back(cell);
      rows.push_back(std::move(row));
    }
    print_table(rows);
  }
  return coverage_exit(c->members);
}

int channels(session& s, const options& o, int sample_ms) {
  failure f;
  auto first = s.ask<cluster_report>(get_cluster_report{false}, &f);
  if (!first)
    return report(f);
  auto c = first;
  rates r;
  if (sample_ms > 0) {
    auto t0 = steady_clock::now();
    std::this_thread::sleep_for(milliseconds{sample_ms});
    c = s.ask<cluster_report>(get_cluster_report{false}, &f);
    if (!c)
      return report(f);
    std::chrono::duration<double> took = steady_clock::now() - t0;
    r = rates_between(first->reports, c->reports, took.count());
  }
  auto views = merge_channels(c->reports);
  if (o.json) {
    json_writer w;
    w.begin_object();
    write_coverage(w, c->members);
    w.field("sample_ms", sample_ms).key("channels").begin_array();
    for (auto& v : views)
      write_channel(w, v, rate_of(r, v.channel));
    w.end_array().end_object();
    std::cout << w.str() << '\n';
  } else {
    table rows{{"CHANNEL", "KIND", "HEALTH", "BACKLOG", "PUSHES/S", "HEADROOM",
                "LISTINGS", "PARKED", "INFLIGHT", "LAST_ERROR"}};
    for (auto& v : views)
      rows.push_back(
          {v.channel, v.kind, health_text(v), std::to_string(v.backlog),
           human_rate(rate_of(r, v.channel)), headroom_text(v),
           std::to_string(v.listings), std::to_string(v.parked_listings),
           std::to_string(v.inflight), or_dash(v.last_error)});
    print_table(rows);
  }
  return coverage_exit(c->members);
}

int channel_resync(session& s, const options& o, const resync_args& a) {
  failure f;
  auto rep = s.ask<resync_report>(resync_cluster{a.channel, a.skus}, &f);
  if (!rep)
    return report(f);
  auto t = total_of(*rep);
  std::set<std::string> known(a.skus.begin(), a.skus.end());
  for (auto& sku : t.unknown)
    known.erase(sku);
  auto t0 = steady_clock::now();
  resync_progress p;
  if (a.wait_ms > 0 && t.queued > 0) {
    auto watched = watch(s, a, t.queued, known, &f);
    if (!watched)
      return report(f);
    p = *watched;
  }
  auto waited =
      std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
  auto left = std::min(t.queued, p.pending);
  bool done = a.wait_ms > 0 && left == 0 && !p.in_flight;
  if (o.json) {
    json_writer w;
    w.begin_object().field("channel", a.channel);
    write_coverage(w, rep->members);
    w.field("queued", t.queued)
        .field("cancellations_requeued", t.cancellations_requeued)
        .key("unknown");
    string_array(w, t.unknown);
    w.field("waited_ms", static_cast<std::int64_t>(waited.count()))
        .field("pushed", t.queued - left)
        .field("pending", left)
        .field("parked", p.parked)
        .field("done", done)
        .end_object();
    std::cout << w.str() << '\n';
  } else {
    std::cout << a.channel << ": " << t.queued << " SKUs queued on "
              << answered(rep->members).size() << " of " << rep->members.size()
              << " nodes";
    if (a.wait_ms > 0)
      std::cout << "; " << t.queued - left << " pushed, " << left
                << " still pending, " << p.parked << " parked after "
                << human_us(static_cast<std::uint64_t>(waited.count()) * 1000);
    std::cout << '\n';
    if (t.cancellations_requeued > 0)
      std::cout << t.cancellations_requeued
                << " parked cancellations of oversold orders sent again\n";
    if (!t.unknown.empty()) {
      std::cout << "not listed on " << a.channel << ":";
      for (auto& u : t.unknown)
        std::cout << ' ' << u;
      std::cout << '\n';
    }
  }
  if (auto code = coverage_exit(rep->members); code != exit_ok)
    return code;
  if (!t.unknown.empty())
    return report({exit_unknown_channel,
                   std::to_string(t.unknown.size()) + " SKUs not listed on " +
                       a.channel + " (or unchanged since their node started)"});
  if (a.wait_ms > 0 && !done)
    return report({exit_unfinished, std::to_string(left) +
                                        " pushes still pending after " +
                                        std::to_string(a.wait_ms) + " ms"});
  return exit_ok;
}

} // namespace stockwire::ctl
