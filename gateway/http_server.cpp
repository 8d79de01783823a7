// C++20 with Boost 1.74 needs <utility> before any Asio header.
#include <utility>

#include "gateway/http_server.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <unordered_set>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "gateway/json_writer.hpp"

namespace stockwire::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

// How often idle connections are looked for.
constexpr std::chrono::seconds idle_sweep_interval{1};

// Bytes a closing connection discards from its client before it gives up
// waiting for the client to close (a 413 leaves the body unread).
constexpr std::size_t drain_bytes_max = 64 << 20;

// How long a closing connection waits for its client to close.
constexpr std::chrono::seconds drain_time_max{2};

// Pending connections the kernel may queue before accept.
constexpr int listen_backlog = 1024;

class connection;

} // namespace

struct http_server::impl {
  impl(const settings& c, http_handler& h)
      : cfg(c), handler(h), io(1), acceptor(io), sweep_timer(io),
        work(asio::make_work_guard(io)) {
    // nothing
  }

  // Handlers still queued die with `io` and may release connections, whose
  // destructors call forget(): members they touch are declared before `io`.
  ~impl() { destroying = true; }

  void accept();
  void sweep();
  void begin_stop();
  void finish(); // stopping and no connection left: let run() return
  void forget(connection* c);

  settings cfg;
  http_handler& handler;
  bool destroying = false;
  std::unordered_set<connection*> live;
  bool stopping = false;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer sweep_timer;
  asio::executor_work_guard<asio::io_context::executor_type> work;
};

namespace {

// Errors the server answers itself (the request never reached the API).
http_reply server_error(unsigned status, const char* code,
                        const std::string& message) {
  http_reply r;
  r.status = status;
  r.body = error_body(code, message);
  return r;
}

http_method to_method(http::verb v) {
  switch (v) {
  case http::verb::get:
    return http_method::get;
  case http::verb::put:
    return http_method::put;
  case http::verb::post:
    return http_method::post;
  case http::verb::delete_:
    return http_method::delete_;
  default:
    return http_method::other;
  }
}

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(http_server::impl& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)) {
    // nothing
  }

  ~connection() { server_.forget(this); }

  void start() {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay{true}, ec);
    read_header();
  }

  // True when the connection has waited for its client since before
  // `idle_cutoff` (for a request) or `drain_cutoff` (to close).
  bool overdue(steady::time_point idle_cutoff,
               steady::time_point drain_cutoff) const {
    return !busy_ && waiting_since_ < (draining_ ? drain_cutoff : idle_cutoff);
  }

  // Closes a connection waiting for a request (or draining) now; one with
  // a request in progress closes after its reply.
  void close_if_idle() {
    if (!busy_)
      close();
  }

private:
  void read_header() {
    busy_ = false;
    waiting_since_ = steady::now();
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(server_.cfg.header_bytes_max));
    parser_->body_limit(server_.cfg.body_bytes_max);
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_header(ec);
        });
  }

  void on_header(beast::error_code ec) {
    if (ec)
      return on_read_error(ec);
    auto& req = parser_->get();
    if (req[http::field::expect] == "100-continue") {
      // Clients like curl wait for this before sending a large body.
      static const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(
          socket_, asio::buffer(go_on),
          [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec)
              return self->close();
            self->read_body();
          });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_read(ec);
        });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return reply_and_close(
          server_error(413, "payload_too_large",
                       "request body larger than " +
                           std::to_string(server_.cfg.body_bytes_max) +
                           " bytes (limits.body_bytes_max)"));
    if (ec == http::error::header_limit)
      return reply_and_close(
          server_error(431, "headers_too_large",
                       "request headers larger than " +
                           std::to_string(server_.cfg.header_bytes_max) +
                           " bytes (limits.header_bytes_max)"));
    auto& http_errors = beast::error_code{http::error::bad_target}.category();
    if (ec.category() == http_errors && ec != http::error::end_of_stream &&
        ec != http::error::partial_message)
      return reply_and_close(
          server_error(400, "bad_request", "malformed HTTP: " + ec.message()));
    close(); // peer closed, reset, or we closed it
  }

  void on_read(beast::error_code ec) {
    if (ec)
      return on_read_error(ec);
    busy_ = true;
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    http_request req;
    req.method = to_method(msg.method());
    req.method_name = std::string{msg.method_string()};
    req.target = std::string{msg.target()};
    req.authorization = std::string{msg[http::field::authorization]};
    req.content_type = std::string{msg[http::field::content_type]};
    for (auto& f : msg) {
      auto name = f.name_string();
      if (name.size() > 2 && (name[0] == 'x' || name[0] == 'X') &&
          name[1] == '-')
        req.x_headers.emplace_back(std::string{name}, std::string{f.value()});
    }
    req.body = std::move(msg.body());
    auto respond = [self = shared_from_this()](http_reply r) mutable {
      auto ex = self->socket_.get_executor();
      asio::dispatch(ex, [self = std::move(self), r = std::move(r)]() mutable {
        self->write(std::move(r));
      });
    };
    try {
      server_.handler.handle(std::move(req), std::move(respond));
    } catch (const std::exception&) {
      // A bug or bad_alloc in the handler. The reply may already be on its
      // way, so answering here could write twice: drop the connection and
      // keep serving the others.
      close();
    }
  }

  void reply_and_close(http_reply r) {
    busy_ = true;
    keep_alive_ = false;
    write(std::move(r));
  }

  void write(http_reply r) {
    res_ = {};
    res_.version(version_);
    res_.result(r.status);
    if (r.content_type.empty())
      res_.set(http::field::content_type, "application/json");
    else
      res_.set(http::field::content_type, r.content_type);
    if (r.retry_after_s > 0)
      res_.set(http::field::retry_after, std::to_string(r.retry_after_s));
    if (!r.allow.empty())
      res_.set(http::field::allow, r.allow);
    if (r.challenge)
      res_.set(http::field::www_authenticate, "Bearer");
    res_.keep_alive(keep_alive_ && !server_.stopping);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    http::async_write(
        socket_, res_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_write(ec);
        });
  }

  void on_write(beast::error_code ec) {
    if (ec)
      return close();
    // Also when the server began to stop after this reply was sent with
    // keep-alive: waiting for another request would hold the stop until the
    // client closes or the idle timeout passes (begin_stop closed only the
    // connections idle at that moment).
    if (!res_.keep_alive() || server_.stopping)
      return drain_and_close();
    read_header();
  }

  // Half-closes, then reads and discards what the client still sends until
  // it closes too. Closing with unread input would make the kernel send a
  // reset, and the client might never see the reply (e.g. a 413 sent
  // while the oversized body is still arriving).
  void drain_and_close() {
    busy_ = false;
    draining_ = true;
    waiting_since_ = steady::now();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return close();
    drain();
  }

  void drain() {
    socket_.async_read_some(
        asio::buffer(discard_),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->drained_bytes_ += n;
          if (ec || self->drained_bytes_ > drain_bytes_max)
            return self->close();
          self->drain();
        });
  }

  void close() {
    busy_ = false;
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  http_server::impl& server_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool busy_ = false; // a request is with the handler or being answered
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool draining_ = false; // replied and half-closed; waiting for the client
  steady::time_point waiting_since_ = steady::now();
  std::size_t drained_bytes_ = 0;
  std::array<char, 4096> discard_;
};

} // namespace

// -- http_server::impl ------------------------------------------------------

void http_server::impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping)
      return;
    if (!ec) {
      if (live.size() >= cfg.connections_max) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        auto c = std::make_shared<connection>(*this, std::move(socket));
        live.insert(c.get());
        c->start();
      }
    }
    accept();
  });
}

void http_server::impl::sweep() {
  sweep_timer.expires_after(idle_sweep_interval);
  // Keeps running while stopping: connections that answered their last
  // request still wait for their clients at most drain_time_max.
  sweep_timer.async_wait([this](beast::error_code ec) {
    if (ec || (stopping && live.empty()))
      return;
    auto now = steady::now();
    auto idle_cutoff = now - std::chrono::seconds{cfg.idle_timeout_s};
    auto drain_cutoff = now - drain_time_max;
    // Closing completes the connection's read with an error later; it
    // never erases from `live` while we iterate.
    for (auto* c : live)
      if (c->overdue(idle_cutoff, drain_cutoff))
        c->close_if_idle();
    sweep();
  });
}

void http_server::impl::begin_stop() {
  if (stopping)
    return;
  stopping = true;
  beast::error_code ec;
  acceptor.close(ec);
  for (auto* c : live)
    c->close_if_idle();
  if (live.empty())
    finish();
}

void http_server::impl::finish() {
  sweep_timer.cancel();
  work.reset();
}

void http_server::impl::forget(connection* c) {
  if (destroying)
    return;
  live.erase(c);
  if (stopping && live.empty())
    finish();
}

// -- http_server -------------------------------------------------------------

http_server::http_server(const settings& cfg, http_handler& handler)
    : impl_(std::make_shared<impl>(cfg, handler)) {
  // nothing
}

http_server::~http_server() = default;

bool http_server::listen(std::string* error) {
  auto& im = *impl_;
  beast::error_code ec;
  auto addr = asio::ip::make_address(im.cfg.host, ec);
  auto where = im.cfg.host + ":" + std::to_string(im.cfg.port);
  if (ec) {
    *error = "http.listen " + where + ": " + ec.message();
    return false;
  }
  tcp::endpoint ep{addr, im.cfg.port};
  im.acceptor.open(ep.protocol(), ec);
  if (!ec)
    im.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    im.acceptor.bind(ep, ec);
  if (!ec)
    im.acceptor.listen(listen_backlog, ec);
  if (ec) {
    *error = "cannot listen on " + where + ": " + ec.message();
    return false;
  }
  return true;
}

std::uint16_t http_server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void http_server::run() {
  impl_->accept();
  impl_->sweep();
  impl_->io.run();
}

void http_server::stop() {
  asio::post(impl_->io, [im = impl_] { im->begin_stop(); });
}

} // namespace stockwire::gateway
