// stockctl's commands (docs/STOCKCTL.md), one function each, grouped by
// file: sku_commands.cpp, order_commands.cpp, cluster_commands.cpp,
// channel_commands.cpp, top.cpp. Each prints its result on stdout (a table,
// or one JSON document with --json) and returns the exit code; a failure
// is one line on stderr (connection.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "ctl/connection.hpp"

namespace stockwire::ctl {

// Audit records shown unless --limit says otherwise.
constexpr std::uint32_t audit_limit_default = 20;

// `channels` samples the counters twice this far apart for pushes/s.
constexpr int channels_sample_ms_default = 1000;

// How long `channel resync` watches the pushes it asked for, and how often
// it looks.
constexpr int resync_wait_ms_default = 30'000;
constexpr int resync_poll_ms = 250;

// `top`: time between refreshes.
constexpr int top_interval_ms_default = 1000;

struct options {
  bool json = false;
};

int sku_get(session& s, const options& o, const std::vector<std::string>& skus);

struct audit_args {
  std::string sku;
  std::uint32_t limit = audit_limit_default;
  std::string since; // empty: no bound
};

int sku_audit(session& s, const options& o, const audit_args& a);

/// sku set / sku adjust, with the idempotency key generated when empty.
int sku_set(session& s, const options& o, set_stock cmd);
int sku_adjust(session& s, const options& o, adjust_stock cmd);

int order_get(session& s, const options& o, const std::string& order_id);

int cluster_status(session& s, const options& o);
int cluster_owner(session& s, const options& o, const std::string& sku);

int lag(session& s, const options& o, const std::string& channel);
int channels(session& s, const options& o, int sample_ms);

struct resync_args {
  std::string channel;
  std::vector<std::string> skus; // empty: every SKU
  int wait_ms = resync_wait_ms_default;
};

int channel_resync(session& s, const options& o, const resync_args& a);

struct top_args {
  int interval_ms = top_interval_ms_default;
  int iterations = 0; // 0: until interrupted
};

int top(session& s, const options& o, const top_args& a);

} // namespace stockwire::ctl
