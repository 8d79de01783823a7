#include "gateway/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <ctime>

#include "core/text.hpp"

namespace stockwire::gateway {

void json_writer::separate() {
  if (need_comma_)
    out_.push_back(',');
}

json_writer& json_writer::open(char bracket) {
  separate();
  out_.push_back(bracket);
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::close(char bracket) {
  out_.push_back(bracket);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::begin_object() {
  return open('{');
}

json_writer& json_writer::end_object() {
  return close('}');
}

json_writer& json_writer::begin_array() {
  return open('[');
}

json_writer& json_writer::end_array() {
  return close(']');
}

json_writer& json_writer::key(std::string_view name) {
  separate();
  quoted(name);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::value(std::string_view text) {
  separate();
  quoted(text);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(std::int64_t number) {
  separate();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), number);
  out_.append(buf, res.ptr);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(std::uint64_t number) {
  separate();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), number);
  out_.append(buf, res.ptr);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(bool flag) {
  separate();
  out_.append(flag ? "true" : "false");
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(double number) {
  if (!std::isfinite(number))
    return null();
  separate();
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), number);
  out_.append(buf, res.ptr);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::null() {
  separate();
  out_.append("null");
  need_comma_ = true;
  return *this;
}

void json_writer::quoted(std::string_view text) {
  out_.push_back('"');
  append_json_escaped(text, out_);
  out_.push_back('"');
}

std::string error_body(std::string_view code, std::string_view message) {
  json_writer w;
  w.begin_object()
      .key("error")
      .begin_object()
      .field("code", code)
      .field("message", message)
      .end_object()
      .end_object();
  return w.take();
}

std::string rfc3339_ms(std::int64_t epoch_ms) {
  auto secs = static_cast<std::time_t>(epoch_ms / 1000);
  auto ms = static_cast<int>(epoch_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[8];
  frac[0] = '.';
  frac[1] = static_cast<char>('0' + ms / 100);
  frac[2] = static_cast<char>('0' + ms / 10 % 10);
  frac[3] = static_cast<char>('0' + ms % 10);
  frac[4] = 'Z';
  return std::string{buf, n} + std::string{frac, 5};
}

} // namespace stockwire::gateway
