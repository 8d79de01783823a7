// C++20 with Boost 1.74 needs <utility> before any Asio header.
#include <utility>

#include "bench/http_driver.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace stockwire::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

// The same numbers as the core benchmark (core_driver.cpp).
constexpr std::int64_t sellout_orders = 20'000;
constexpr std::int64_t sellout_stock = 1'000;
constexpr std::int64_t ample_stock = 1'000'000'000;
constexpr std::size_t catalog_skus_default = 10'000;
// Largest reply the driver reads (a batch reply of 1000 orders is ~150 KiB).
constexpr std::uint64_t reply_bytes_max = 64 << 20;

struct endpoint_spec {
  std::string host;
  std::string port;
};

bool parse_target(const std::string& target, endpoint_spec* out) {
  const std::string scheme = "http://";
  if (target.compare(0, scheme.size(), scheme) != 0)
    return false;
  auto rest = target.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos)
    rest.resize(slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
    return false;
  out->host = rest.substr(0, colon);
  out->port = rest.substr(colon + 1);
  if (out->host.size() > 2 && out->host.front() == '[')
    out->host = out->host.substr(1, out->host.size() - 2);
  return true;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A run-unique prefix for SKUs and ids, e.g. "r18c2f3a1b7-".
std::string run_prefix() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "r%llx%04x-",
                static_cast<unsigned long long>(ms), rd() & 0xffff);
  return buf;
}

// Counts the occurrences of `needle` in `text`.
std::uint64_t count_of(const std::string& text, const char* needle) {
  std::uint64_t n = 0;
  auto len = std::char_traits<char>::length(needle);
  for (auto pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + len))
    ++n;
  return n;
}

// The number after the last `"name":` in `text` (batch replies end with
// their tallies), or 0.
std::uint64_t tally_of(const std::string& text, const std::string& name) {
  auto key = "\"" + name + "\":";
  auto pos = text.rfind(key);
  if (pos == std::string::npos)
    return 0;
  return std::strtoull(text.c_str() + pos + key.size(), nullptr, 10);
}

// The target node's write path as its GET /metrics counts it (sums and
// counts of the journal's and the applier's histograms, since its start).
struct write_path_reading {
  bool ok = false;
  double ops = 0;      // operations in group commits
  double commits = 0;  // group commits (one log sync each)
  double commit_s = 0; // their durations, summed
  double applies = 0;  // the applier's commits to LMDB (log on)
  double apply_s = 0;  // their durations, summed
};

// The value of the unlabelled series `name` in Prometheus text, or 0.
double series_value(const std::string& text, const std::string& name) {
  auto key = "\n" + name + " ";
  auto pos = text.find(key);
  if (pos == std::string::npos)
    return 0;
  return std::strtod(text.c_str() + pos + key.size(), nullptr);
}

// Reads the write path's counters with one blocking GET /metrics (between
// the phases of a run, when no connection is busy). Not ok when the node
// does not answer 200.
write_path_reading read_write_path(asio::io_context& io,
                                   const tcp::resolver::results_type& at) {
  write_path_reading r;
  beast::error_code ec;
  tcp::socket socket{io};
  asio::connect(socket, at, ec);
  if (ec)
    return r;
  http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "stockbench");
  http::write(socket, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec)
    http::read(socket, buffer, res, ec);
  if (ec || res.result_int() != 200)
    return r;
  const auto& text = res.body();
  r.ok = true;
  r.ops = series_value(text, "stockwire_journal_batch_operations_sum");
  r.commits = series_value(text, "stockwire_journal_commit_seconds_count");
  r.commit_s = series_value(text, "stockwire_journal_commit_seconds_sum");
  r.applies = series_value(text, "stockwire_store_apply_seconds_count");
  r.apply_s = series_value(text, "stockwire_store_apply_seconds_sum");
  return r;
}

// Reports what the load did to the node's write path: operations per group
// commit (records_per_commit), the mean commit, the applier's commits.
void report_write_path(const write_path_reading& before,
                       const write_path_reading& after, scenario_result* r) {
  if (!before.ok || !after.ok || after.commits <= before.commits)
    return;
  auto commits = after.commits - before.commits;
  r->commit_batches = static_cast<std::uint64_t>(commits);
  r->committed_records = static_cast<std::uint64_t>(after.ops - before.ops);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f",
                (after.commit_s - before.commit_s) * 1000 / commits);
  r->extra.emplace_back("commit_ms_avg", buf);
  auto applies = after.applies - before.applies;
  r->extra.emplace_back("store_applies",
                        std::to_string(static_cast<std::uint64_t>(applies)));
  if (applies > 0) {
    std::snprintf(buf, sizeof(buf), "%.3f",
                  (after.apply_s - before.apply_s) * 1000 / applies);
    r->extra.emplace_back("store_apply_ms_avg", buf);
  }
}

// Everything the connections of one run share (one thread: no locks).
struct run_state {
  http_options opts;
  endpoint_spec where;
  tcp::resolver::results_type endpoints;
  std::string prefix;
  std::string auth_header;
  // Seeding.
  std::vector<std::string> seed_skus;
  std::size_t next_seed = 0;
  std::int64_t seed_stock = ample_stock;
  // Load.
  bool loading = false;
  steady::time_point deadline;
  std::int64_t orders_left = -1; // sellout only
  std::uint64_t next_id = 0;
  std::size_t skus = 1;
  // Results.
  std::string fatal;
  scenario_result result;
  std::uint64_t requests = 0;
  steady::time_point last_reply;

  std::string sku(std::size_t i) const {
    if (opts.scenario == "hot")
      return prefix + "HOT-1";
    if (opts.scenario == "sellout")
      return prefix + "SELLOUT-1";
    return prefix + "C-" + std::to_string(i);
  }

  std::string order_id() {
    char buf[32];
    auto n = next_id++;
    if (opts.random_ids)
      std::snprintf(buf, sizeof(buf), "R%016llx",
                    static_cast<unsigned long long>(splitmix64(n)));
    else
      std::snprintf(buf, sizeof(buf), "B%012llu",
                    static_cast<unsigned long long>(n));
    return prefix + buf;
  }
};

class client : public std::enable_shared_from_this<client> {
public:
  client(asio::io_context& io, run_state& run, int id)
      : run_(run), socket_(io),
        rng_(splitmix64(static_cast<std::uint64_t>(id))) {
    // nothing
  }

  void start() {
    asio::async_connect(
        socket_, run_.endpoints,
        [self = shared_from_this()](beast::error_code ec,
                                    const tcp::endpoint&) {
          if (ec) {
            self->run_.fatal = "cannot connect to " + self->run_.opts.target +
                               ": " + ec.message();
            return;
          }
          beast::error_code ignored;
          self->socket_.set_option(tcp::no_delay{true}, ignored);
          self->next();
        });
  }

  // Starts the load phase on a connection the seed phase left idle.
  void resume() { next(); }

private:
  // Issues the next request of the current phase, or goes quiet.
  void next() {
    if (!run_.fatal.empty())
      return;
    if (!run_.loading) {
      if (run_.next_seed >= run_.seed_skus.size())
        return;
      auto& sku = run_.seed_skus[run_.next_seed++];
      seeding_ = true;
      lines_ = 0;
      auto body = "{\"on_hand\":" + std::to_string(run_.seed_stock) +
                  ",\"idempotency_key\":\"" + run_.prefix + "seed-" + sku +
                  "\"}";
      return send("PUT", "/v1/stock/" + sku, body);
    }
    seeding_ = false;
    if (!retry_body_.empty()) {
      // The retry scenario sends every order twice; the second must replay.
      auto body = std::move(retry_body_);
      retry_body_.clear();
      return send("POST", path_, body);
    }
    int k = std::max(1, run_.opts.batch);
    if (run_.orders_left >= 0) {
      k = static_cast<int>(std::min<std::int64_t>(k, run_.orders_left));
      run_.orders_left -= k;
      if (k == 0)
        return;
    } else if (steady::now() >= run_.deadline) {
      return;
    }
    lines_ = k;
    std::string body;
    bool batch = run_.opts.batch > 1;
    if (batch)
      body.push_back('[');
    for (int i = 0; i < k; ++i) {
      if (i > 0)
        body.push_back(',');
      std::size_t index = 0;
      if (run_.opts.scenario == "catalog")
        index = (rng_ = splitmix64(rng_)) % run_.skus;
      body += "{\"order_id\":\"" + run_.order_id() +
              "\",\"channel\":\"bench\",\"lines\":[{\"sku\":\"" +
              run_.sku(index) + "\",\"qty\":1}]}";
    }
    if (batch)
      body.push_back(']');
    path_ = batch ? "/v1/orders:batch" : "/v1/orders";
    if (run_.opts.scenario == "retry")
      retry_body_ = body;
    send("POST", path_, body);
  }

  void send(const char* method, const std::string& path,
            const std::string& body) {
    request_.clear();
    request_.append(method).append(" ").append(path).append(
        " HTTP/1.1\r\nHost: ");
    request_.append(run_.where.host)
        .append("\r\nContent-Type: application/json\r\nContent-Length: ");
    request_.append(std::to_string(body.size())).append("\r\n");
    request_.append(run_.auth_header).append("\r\n").append(body);
    sent_at_ = steady::now();
    asio::async_write(
        socket_, asio::buffer(request_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec)
            return self->broken(ec);
          self->read();
        });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(reply_bytes_max);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec)
            return self->broken(ec);
          self->on_reply();
        });
  }

  void on_reply() {
    auto& res = parser_->get();
    auto& r = run_.result;
    if (seeding_) {
      if (res.result_int() != 200)
        run_.fatal = "seeding failed: HTTP " +
                     std::to_string(res.result_int()) + " " + res.body();
      return next();
    }
    auto now = steady::now();
    run_.last_reply = now;
    ++run_.requests;
    r.latencies_us.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_)
            .count()));
    auto& body = res.body();
    if (res.result_int() != 200) {
      r.errors += static_cast<std::uint64_t>(lines_);
    } else if (run_.opts.batch > 1) {
      r.accepted += tally_of(body, "accepted");
      r.rejected += tally_of(body, "rejected");
      r.replayed += tally_of(body, "replayed");
      r.errors += tally_of(body, "errors");
    } else {
      // Our own server's compact replies: scanning is enough, and far
      // cheaper than parsing on a machine the server shares.
      r.accepted += count_of(body, "\"status\":\"accepted\"");
      r.rejected += count_of(body, "\"status\":\"rejected\"");
      r.replayed += count_of(body, "\"replayed\":true");
      r.errors += count_of(body, "\"status\":\"error\"");
    }
    if (!res.keep_alive())
      return reconnect();
    next();
  }

  // A failed exchange: its orders count as errors; reconnect and go on.
  void broken(beast::error_code ec) {
    if (seeding_) {
      run_.fatal = "seeding failed: " + ec.message();
      return;
    }
    run_.result.errors += static_cast<std::uint64_t>(lines_);
    retry_body_.clear();
    reconnect();
  }

  void reconnect() {
    beast::error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
    if (!run_.loading || ++reconnects_ > reconnects_max)
      return;
    start();
  }

  static constexpr int reconnects_max = 100;

  run_state& run_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string request_;
  std::string path_;
  std::string retry_body_;
  bool seeding_ = false;
  int lines_ = 0;
  int reconnects_ = 0;
  std::uint64_t rng_;
  steady::time_point sent_at_;
};

} // namespace

scenario_result run_http(const http_options& opts) {
  run_state run;
  run.opts = opts;
  run.result.scenario = opts.scenario;
  run.result.mode = "http";
  auto fail = [&](const std::string& why) {
    std::string quoted;
    for (char c : why)
      if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20)
        quoted.push_back(c);
    run.result.extra.emplace_back("error", "\"" + quoted + "\"");
    return run.result;
  };
  if (!parse_target(opts.target, &run.where))
    return fail("--target must look like http://HOST:PORT");
  asio::io_context io{1};
  tcp::resolver resolver{io};
  beast::error_code ec;
  run.endpoints = resolver.resolve(run.where.host, run.where.port, ec);
  if (ec)
    return fail("cannot resolve " + run.where.host + ": " + ec.message());
  run.prefix = run_prefix();
  if (!opts.token.empty())
    run.auth_header = "Authorization: Bearer " + opts.token + "\r\n";
  bool catalog = opts.scenario == "catalog";
  run.skus = catalog ? (opts.skus != 0 ? opts.skus : catalog_skus_default) : 1;
  for (std::size_t i = 0; i < run.skus; ++i)
    run.seed_skus.push_back(run.sku(i));
  if (opts.scenario == "sellout")
    run.seed_stock = sellout_stock;

  // Phase 1: seed through the API; io.run() returns when every client is
  // idle (no operation pending).
  std::vector<std::shared_ptr<client>> clients;
  for (int i = 0; i < std::max(1, opts.connections); ++i) {
    clients.push_back(std::make_shared<client>(io, run, i));
    clients.back()->start();
  }
  io.run();
  if (!run.fatal.empty())
    return fail(run.fatal);

  // Phase 2: load, between two readings of the node's write path.
  auto before = read_write_path(io, run.endpoints);
  run.loading = true;
  if (opts.scenario == "sellout")
    run.orders_left = sellout_orders;
  auto start = steady::now();
  run.deadline = start + std::chrono::duration_cast<steady::duration>(
                             std::chrono::duration<double>(opts.duration_s));
  run.last_reply = start;
  for (auto& c : clients)
    asio::post(io, [c] { c->resume(); });
  io.restart();
  io.run();
  if (!run.fatal.empty())
    return fail(run.fatal);
  auto& r = run.result;
  report_write_path(before, read_write_path(io, run.endpoints), &r);
  r.seconds = std::chrono::duration<double>(run.last_reply - start).count();
  r.orders = r.accepted + r.rejected;
  r.rss_kb = rss_kb();
  r.peak_rss_kb = peak_rss_kb();
  r.extra.emplace_back("connections", std::to_string(opts.connections));
  r.extra.emplace_back("batch", std::to_string(std::max(1, opts.batch)));
  r.extra.emplace_back("requests", std::to_string(run.requests));
  r.extra.emplace_back("run_prefix", "\"" + run.prefix + "\"");
  return r;
}

} // namespace stockwire::bench
