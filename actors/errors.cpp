#include "actors/errors.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace stockwire {

caf::atom_value error_category() {
  return caf::atom("stockwire");
}

caf::error make_error(errc code, std::string detail) {
  return caf::error{static_cast<uint8_t>(code), error_category(),
                    caf::make_message(std::move(detail))};
}

errc error_code(const caf::error& err) {
  if (!err)
    return errc::none;
  if (err.category() == error_category())
    return static_cast<errc>(err.code());
  return errc::owner_unavailable;
}

std::string error_detail(const caf::error& err) {
  if (err.category() == error_category()) {
    auto& ctx = err.context();
    if (ctx.match_elements<std::string>())
      return ctx.get_as<std::string>(0);
    return std::string{errc_name(static_cast<errc>(err.code()))};
  }
  return caf::to_string(err);
}

std::string store_refusal(const std::string& why) {
  return "the store refuses writes: " + why;
}

} // namespace stockwire
