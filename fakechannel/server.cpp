// C++20 with Boost 1.74 needs <utility> before any Asio header.
#include <utility>

#include "fakechannel/server.hpp"

#include <cctype>
#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "fakechannel/clock.hpp"
#include "fakechannel/limits.hpp"
#include "fakechannel/storefront_driver.hpp"

namespace stockwire::fakechannel {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Pending connections the kernel may queue before accept.
constexpr int listen_backlog = 1024;

} // namespace

struct server::impl {
  explicit impl(service& s)
      : svc(s), io(1), signals(io, SIGINT, SIGTERM), driver(io, s) {}

  void accept(std::size_t channel);

  service& svc;
  asio::io_context io;
  asio::signal_set signals;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  storefront_driver driver; // after io: destroyed before it
};

namespace {

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(server::impl& srv, std::size_t channel, tcp::socket socket)
      : srv_(srv), channel_(channel), socket_(std::move(socket)),
        timer_(socket_.get_executor()) {}

  void start() {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay{true}, ec);
    read();
  }

private:
  void read() {
    parser_.emplace();
    parser_->header_limit(header_bytes_max);
    parser_->body_limit(body_bytes_max);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_read(ec);
        });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return reply_and_close(413, "request body too large");
    if (ec == http::error::header_limit)
      return reply_and_close(431, "request headers too large");
    if (ec)
      return close();
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    http_request req;
    req.method = std::string{msg.method_string()};
    req.target = std::string{msg.target()};
    for (auto& f : msg) {
      std::string name{f.name_string()};
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string{f.value()};
    }
    req.body = std::move(msg.body());
    auto outcome = srv_.svc.handle(channel_, req, read_clock());
    // The request may have started shoppers, pushed stock or reset all.
    srv_.driver.pump();
    if (outcome.delay_ms <= 0 && !outcome.drop)
      return write(std::move(outcome.reply));
    timer_.expires_after(std::chrono::milliseconds{outcome.delay_ms});
    timer_.async_wait([self = shared_from_this(),
                       o = std::move(outcome)](beast::error_code) mutable {
      if (o.drop)
        return self->close();
      self->write(std::move(o.reply));
    });
  }

  void reply_and_close(unsigned status, const std::string& why) {
    keep_alive_ = false;
    http_reply r;
    r.status = status;
    r.body = "{\"error\":\"" + why + "\"}"; // `why` is ours: no escaping
    write(std::move(r));
  }

  void write(http_reply r) {
    res_ = {};
    res_.version(version_);
    res_.result(r.status);
    res_.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers)
      res_.set(k, v);
    res_.keep_alive(keep_alive_);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    http::async_write(
        socket_, res_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec || !self->res_.keep_alive())
            return self->close();
          self->read();
        });
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  server::impl& srv_;
  std::size_t channel_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

} // namespace

void server::impl::accept(std::size_t channel) {
  acceptors[channel]->async_accept([this, channel](beast::error_code ec,
                                                   tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return;
    if (!ec)
      std::make_shared<connection>(*this, channel, std::move(socket))->start();
    accept(channel);
  });
}

server::server(service& svc) : impl_(std::make_shared<impl>(svc)) {}

server::~server() = default;

bool server::listen(std::string* error) {
  auto& im = *impl_;
  for (std::size_t i = 0; i < im.svc.channel_count(); ++i) {
    const auto& c = im.svc.common(i);
    auto where = std::string{im.svc.name(i)} + " (" + c.host + ":" +
                 std::to_string(c.port) + ")";
    beast::error_code ec;
    auto addr = asio::ip::make_address(c.host, ec);
    if (ec) {
      *error = "cannot listen for " + where + ": " + ec.message();
      return false;
    }
    tcp::endpoint ep{addr, c.port};
    auto a = std::make_unique<tcp::acceptor>(im.io);
    a->open(ep.protocol(), ec);
    if (!ec)
      a->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
      a->bind(ep, ec);
    if (!ec)
      a->listen(listen_backlog, ec);
    if (ec) {
      *error = "cannot listen for " + where + ": " + ec.message();
      return false;
    }
    im.acceptors.push_back(std::move(a));
  }
  return true;
}

std::uint16_t server::port(std::size_t channel) const {
  beast::error_code ec;
  auto ep = impl_->acceptors.at(channel)->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void server::run() {
  auto& im = *impl_;
  for (std::size_t i = 0; i < im.acceptors.size(); ++i)
    im.accept(i);
  im.signals.async_wait([&im](beast::error_code, int) { im.io.stop(); });
  im.driver.pump();
  im.io.run();
}

} // namespace stockwire::fakechannel
