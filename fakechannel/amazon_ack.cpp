#include "fakechannel/amazon_ack.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

namespace {

// Order acknowledgement flat file: columns by header name.
const std::string ack_order_column = "order-id";
const std::string ack_item_column = "amazon-order-item-code";
const std::string ack_reason_column = "cancellation-reason-code";

// Amazon's cancellation reason codes of the acknowledgement feed.
const std::set<std::string> ack_reasons = {"NoInventory",
                                           "ShippingAddressUndeliverable",
                                           "CustomerExchange",
                                           "BuyerCanceled",
                                           "GeneralAdjustment",
                                           "CarrierCreditDecision",
                                           "RiskAssessmentInformationNotValid",
                                           "CarrierCoverageFailure",
                                           "CustomerReturn",
                                           "MerchandiseNotReceived"};

// Error codes of the acknowledgement processing report: the fake's own
// numbers (Amazon's for these cases are not confirmed).
constexpr int ack_missing_order_code = 18001;
constexpr int ack_invalid_reason_code = 18002;
constexpr int ack_unknown_order_code = 18003;
constexpr int ack_unknown_item_code = 18004;

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    auto next = line.find(sep, pos);
    out.push_back(line.substr(pos, next - pos));
    if (next == std::string::npos)
      return out;
    pos = next + 1;
  }
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  while (!s.empty() && s.front() == ' ')
    s.erase(s.begin());
  return s;
}

// The column named `name` of `header`, or nullopt.
std::optional<std::size_t> column(const std::vector<std::string>& header,
                                  const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (trim(header[i]) == name)
      return i;
  return std::nullopt;
}

struct columns {
  std::optional<std::size_t> order, item, reason;
};

// One data row: empty when applied, else the error line of the report.
std::string apply_row(const std::string& line, std::int64_t record,
                      const columns& cols, order_book& orders) {
  auto cells = split(line, '\t');
  auto at = [&](std::optional<std::size_t> c) {
    return c && *c < cells.size() ? trim(cells[*c]) : std::string{};
  };
  auto id = at(cols.order);
  auto item = at(cols.item);
  auto reason = at(cols.reason);
  auto error = [&](int code, const std::string& why) {
    std::ostringstream out;
    out << record << "\t" << id << "\t" << item << "\t" << code << "\tError\t"
        << why << "\n";
    return out.str();
  };
  if (id.empty())
    return error(ack_missing_order_code, "order-id is required");
  if (!reason.empty() && ack_reasons.count(reason) == 0)
    return error(ack_invalid_reason_code,
                 "cancellation-reason-code '" + reason + "' is not valid");
  const auto* o = orders.find(id);
  if (o == nullptr)
    return error(ack_unknown_order_code,
                 "The order id " + id + " was not found in our records");
  if (!item.empty() && item != o->item_id)
    return error(ack_unknown_item_code,
                 "The order item code " + item + " is not part of order " + id);
  if (!reason.empty())
    orders.cancel(id);
  return {};
}

} // namespace

ack_outcome apply_acknowledgements(const std::string& document,
                                   order_book& orders) {
  std::istringstream in{document};
  std::string line;
  std::vector<std::string> header;
  while (header.empty() && std::getline(in, line))
    if (!trim(line).empty())
      header = split(trim(line), '\t');
  columns cols{column(header, ack_order_column),
               column(header, ack_item_column),
               column(header, ack_reason_column)};
  std::vector<std::string> rows;
  while (std::getline(in, line))
    if (!trim(line).empty())
      rows.push_back(line);
  ack_outcome out;
  std::ostringstream errors;
  std::int64_t processed = 0, successful = 0;
  if (!cols.order || !cols.reason || rows.size() > amazon_ack_rows_max) {
    // Nothing is applied from an unreadable document.
    out.fatal = true;
    errors << "0\t\t\t" << ack_missing_order_code
           << "\tFatal\tThe header must name " << ack_order_column << " and "
           << ack_reason_column << " (tab-separated), with at most "
           << amazon_ack_rows_max << " rows\n";
  } else {
    for (const auto& row : rows) {
      auto error = apply_row(row, ++processed, cols, orders);
      if (error.empty())
        ++successful;
      errors << error;
    }
  }
  std::ostringstream report;
  report << "Feed Processing Summary:\n"
         << "\tNumber of records processed\t\t" << processed << "\n"
         << "\tNumber of records successful\t\t" << successful << "\n\n"
         << "original-record-number\torder-id\tamazon-order-item-code\t"
            "error-code\terror-type\terror-message\n"
         << errors.str();
  out.report = report.str();
  return out;
}

} // namespace stockwire::fakechannel
