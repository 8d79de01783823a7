// C++20 with Boost 1.74 needs <utility> before any Asio header.
#include <utility>

#include "fakechannel/storefront_driver.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "fakechannel/clock.hpp"
#include "fakechannel/limits.hpp"
#include "fakechannel/service.hpp"

namespace stockwire::fakechannel {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class sender;

} // namespace

struct storefront_driver::impl {
  impl(asio::io_context& io, service& svc);

  void pump();
  void arm(std::optional<std::int64_t> at_ms);

  asio::io_context& io;
  service& svc;
  asio::steady_timer wake;
  std::optional<std::int64_t> armed_ms;
  std::array<std::vector<std::shared_ptr<sender>>, shop_channel_count> senders;
};

namespace {

// One keep-alive connection to stockwired, one delivery at a time.
class sender : public std::enable_shared_from_this<sender> {
public:
  sender(storefront_driver::impl& drv, shop_channel c)
      : drv_(drv), channel_(c), resolver_(drv.io), stream_(drv.io) {}

  bool idle() const { return !busy_; }

  void send(outgoing o) {
    busy_ = true;
    current_ = std::move(o);
    resent_ = false;
    build_request();
    if (connected_) {
      reused_ = true;
      write();
    } else {
      reused_ = false;
      connect();
    }
  }

private:
  const storefront_config& cfg() const { return drv_.svc.shop().config(); }

  void build_request() {
    const auto& e = cfg().stockwire;
    req_ = {};
    req_.version(11);
    req_.method(http::verb::post);
    req_.target(current_.request.target);
    req_.set(http::field::host, e.host + ":" + std::to_string(e.port));
    for (const auto& [name, value] : current_.request.headers)
      req_.set(name, value);
    req_.body() = current_.request.body;
    req_.keep_alive(true);
    req_.prepare_payload();
  }

  void expire() {
    stream_.expires_after(std::chrono::milliseconds{cfg().delivery_timeout_ms});
  }

  void connect() {
    const auto& e = cfg().stockwire;
    expire();
    resolver_.async_resolve(
        e.host, std::to_string(e.port),
        [self = shared_from_this()](beast::error_code ec,
                                    tcp::resolver::results_type results) {
          if (ec)
            return self->failed("resolve", ec);
          self->stream_.async_connect(
              results, [self](beast::error_code ec, const tcp::endpoint&) {
                if (ec)
                  return self->failed("connect", ec);
                self->connected_ = true;
                beast::error_code ignored;
                self->stream_.socket().set_option(tcp::no_delay{true}, ignored);
                self->write();
              });
        });
  }

  void write() {
    expire();
    http::async_write(
        stream_, req_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec)
            return self->failed("send", ec);
          self->read();
        });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(delivery_reply_bytes_max);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec)
            return self->failed("answer", ec);
          const auto& res = self->parser_->get();
          auto status = res.result_int();
          bool ok = status >= 200 && status < 300;
          if (!res.keep_alive())
            self->close();
          self->done(ok, "HTTP " + std::to_string(status));
        });
  }

  void failed(const char* step, beast::error_code ec) {
    close();
    // A kept-alive connection the server closed while idle: resend once on
    // a fresh one (nothing was answered), not a failed attempt.
    bool stale = ec == http::error::end_of_stream ||
                 ec == asio::error::connection_reset ||
                 ec == asio::error::broken_pipe || ec == asio::error::eof;
    if (reused_ && !resent_ && stale) {
      resent_ = true;
      reused_ = false;
      return connect();
    }
    done(false, std::string{step} + ": " + ec.message());
  }

  void close() {
    connected_ = false;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.consume(buffer_.size());
  }

  void done(bool ok, const std::string& why) {
    busy_ = false;
    drv_.svc.shop().delivery_done(current_.id, ok, read_clock().mono_ms, why);
    drv_.pump();
  }

  storefront_driver::impl& drv_;
  shop_channel channel_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  bool busy_ = false;
  bool connected_ = false;
  bool reused_ = false; // this attempt went out on a kept-alive connection
  bool resent_ = false; // ... and was already resent once
  outgoing current_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

} // namespace

storefront_driver::impl::impl(asio::io_context& io_, service& svc_)
    : io(io_), svc(svc_), wake(io_) {
  auto& shop = svc.shop();
  if (!shop.config().enabled)
    return;
  for (auto c : all_shop_channels)
    if (shop.serves(c))
      for (std::int64_t i = 0; i < shop.config().connections_per_channel; ++i)
        senders[index_of(c)].push_back(std::make_shared<sender>(*this, c));
}

void storefront_driver::impl::pump() {
  auto& shop = svc.shop();
  if (!shop.config().enabled)
    return;
  auto now = read_clock();
  svc.run_storefront(now);
  auto wake_at = shop.next_arrival_ms();
  for (auto c : all_shop_channels) {
    bool idle = false;
    for (auto& s : senders[index_of(c)]) {
      if (!s->idle())
        continue;
      auto o = shop.take_delivery(c, now.mono_ms);
      if (!o) {
        idle = true;
        break;
      }
      s->send(std::move(*o));
    }
    // Only a channel with a free connection needs waking for a retry;
    // a busy one pumps again when an attempt ends.
    if (auto due = shop.next_delivery_due_ms(c); idle && due)
      wake_at = wake_at ? std::min(*wake_at, *due) : *due;
  }
  arm(wake_at);
}

void storefront_driver::impl::arm(std::optional<std::int64_t> at_ms) {
  if (at_ms == armed_ms)
    return;
  armed_ms = at_ms;
  if (!at_ms) {
    wake.cancel();
    return;
  }
  wake.expires_at(
      asio::steady_timer::time_point{std::chrono::milliseconds{*at_ms}});
  wake.async_wait([this](beast::error_code ec) {
    if (ec == asio::error::operation_aborted)
      return;
    armed_ms.reset();
    pump();
  });
}

storefront_driver::storefront_driver(asio::io_context& io, service& svc)
    : impl_(std::make_unique<impl>(io, svc)) {}

storefront_driver::~storefront_driver() = default;

void storefront_driver::pump() {
  impl_->pump();
}

} // namespace stockwire::fakechannel
