// A minimal append-only JSON writer for API replies. Replies are small and
// their shape is fixed, so writing them straight into a string is several
// times cheaper than building a DOM and dumping it, on the one thread that
// serves HTTP.
//
// Commas are placed automatically; the caller keeps begin/end balanced.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stockwire::gateway {

class json_writer {
public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();

  /// Writes `"name":`; the next call writes its value.
  json_writer& key(std::string_view name);

  json_writer& value(std::string_view text);
  json_writer& value(const char* text) { return value(std::string_view{text}); }
  json_writer& value(const std::string& text) {
    return value(std::string_view{text});
  }
  json_writer& value(std::int64_t number);
  json_writer& value(std::uint64_t number);
  json_writer& value(std::uint32_t number) {
    return value(static_cast<std::uint64_t>(number));
  }
  json_writer& value(int number) {
    return value(static_cast<std::int64_t>(number));
  }
  json_writer& value(bool flag);
  /// Shortest text that reads back as `number`; null when not finite.
  json_writer& value(double number);
  json_writer& null();

  /// Shorthand for key(name).value(x).
  template <class T>
  json_writer& field(std::string_view name, const T& x) {
    return key(name).value(x);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

private:
  void separate();
  json_writer& open(char bracket);
  json_writer& close(char bracket);
  void quoted(std::string_view text);

  std::string out_;
  bool need_comma_ = false;
};

/// The API's error envelope: {"error":{"code":...,"message":...}}.
std::string error_body(std::string_view code, std::string_view message);

/// Milliseconds since the epoch as RFC 3339 UTC ("2024-05-01T12:00:00.123Z").
std::string rfc3339_ms(std::int64_t epoch_ms);

} // namespace stockwire::gateway
