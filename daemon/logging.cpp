#include "daemon/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/text.hpp"

namespace stockwire {

namespace {

// The message of a log line as the body of a JSON string.
class json_escaped_payload final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    append_json_escaped(
        std::string_view{msg.payload.data(), msg.payload.size()}, dest);
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_escaped_payload>();
  }
};

} // namespace

void setup_logging(const config::log_settings& log,
                   const std::string& node_id) {
  std::shared_ptr<spdlog::logger> logger;
  if (log.format == "json") {
    logger = spdlog::stderr_logger_mt("stockwired");
    auto f = std::make_unique<spdlog::pattern_formatter>(
        spdlog::pattern_time_type::utc);
    // node_id is validated to [A-Za-z0-9-_.]: safe inside a JSON string.
    f->add_flag<json_escaped_payload>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","node":")" + node_id +
        R"(","msg":"%*"})");
    logger->set_formatter(std::move(f));
  } else {
    logger = spdlog::stderr_color_mt("stockwired");
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [" + node_id + "] %v");
  }
  logger->set_level(spdlog::level::from_str(log.level));
  spdlog::set_default_logger(logger);
}

} // namespace stockwire
