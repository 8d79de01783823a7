// top: a live view of the cluster, refreshed every --interval-ms.
#include <chrono>
#include <iostream>
#include <thread>

#include <unistd.h>

#include "ctl/commands.hpp"
#include "ctl/coverage.hpp"
#include "ctl/output.hpp"
#include "ctl/since.hpp"
#include "ctl/views.hpp"

namespace stockwire::ctl {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Cursor home, then clear the screen: each frame replaces the last.
constexpr const char* ansi_clear = "\x1b[H\x1b[2J";
constexpr const char* ansi_bold = "\x1b[1m";
constexpr const char* ansi_reset = "\x1b[0m";

// What one refresh shows.
struct frame {
  int iteration = 0;
  std::int64_t at_ms = 0;
  cluster_report report;
  rates r; // since the previous frame
  std::vector<lag_view> lag;
  std::vector<channel_view> channels;
};

const lag_view* lag_of(const frame& fr, const std::string& channel) {
  for (auto& l : fr.lag)
    if (l.channel == channel)
      return &l;
  return nullptr;
}

void write_frame(const frame& fr) {
  json_writer w;
  w.begin_object().field("iteration", fr.iteration).field("at_ms", fr.at_ms);
  write_coverage(w, fr.report.members);
  w.key("orders_per_s");
  number_or_null(w, fr.r.orders_per_s);
  w.key("rejected_per_s");
  number_or_null(w, fr.r.rejected_per_s);
  w.key("channels").begin_array();
  for (auto& c : fr.channels) {
    auto i = fr.r.pushes_per_s.find(c.channel);
    w.begin_object()
        .field("channel", c.channel)
        .field("backlog", c.backlog)
        .key("pushes_per_s");
    number_or_null(w, i == fr.r.pushes_per_s.end() ? -1.0 : i->second);
    w.key("health");
    string_array(w, health_of(c));
    lag_figures none;
    auto* l = lag_of(fr, c.channel);
    auto& m = l ? l->last_minute : none;
    w.key("lag_last_minute");
    write_lag_figures(w, m);
    w.end_object();
  }
  w.end_array().end_object();
  std::cout << w.str() << '\n' << std::flush;
}

void print_frame(const frame& fr, const top_args& a, bool tty) {
  auto& members = fr.report.members;
  auto gone = missing(members);
  if (!tty && fr.iteration > 1)
    std::cout << '\n'; // frames one after the other, apart
  std::cout << (tty ? ansi_clear : "") << (tty ? ansi_bold : "")
            << "stockwire top" << (tty ? ansi_reset : "") << "  "
            << human_time_ms(fr.at_ms) << "  every "
            << human_us(static_cast<std::uint64_t>(a.interval_ms) * 1000)
            << "  nodes " << members.size() - gone.size() << "/"
            << members.size();
  for (auto& id : gone)
    std::cout << "  " << id << " UNREACHABLE";
  auto t = sum_totals(fr.report.reports);
  std::cout << "\norders/s " << human_rate(fr.r.orders_per_s) << " accepted, "
            << human_rate(fr.r.rejected_per_s) << " rejected   backlog "
            << t.backlog << "   (sync lag: last minute)\n\n";
  table rows{{"CHANNEL", "BACKLOG", "PUSHES/S", "HEALTH", "N", "P50", "P90",
              "P99", "P999", "MAX"}};
  for (auto& c : fr.channels) {
    auto i = fr.r.pushes_per_s.find(c.channel);
    auto h = health_of(c);
    lag_figures none;
    auto* l = lag_of(fr, c.channel);
    auto& m = l ? l->last_minute : none;
    std::vector<std::string> row{
        c.channel, std::to_string(c.backlog),
        human_rate(i == fr.r.pushes_per_s.end() ? -1 : i->second),
        h.empty() ? "ok" : h.front()};
    for (auto& cell : lag_cells(m))
      row.push_back(cell);
    rows.push_back(std::move(row));
  }
  print_table(rows);
  std::cout << std::flush;
}

} // namespace

int top(session& s, const options& o, const top_args& a) {
  bool tty = isatty(STDOUT_FILENO) != 0;
  std::optional<cluster_report> previous;
  auto previous_at = steady_clock::now();
  for (int i = 1; a.iterations == 0 || i <= a.iterations; ++i) {
    if (i > 1)
      std::this_thread::sleep_for(milliseconds{a.interval_ms});
    failure f;
    auto c = s.ask<cluster_report>(get_cluster_report{false}, &f);
    if (!c)
      return report(f);
    auto now = steady_clock::now();
    frame fr;
    fr.iteration = i;
    fr.at_ms = wall_ms();
    if (previous) {
      std::chrono::duration<double> dt = now - previous_at;
      fr.r = rates_between(previous->reports, c->reports, dt.count());
    }
    fr.lag = merge_lag(c->reports);
    fr.channels = merge_channels(c->reports);
    fr.report = std::move(*c);
    if (o.json)
      write_frame(fr);
    else
      print_frame(fr, a, tty);
    previous = fr.report;
    previous_at = now;
  }
  return exit_ok;
}

} // namespace stockwire::ctl
