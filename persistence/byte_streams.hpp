// Stream buffers over plain bytes, for cereal's archives (which read and
// write through std::istream / std::ostream): view_buf reads bytes it does
// not own, string_sink appends to a std::string. Both avoid what a string
// stream costs per record (its own buffer, a copy of the input, a locale),
// which showed up in the profile of every order.
#pragma once

#include <cstdint>
#include <streambuf>
#include <string>
#include <string_view>

namespace stockwire {

class view_buf : public std::streambuf {
public:
  view_buf() = default;
  explicit view_buf(std::string_view bytes) { reset(bytes); }

  void reset(std::string_view bytes) {
    auto* p = const_cast<char*>(bytes.data()); // only ever read
    setg(p, p, p + bytes.size());
  }

  std::uint64_t left() const {
    return static_cast<std::uint64_t>(egptr() - gptr());
  }
};

class string_sink : public std::streambuf {
public:
  /// Appends to *out from now on; `out` must outlive the writes.
  void reset(std::string* out) { out_ = out; }

protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof()))
      return traits_type::not_eof(c);
    out_->push_back(traits_type::to_char_type(c));
    return c;
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<std::size_t>(n));
    return n;
  }

private:
  std::string* out_ = nullptr;
};

} // namespace stockwire
