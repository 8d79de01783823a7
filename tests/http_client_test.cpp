// C++20 with Boost 1.74 needs <utility> before any Asio header.
#include <utility>

// Unit tests of the connectors' HTTP client (connectors/http_client.hpp)
// against a local Beast server on a loopback port, run on its own thread,
// whose answers each test scripts: echo, hang, close after answering, drop
// without answering, Connection: close, oversized bodies; plain and TLS
// (a self-signed certificate made with the `openssl` CLI; the TLS tests
// are skipped when it is missing).
#define CAF_SUITE http_client
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "connectors/http_client.hpp"

using namespace stockwire;
using namespace std::chrono_literals;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using request = http::request<http::string_body>;

namespace {

// Generous: a loaded 2-core CI machine must never fail a test on time.
constexpr auto callback_wait_max = 20s;
constexpr auto poll_interval = 5ms;

// What the test server does with one request.
struct reply {
  enum mode_t {
    keep_alive,       // answer, keep the connection
    connection_close, // answer with `Connection: close`, then close
    close_after,      // answer (keep-alive), then close: an idle timeout
    drop,             // close without answering
    hang,             // never answer
  };
  mode_t mode = keep_alive;
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class test_server {
public:
  using handler = std::function<reply(const request&, std::size_t index)>;

  /// Listens on 127.0.0.1, any free port; TLS when `tls` is set.
  explicit test_server(handler h, ssl::context* tls = nullptr)
      : handler_(std::move(h)), tls_(tls), acceptor_(io_) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~test_server() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::size_t connections() const { return accepted_; }

  std::vector<request> requests() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return requests_;
  }

  /// Polls until `n` requests have arrived; false after the deadline.
  bool wait_requests(std::size_t n) const {
    auto deadline = std::chrono::steady_clock::now() + callback_wait_max;
    while (requests().size() < n) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(poll_interval);
    }
    return true;
  }

private:
  template <class Stream>
  struct session : std::enable_shared_from_this<session<Stream>> {
    template <class... Ts>
    explicit session(test_server& s, Ts&&... xs)
        : server(s), stream(std::forward<Ts>(xs)...) {}

    void read() {
      req = {};
      http::async_read(
          stream, buffer, req,
          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            if (!ec)
              self->answer();
          });
    }

    void answer() {
      auto r = server.record(req);
      if (r.mode == reply::hang) {
        server.hung_.push_back(this->shared_from_this());
        return;
      }
      if (r.mode == reply::drop)
        return close();
      res = {};
      res.version(11);
      res.result(r.status);
      for (auto& [name, value] : r.headers)
        res.set(name, value);
      res.body() = r.body;
      res.keep_alive(r.mode != reply::connection_close);
      res.prepare_payload();
      http::async_write(
          stream, res,
          [self = this->shared_from_this(), more = r.mode == reply::keep_alive](
              beast::error_code ec, std::size_t) {
            if (ec || !more)
              return self->close();
            self->read();
          });
    }

    void close() {
      beast::error_code ec;
      beast::get_lowest_layer(stream).socket().shutdown(
          tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(stream).close();
    }

    test_server& server;
    Stream stream;
    beast::flat_buffer buffer;
    request req;
    http::response<http::string_body> res;
  };

  reply record(const request& req) {
    std::size_t index;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      index = requests_.size();
      requests_.push_back(req);
    }
    return handler_(req, index);
  }

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec)
        return;
      ++accepted_;
      if (tls_) {
        using tls_session = session<beast::ssl_stream<beast::tcp_stream>>;
        auto s = std::make_shared<tls_session>(*this, std::move(socket), *tls_);
        s->stream.async_handshake(ssl::stream_base::server,
                                  [s](beast::error_code ec) {
                                    if (!ec)
                                      s->read();
                                  });
      } else {
        std::make_shared<session<beast::tcp_stream>>(*this, std::move(socket))
            ->read();
      }
      accept();
    });
  }

  handler handler_;
  ssl::context* tls_;
  std::atomic<std::size_t> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<request> requests_; // guarded by mutex_
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<void>> hung_; // io thread only
  std::thread thread_;
};

reply echo(const request& req, std::size_t) {
  reply r;
  r.status = 201;
  r.body = std::string(req.method_string()) + " " + std::string(req.target()) +
           " " + req.body();
  r.headers.emplace_back("X-Echo", std::string(req["X-Test"]));
  return r;
}

reply hang(const request&, std::size_t) {
  reply r;
  r.mode = reply::hang;
  return r;
}

// Collects the callbacks of one test, from the client's thread. The
// callbacks share its state, so a late one after a failed wait is harmless.
class results {
public:
  std::function<void(http_result)> callback() {
    return [st = state_](http_result r) {
      std::lock_guard<std::mutex> guard{st->mutex};
      st->list.push_back(std::move(r));
      st->cv.notify_all();
    };
  }

  /// The results so far, once at least `n` have arrived or the deadline
  /// has passed (the test then fails on the size).
  std::vector<http_result> wait(std::size_t n) {
    std::unique_lock<std::mutex> guard{state_->mutex};
    state_->cv.wait_for(guard, callback_wait_max,
                        [&] { return state_->list.size() >= n; });
    return state_->list;
  }

private:
  struct state {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<http_result> list;
  };
  std::shared_ptr<state> state_ = std::make_shared<state>();
};

// Sends one request and waits for its result.
http_result round_trip(http_client& client, const channel_account& endpoint,
                       http_request req = {}) {
  results rs;
  client.send(endpoint, std::move(req), rs.callback());
  auto list = rs.wait(1);
  return list.empty() ? http_result{false, "no callback", {}, {}} : list[0];
}

channel_account local(std::uint16_t port) {
  channel_account a;
  a.scheme = "http";
  a.host = "127.0.0.1";
  a.port = port;
  return a;
}

std::string header_of(const http_response& res, const std::string& name) {
  for (auto& [key, value] : res.headers)
    if (beast::iequals(key, name))
      return value;
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A port nothing listens on: bound, then released.
std::uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

} // namespace

CAF_TEST(a POST round trip carries method target headers and body) {
  test_server server{echo};
  http_client client;
  http_request req;
  req.method = "POST";
  req.target = "/admin/api/graphql.json?x=1";
  req.headers = {{"X-Test", "hello"}, {"Content-Type", "application/json"}};
  req.body = R"({"qty":5})";
  auto r = round_trip(client, local(server.port()), req);
  CAF_REQUIRE(r.ok);
  CAF_CHECK_EQUAL(r.response.status, 201u);
  CAF_CHECK_EQUAL(r.response.body,
                  R"(POST /admin/api/graphql.json?x=1 {"qty":5})");
  CAF_CHECK_EQUAL(header_of(r.response, "x-echo"), "hello");
  CAF_CHECK(r.round_trip > 0us);
  auto seen = server.requests();
  CAF_REQUIRE_EQUAL(seen.size(), 1u);
  CAF_CHECK_EQUAL(std::string(seen[0][http::field::host]),
                  "127.0.0.1:" + std::to_string(server.port()));
  CAF_CHECK_EQUAL(std::string(seen[0][http::field::user_agent]),
                  "stockwire/0.1");
  CAF_CHECK_EQUAL(std::string(seen[0][http::field::content_length]), "9");
  CAF_CHECK_EQUAL(std::string(seen[0][http::field::content_type]),
                  "application/json");
}

CAF_TEST(a GET round trip and the other methods) {
  test_server server{echo};
  http_client client;
  for (std::string method : {"GET", "PUT", "PATCH", "DELETE"}) {
    http_request req;
    req.method = method;
    req.target = "/v1/items";
    auto r = round_trip(client, local(server.port()), req);
    CAF_REQUIRE(r.ok);
    CAF_CHECK_EQUAL(r.response.body, method + " /v1/items ");
  }
}

CAF_TEST(an unsupported method fails without touching the network) {
  test_server server{echo};
  http_client client;
  http_request req;
  req.method = "TRACE";
  auto r = round_trip(client, local(server.port()), req);
  CAF_CHECK(!r.ok);
  CAF_CHECK(contains(r.error, "unsupported method"));
  CAF_CHECK_EQUAL(server.connections(), 0u);
}

CAF_TEST(a request 's own host and port override the account' s) {
  test_server server{echo};
  http_client client;
  http_request req;
  req.method = "GET";
  req.target = "/upload";
  req.host = "127.0.0.1";
  req.port = server.port();
  auto r = round_trip(client, local(closed_port()), req);
  CAF_REQUIRE(r.ok);
  CAF_CHECK_EQUAL(r.response.body, "GET /upload ");
}

CAF_TEST(sequential requests reuse one keep - alive connection) {
  test_server server{echo};
  http_client client;
  for (int i = 0; i < 10; ++i)
    CAF_CHECK(round_trip(client, local(server.port())).ok);
  CAF_CHECK_EQUAL(server.connections(), 1u);
  CAF_CHECK_EQUAL(server.requests().size(), 10u);
}

CAF_TEST(concurrent requests are capped at connections_per_endpoint) {
  constexpr std::size_t requests_total = 20;
  test_server server{echo};
  http_client_options opts;
  opts.connections_per_endpoint = 2;
  results rs;
  http_client client{opts};
  for (std::size_t i = 0; i < requests_total; ++i)
    client.send(local(server.port()), {}, rs.callback());
  auto list = rs.wait(requests_total);
  CAF_REQUIRE_EQUAL(list.size(), requests_total);
  for (auto& r : list)
    CAF_CHECK(r.ok);
  CAF_CHECK_LESS_OR_EQUAL(server.connections(), 2u);
}

CAF_TEST(requests beyond queue_max fail at once with queue full) {
  test_server server{hang};
  http_client_options opts;
  opts.connections_per_endpoint = 1;
  opts.queue_max = 2;
  results rs;
  http_client client{opts};
  // One on the wire, two waiting, the fourth refused.
  for (int i = 0; i < 4; ++i)
    client.send(local(server.port()), {}, rs.callback());
  auto list = rs.wait(1);
  CAF_REQUIRE_EQUAL(list.size(), 1u);
  CAF_CHECK(!list[0].ok);
  CAF_CHECK(contains(list[0].error, "queue full"));
}

CAF_TEST(a refused connection fails naming the endpoint) {
  http_client client;
  auto port = closed_port();
  auto r = round_trip(client, local(port));
  CAF_CHECK(!r.ok);
  CAF_CHECK(contains(r.error, "connect 127.0.0.1:" + std::to_string(port)));
  CAF_MESSAGE("error: " << r.error);
}

CAF_TEST(an unknown host fails naming it) {
  http_client_options opts;
  opts.connect_timeout = 2000ms; // a DNS server that does not answer
  http_client client{opts};
  channel_account endpoint = local(closed_port());
  endpoint.host = "no-such-host.invalid";
  auto r = round_trip(client, endpoint);
  CAF_CHECK(!r.ok);
  CAF_CHECK(contains(r.error, "no-such-host.invalid:"));
  CAF_MESSAGE("error: " << r.error);
}

CAF_TEST(a header value Beast cannot carry fails without touching the network) {
  constexpr std::size_t value_bytes = 70'000; // Beast's cap: 64 KiB - 2
  test_server server{echo};
  http_client client;
  http_request req;
  req.headers = {{"X-Big", std::string(value_bytes, 'v')}};
  auto r = round_trip(client, local(server.port()), req);
  CAF_CHECK(!r.ok);
  CAF_CHECK(contains(r.error, "request not sendable"));
  CAF_CHECK_EQUAL(server.connections(), 0u);
}

CAF_TEST(a server that never answers times out after request_timeout) {
  test_server server{hang};
  http_client_options opts;
  opts.request_timeout = 200ms;
  http_client client{opts};
  auto r = round_trip(client, local(server.port()));
  CAF_CHECK(!r.ok);
  CAF_CHECK(contains(r.error, "timeout after 200 ms"));
  CAF_CHECK(contains(r.error, "127.0.0.1:" + std::to_string(server.port())));
  CAF_MESSAGE("error: " << r.error);
}

CAF_TEST(a timed out connection is not reused) {
  test_server server{[](const request&, std::size_t index) {
    reply r;
    if (index == 1)
      r.mode = reply::hang;
    return r;
  }};
  http_client_options opts;
  opts.request_timeout = 200ms;
  opts.connections_per_endpoint = 1;
  http_client client{opts};
  CAF_CHECK(round_trip(client, local(server.port())).ok);
  CAF_CHECK(!round_trip(client, local(server.port())).ok);
  CAF_CHECK(round_trip(client, local(server.port())).ok);
  CAF_CHECK_EQUAL(server.connections(), 2u);
}

CAF_TEST(a keep -
         alive connection the server closed while idle is retried once) {
  test_server server{[](const request&, std::size_t index) {
    reply r;
    if (index == 0)
      r.mode = reply::close_after;
    return r;
  }};
  http_client client;
  CAF_CHECK(round_trip(client, local(server.port())).ok);
  auto r = round_trip(client, local(server.port()));
  CAF_CHECK(r.ok);
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK_EQUAL(server.connections(), 2u);
}

CAF_TEST(a request is retried at most once) {
  // The first answer keeps the connection; every later request is dropped,
  // on the reused connection and on the fresh one alike.
  test_server server{[](const request&, std::size_t index) {
    reply r;
    if (index > 0)
      r.mode = reply::drop;
    return r;
  }};
  http_client client;
  CAF_CHECK(round_trip(client, local(server.port())).ok);
  auto r = round_trip(client, local(server.port()));
  CAF_CHECK(!r.ok);
  CAF_CHECK(contains(r.error, "read 127.0.0.1:"));
  CAF_MESSAGE("error: " << r.error);
  CAF_CHECK_EQUAL(server.requests().size(), 3u);
}

CAF_TEST(a fresh connection that fails is not retried) {
  test_server server{[](const request&, std::size_t) {
    reply r;
    r.mode = reply::drop;
    return r;
  }};
  http_client client;
  CAF_CHECK(!round_trip(client, local(server.port())).ok);
  CAF_CHECK_EQUAL(server.requests().size(), 1u);
}

CAF_TEST(connection close from the server is honoured) {
  test_server server{[](const request&, std::size_t) {
    reply r;
    r.mode = reply::connection_close;
    r.body = "bye";
    return r;
  }};
  http_client client;
  for (int i = 0; i < 3; ++i) {
    auto r = round_trip(client, local(server.port()));
    CAF_CHECK(r.ok);
    CAF_CHECK_EQUAL(r.response.body, "bye");
  }
  CAF_CHECK_EQUAL(server.connections(), 3u);
  CAF_CHECK_EQUAL(server.requests().size(), 3u);
}

// The server writes header and body at once: one read brings both, the
// case in which Beast 1.74 alone would miss the limit (boostorg/beast#2201).
CAF_TEST(a response body above the limit fails) {
  constexpr std::size_t limit_bytes = 1024;
  test_server server{[](const request&, std::size_t index) {
    reply r;
    r.body = std::string(index == 0 ? 4 * limit_bytes : limit_bytes, 'x');
    return r;
  }};
  http_client_options opts;
  opts.response_body_bytes_max = limit_bytes;
  http_client client{opts};
  auto r = round_trip(client, local(server.port()));
  CAF_CHECK(!r.ok);
  CAF_CHECK(contains(r.error, "response body too large"));
  auto next = round_trip(client, local(server.port()));
  CAF_CHECK(next.ok);
  CAF_CHECK_EQUAL(next.response.body.size(), limit_bytes);
}

CAF_TEST(stop calls every pending callback exactly once) {
  constexpr std::size_t requests_total = 10;
  test_server server{hang};
  http_client_options opts;
  opts.connections_per_endpoint = 2;
  std::vector<std::atomic<int>> calls(requests_total);
  std::vector<std::string> errors(requests_total);
  http_client client{opts};
  for (std::size_t i = 0; i < requests_total; ++i)
    client.send(local(server.port()), {}, [&, i](http_result r) {
      errors[i] = r.ok ? "ok" : r.error;
      ++calls[i];
    });
  CAF_REQUIRE(server.wait_requests(opts.connections_per_endpoint));
  client.stop(); // returns once every callback has run
  for (std::size_t i = 0; i < requests_total; ++i) {
    CAF_CHECK_EQUAL(calls[i].load(), 1);
    CAF_CHECK(contains(errors[i], "client stopped"));
  }
  auto late = round_trip(client, local(server.port()));
  CAF_CHECK(!late.ok);
  CAF_CHECK(contains(late.error, "client stopped"));
  client.stop(); // idempotent
  for (std::size_t i = 0; i < requests_total; ++i)
    CAF_CHECK_EQUAL(calls[i].load(), 1);
}

// -- TLS
// ------------------------------------------------------------------------

namespace {

// A self-signed certificate for localhost and 127.0.0.1, made with the
// openssl CLI in a fresh temporary directory; nullopt when that fails.
std::optional<std::string> make_certificate() {
  char dir_template[] = "/tmp/http_client_test.XXXXXX";
  if (!mkdtemp(dir_template))
    return std::nullopt;
  std::string dir = dir_template;
  auto command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1"
                 " -subj /CN=localhost"
                 " -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
                 " -keyout " +
                 dir + "/key.pem -out " + dir + "/cert.pem >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0)
    return std::nullopt;
  return dir;
}

std::optional<ssl::context> tls_server_context(const std::string& dir) {
  ssl::context ctx{ssl::context::tls_server};
  beast::error_code ec;
  ctx.use_certificate_chain_file(dir + "/cert.pem", ec);
  if (!ec)
    ctx.use_private_key_file(dir + "/key.pem", ssl::context::pem, ec);
  if (ec)
    return std::nullopt;
  return ctx;
}

} // namespace

CAF_TEST(https works and times out and an untrusted certificate is refused) {
  auto dir = make_certificate();
  std::optional<ssl::context> ctx;
  if (dir)
    ctx = tls_server_context(*dir);
  if (!ctx) {
    CAF_MESSAGE("skipped: no openssl CLI to make a certificate");
    return;
  }
  test_server server{echo, &*ctx};
  channel_account endpoint = local(server.port());
  endpoint.scheme = "https";
  endpoint.host = "localhost"; // resolved by name, sent as SNI
  http_request req;
  req.target = "/secure";
  req.body = "q=1";
  {
    http_client_options opts;
    opts.verify_peer = false;
    http_client client{opts};
    auto r = round_trip(client, endpoint, req);
    CAF_REQUIRE(r.ok);
    CAF_CHECK_EQUAL(r.response.body, "POST /secure q=1");
    CAF_CHECK(round_trip(client, endpoint, req).ok);
    CAF_CHECK_EQUAL(server.connections(), 1u);
  }
  {
    test_server silent{hang, &*ctx};
    channel_account silent_endpoint = endpoint;
    silent_endpoint.port = silent.port();
    http_client_options opts;
    opts.verify_peer = false;
    opts.request_timeout = 200ms;
    http_client client{opts};
    auto r = round_trip(client, silent_endpoint, req);
    CAF_CHECK(!r.ok);
    CAF_CHECK(contains(r.error, "timeout after 200 ms"));
    CAF_MESSAGE("error: " << r.error);
  }
  {
    http_client client; // verifies against the system CAs
    auto r = round_trip(client, endpoint, req);
    CAF_CHECK(!r.ok);
    CAF_CHECK(contains(r.error, "handshake localhost:"));
    CAF_MESSAGE("error: " << r.error);
  }
  std::filesystem::remove_all(*dir);
}
