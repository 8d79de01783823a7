// The result of a persistence call: ok, or a code plus a message that names
// what failed. Persistence never throws across its interface.
#pragma once

#include <string>
#include <utility>

namespace stockwire {

class status {
public:
  // log_full: the write-ahead log has no room until the applier releases
  // records (back-pressure, not an error of the disk; retry later).
  enum class code {
    ok,
    not_found,
    map_full,
    io_error,
    corruption,
    invalid,
    log_full
  };

  status() = default;
  static status ok() { return {}; }
  static status not_found(std::string msg) {
    return {code::not_found, std::move(msg)};
  }
  static status map_full(std::string msg) {
    return {code::map_full, std::move(msg)};
  }
  static status io_error(std::string msg) {
    return {code::io_error, std::move(msg)};
  }
  static status corruption(std::string msg) {
    return {code::corruption, std::move(msg)};
  }
  static status invalid(std::string msg) {
    return {code::invalid, std::move(msg)};
  }
  static status log_full(std::string msg) {
    return {code::log_full, std::move(msg)};
  }

  bool is_ok() const { return code_ == code::ok; }
  bool is_not_found() const { return code_ == code::not_found; }
  code status_code() const { return code_; }
  const std::string& message() const { return msg_; }
  std::string to_string() const;

private:
  status(code c, std::string msg) : code_(c), msg_(std::move(msg)) {}
  code code_ = code::ok;
  std::string msg_;
};

} // namespace stockwire
