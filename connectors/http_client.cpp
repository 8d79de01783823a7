// C++20 with Boost 1.74 needs <utility> before any Asio header.
#include <utility>

// The HTTP client (contract in the header). Everything below the public
// functions runs on the client's one io thread, so pools and connections
// need no locks; the only state shared with callers' threads is `stopped`,
// under `mutex`, which orders every send()'s post before stop()'s.
//
// A connection walks: resolve -> connect -> (TLS handshake) -> [write ->
// read]* and then goes back idle or is closed. Every step's handler first
// checks `closed_`: abort() (connect timeout, stop) delivers the failure
// itself and the late handler only finds nothing left to do.
#include "connectors/http_client.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace stockwire {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr char user_agent[] = "stockwire/0.1";

// Beast's default (8 KiB) is tight for APIs that send rate-limit, tracing
// and cookie headers; a header block past this is a broken server.
constexpr std::uint32_t response_header_bytes_max = 64u << 10;

constexpr std::uint16_t http_port_default = 80;
constexpr std::uint16_t https_port_default = 443;
constexpr int http_version_11 = 11;

// The methods the channel APIs use; anything else is a bug in the caller.
constexpr std::array<http::verb, 5> methods_allowed = {
    http::verb::get, http::verb::post, http::verb::put, http::verb::patch,
    http::verb::delete_};

constexpr std::string_view stopped_reason = "client stopped";

struct endpoint_key {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;

  friend bool operator<(const endpoint_key& x, const endpoint_key& y) {
    return std::tie(x.scheme, x.host, x.port) <
           std::tie(y.scheme, y.host, y.port);
  }
};

bool is_ipv6_literal(const std::string& host) {
  return host.find(':') != std::string::npos;
}

// "host:port", "[::1]:port": how errors name an endpoint.
std::string endpoint_name(const endpoint_key& key) {
  auto host = is_ipv6_literal(key.host) ? "[" + key.host + "]" : key.host;
  return host + ":" + std::to_string(key.port);
}

// One request from send() to its callback.
struct job {
  http::request<http::string_body> msg;
  std::function<void(http_result)> done;
  steady::time_point started;
  bool retried = false;
};

void deliver(job& j, http_result r) {
  r.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(
      steady::now() - j.started);
  auto done = std::move(j.done);
  if (done)
    done(std::move(r));
}

std::string timeout_reason(std::chrono::milliseconds limit) {
  return "timeout after " + std::to_string(limit.count()) + " ms";
}

http_result failure(std::string_view stage, const std::string& name,
                    std::string_view reason) {
  http_result r;
  r.error.append(stage).append(" ").append(name).append(": ").append(reason);
  return r;
}

class connection;

// The connections and waiting requests of one endpoint. At most
// connections_per_endpoint connections are live (busy or idle).
struct pool {
  endpoint_key key;
  std::string name;
  std::unordered_set<std::shared_ptr<connection>> live;
  std::vector<std::shared_ptr<connection>> idle; // most recently used last
  std::deque<job> waiting;
};

} // namespace

struct http_client::impl {
  explicit impl(http_client_options o);

  void enqueue(const endpoint_key& key, job j, const std::string& error);
  void dispatch(pool& p);
  void start_fresh(pool& p, job j);
  // A connection has finished its job: back to idle when `keep`, else gone.
  void release(pool& p, const std::shared_ptr<connection>& c, bool keep);
  // A reused connection failed before the response began: again, once.
  void retry(pool& p, const std::shared_ptr<connection>& c, job j);
  void shutdown();

  const http_client_options opts;
  asio::io_context io{1};
  ssl::context tls{ssl::context::tls_client};
  std::map<endpoint_key, std::unique_ptr<pool>> pools; // io thread only
  bool stopping = false;                               // io thread only
  asio::executor_work_guard<asio::io_context::executor_type> work;

  std::mutex mutex;
  bool stopped = false; // guarded by mutex: no post after stop()'s
  std::mutex join_mutex;
  std::thread thread;
};

namespace {

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(http_client::impl& client, pool& p)
      : client_(client), pool_(p), resolver_(client.io),
        connect_timer_(client.io) {
    if (p.key.scheme == "https")
      tls_.emplace(client.io, client.tls);
    else
      plain_.emplace(client.io);
  }

  /// Sends `j`: at once on a connection that has answered before,
  /// after connecting on a new one.
  void start(job j) {
    job_ = std::move(j);
    if (served_)
      write();
    else
      connect();
  }

  /// Closes the connection and fails the job it holds, if any. The job's
  /// message stays here: a cancelled write may still refer to it until its
  /// handler has run.
  void abort(std::string_view stage, std::string_view reason) {
    if (closed_)
      return;
    auto self = shared_from_this();
    close();
    if (!job_)
      return;
    client_.release(pool_, self, false);
    deliver(*job_, failure(stage, pool_.name, reason));
  }

private:
  beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }

  template <class F>
  void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  job take_job() {
    auto j = std::move(*job_);
    job_.reset();
    return j;
  }

  void close() {
    closed_ = true;
    connecting_ = false;
    connect_timer_.cancel();
    resolver_.cancel();
    tcp().close();
  }

  void connect() {
    connecting_ = true;
    connect_timer_.expires_after(client_.opts.connect_timeout);
    connect_timer_.async_wait(
        [self = shared_from_this()](beast::error_code ec) {
          if (!ec && self->connecting_)
            self->abort("connect",
                        timeout_reason(self->client_.opts.connect_timeout));
        });
    resolver_.async_resolve(
        pool_.key.host, std::to_string(pool_.key.port),
        [self = shared_from_this()](beast::error_code ec,
                                    tcp::resolver::results_type results) {
          self->on_resolved(ec, results);
        });
  }

  void on_resolved(beast::error_code ec,
                   const tcp::resolver::results_type& results) {
    if (closed_)
      return;
    if (ec)
      return fail("resolve", ec);
    tcp().async_connect(results, [self = shared_from_this()](
                                     beast::error_code ec, tcp::endpoint) {
      self->on_connected(ec);
    });
  }

  void on_connected(beast::error_code ec) {
    if (closed_)
      return;
    if (ec)
      return fail("connect", ec);
    if (!tls_)
      return on_ready();
    const auto& host = pool_.key.host;
    beast::error_code not_an_address;
    asio::ip::make_address(host, not_an_address);
    if (not_an_address) { // SNI carries host names only
      if (!SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str())) {
        auto code = static_cast<int>(::ERR_get_error());
        return fail("handshake", {code, asio::error::get_ssl_category()});
      }
    }
    if (client_.opts.verify_peer) {
      tls_->set_verify_mode(ssl::verify_peer, ec);
      if (!ec)
        tls_->set_verify_callback(ssl::host_name_verification(host), ec);
      if (ec)
        return fail("handshake", ec);
    }
    tls_->async_handshake(ssl::stream_base::client,
                          [self = shared_from_this()](beast::error_code ec) {
                            if (self->closed_)
                              return;
                            if (ec)
                              return self->fail("handshake", ec);
                            self->on_ready();
                          });
  }

  void on_ready() {
    connecting_ = false;
    connect_timer_.cancel();
    write();
  }

  void write() {
    parser_.emplace();
    parser_->header_limit(response_header_bytes_max);
    parser_->body_limit(client_.opts.response_body_bytes_max);
    tcp().expires_after(client_.opts.request_timeout);
    with_stream([this](auto& stream) {
      http::async_write(
          stream, job_->msg,
          [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (self->closed_)
              return;
            if (ec)
              return self->fail("write", ec);
            self->read();
          });
    });
  }

  // The header first, then the body: Beast 1.74 loses the body_limit error
  // when one read brings the header and more (boostorg/beast#2201, fixed in
  // 1.76), and would then reserve whatever Content-Length says.
  void read() {
    with_stream([this](auto& stream) {
      http::async_read_header(
          stream, buffer_, *parser_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (self->closed_)
              return;
            if (ec)
              return self->fail("read", ec);
            self->read_body();
          });
    });
  }

  void read_body() {
    with_stream([this](auto& stream) {
      http::async_read(
          stream, buffer_, *parser_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_read(ec);
          });
    });
  }

  void on_read(beast::error_code ec) {
    if (closed_)
      return;
    if (ec)
      return fail("read", ec);
    auto& msg = parser_->get();
    http_result r;
    r.ok = true;
    r.response.status = msg.result_int();
    for (const auto& field : msg)
      r.response.headers.emplace_back(std::string(field.name_string()),
                                      std::string(field.value()));
    r.response.body = std::move(msg.body());
    bool keep = msg.keep_alive() && !parser_->need_eof();
    served_ = true;
    if (!keep)
      close();
    auto j = take_job();
    client_.release(pool_, shared_from_this(), keep);
    deliver(j, std::move(r));
  }

  // Whether `ec` at `stage` says the server had closed this connection
  // while it sat idle, before it could have seen the request.
  bool closed_while_idle(std::string_view stage, beast::error_code ec) const {
    if (ec == beast::error::timeout)
      return false;
    if (stage == "write")
      return true;
    return !parser_->got_some() &&
           (ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset ||
            ec == asio::error::connection_aborted ||
            ec == asio::error::broken_pipe ||
            ec == ssl::error::stream_truncated);
  }

  void fail(std::string_view stage, beast::error_code ec) {
    bool again = served_ && !job_->retried && closed_while_idle(stage, ec);
    close();
    auto j = take_job();
    auto self = shared_from_this();
    if (again)
      return client_.retry(pool_, self, std::move(j));
    std::string reason = ec.message();
    if (ec == beast::error::timeout)
      reason = timeout_reason(client_.opts.request_timeout);
    else if (ec == http::error::body_limit)
      reason = "response body too large";
    client_.release(pool_, self, false);
    deliver(j, failure(stage, pool_.name, reason));
  }

  http_client::impl& client_;
  pool& pool_;
  tcp::resolver resolver_;
  asio::steady_timer connect_timer_; // resolve + connect + handshake
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::optional<job> job_;
  bool connecting_ = false;
  bool served_ = false; // has answered a request: a failure may mean the
                        // server closed it while idle
  bool closed_ = false;
};

} // namespace

http_client::impl::impl(http_client_options o)
    : opts(std::move(o)), work(asio::make_work_guard(io)) {
  beast::error_code ec;
  tls.set_default_verify_paths(ec); // a failure shows up as failed handshakes
  thread = std::thread([this] { io.run(); });
}

void http_client::impl::enqueue(const endpoint_key& key, job j,
                                const std::string& error) {
  auto name = endpoint_name(key);
  if (stopping)
    return deliver(j, failure("send", name, stopped_reason));
  if (!error.empty())
    return deliver(j, failure("send", name, error));
  auto& slot = pools[key];
  if (!slot) {
    slot = std::make_unique<pool>();
    slot->key = key;
    slot->name = std::move(name);
  }
  auto& p = *slot;
  if (p.waiting.size() >= opts.queue_max)
    return deliver(j, failure("send", p.name,
                              "queue full (" + std::to_string(opts.queue_max) +
                                  " waiting)"));
  p.waiting.push_back(std::move(j));
  dispatch(p);
}

void http_client::impl::dispatch(pool& p) {
  while (!p.waiting.empty()) {
    if (!p.idle.empty()) {
      auto c = std::move(p.idle.back());
      p.idle.pop_back();
      c->start(std::move(p.waiting.front()));
    } else if (p.live.size() < opts.connections_per_endpoint) {
      start_fresh(p, std::move(p.waiting.front()));
    } else {
      return;
    }
    p.waiting.pop_front();
  }
}

void http_client::impl::start_fresh(pool& p, job j) {
  auto c = std::make_shared<connection>(*this, p);
  p.live.insert(c);
  c->start(std::move(j));
}

void http_client::impl::release(pool& p, const std::shared_ptr<connection>& c,
                                bool keep) {
  if (keep && !stopping) {
    p.idle.push_back(c);
    return dispatch(p);
  }
  p.live.erase(c);
  if (!stopping)
    dispatch(p);
}

void http_client::impl::retry(pool& p, const std::shared_ptr<connection>& c,
                              job j) {
  p.live.erase(c);
  j.retried = true;
  start_fresh(p, std::move(j));
}

void http_client::impl::shutdown() {
  if (stopping)
    return;
  stopping = true;
  for (auto& [key, p] : pools) {
    auto waiting = std::move(p->waiting);
    p->waiting.clear();
    for (auto& j : waiting)
      deliver(j, failure("send", p->name, stopped_reason));
    auto live = p->live; // abort() releases, which erases from p->live
    for (auto& c : live)
      c->abort("send", stopped_reason);
    p->idle.clear();
    p->live.clear();
  }
  work.reset(); // run() returns once the aborted handlers have drained
}

namespace {

// Fills `msg` from `req`; an empty string, or why it cannot be sent.
std::string fill_message(const endpoint_key& key, http_request& req,
                         http::request<http::string_body>& msg) {
  if (key.scheme != "http" && key.scheme != "https")
    return "unsupported scheme \"" + key.scheme + "\"";
  auto verb = http::string_to_verb(req.method);
  if (std::find(methods_allowed.begin(), methods_allowed.end(), verb) ==
      methods_allowed.end())
    return "unsupported method \"" + req.method + "\"";
  msg.method(verb);
  msg.target(req.target.empty() ? "/" : req.target);
  msg.version(http_version_11);
  auto port_default =
      key.scheme == "https" ? https_port_default : http_port_default;
  auto host = is_ipv6_literal(key.host) ? "[" + key.host + "]" : key.host;
  if (key.port != port_default)
    host += ":" + std::to_string(key.port);
  msg.set(http::field::host, host);
  msg.set(http::field::user_agent, user_agent);
  for (auto& [name, value] : req.headers) {
    auto field = http::string_to_field(name);
    if (field == http::field::content_length)
      continue; // ours, from the body
    if (field == http::field::host || field == http::field::user_agent)
      msg.set(field, value);
    else
      msg.insert(name, value);
  }
  msg.body() = std::move(req.body);
  msg.prepare_payload();
  return {};
}

// fill_message(), or why it cannot be sent: Beast throws std::length_error
// for a header line or target past 64 KiB.
std::string build_message(const endpoint_key& key, http_request& req,
                          http::request<http::string_body>& msg) {
  try {
    return fill_message(key, req, msg);
  } catch (const std::length_error& e) {
    return std::string("request not sendable: ") + e.what();
  }
}

endpoint_key target_of(const channel_account& endpoint,
                       const http_request& req) {
  endpoint_key key;
  key.scheme = req.scheme.empty() ? endpoint.scheme : req.scheme;
  key.host = req.host.empty() ? endpoint.host : req.host;
  if (key.host.size() > 2 && key.host.front() == '[' && key.host.back() == ']')
    key.host = key.host.substr(1, key.host.size() - 2);
  key.port = req.port != 0 ? req.port : endpoint.port;
  if (key.port == 0)
    key.port = key.scheme == "https" ? https_port_default : http_port_default;
  return key;
}

} // namespace

http_client::http_client(http_client_options opts)
    : impl_(std::make_unique<impl>(std::move(opts))) {
  // nothing
}

http_client::~http_client() {
  assert(std::this_thread::get_id() != impl_->thread.get_id());
  stop();
}

void http_client::send(const channel_account& endpoint, http_request req,
                       std::function<void(http_result)> done) {
  job j;
  j.started = steady::now();
  j.done = std::move(done);
  auto key = target_of(endpoint, req);
  auto error = build_message(key, req, j.msg);
  std::unique_lock<std::mutex> guard{impl_->mutex};
  if (impl_->stopped) {
    guard.unlock();
    return deliver(j, failure("send", endpoint_name(key), stopped_reason));
  }
  asio::post(impl_->io, [client = impl_.get(), key = std::move(key),
                         j = std::move(j), error = std::move(error)]() mutable {
    client->enqueue(key, std::move(j), error);
  });
}

void http_client::stop() {
  {
    std::lock_guard<std::mutex> guard{impl_->mutex};
    if (!impl_->stopped) {
      impl_->stopped = true;
      asio::post(impl_->io, [client = impl_.get()] { client->shutdown(); });
    }
  }
  if (std::this_thread::get_id() == impl_->thread.get_id())
    return; // from a callback: shutdown() runs once it returns
  std::lock_guard<std::mutex> guard{impl_->join_mutex};
  if (impl_->thread.joinable())
    impl_->thread.join();
}

} // namespace stockwire
