#include "gateway/listing_input.hpp"

#include <charconv>
#include <map>
#include <utility>

#include "core/stock.hpp"
#include "gateway/csv.hpp"

namespace stockwire::gateway {

const std::array<listing_field, 6> listing_fields{{
    {"item_id", &listing::item_id},
    {"location_id", &listing::location_id},
    {"variation_id", &listing::variation_id},
    {"seller_id", &listing::seller_id},
    {"marketplace_id", &listing::marketplace_id},
    {"product_type", &listing::product_type},
}};

std::optional<std::string> check_channel_id(const std::string& channel) {
  if (channel.empty())
    return "channel is empty";
  return validate_channel(channel);
}

std::optional<std::string> check_listing_id(std::string_view value) {
  if (value.size() > limits::listing_id_bytes_max)
    return "longer than " + std::to_string(limits::listing_id_bytes_max) +
           " bytes (limits.listing_id_bytes_max)";
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f)
      return std::string{"contains a control character"};
  return std::nullopt;
}

std::optional<std::string> check_allocation(const allocation& a,
                                            const settings& cfg) {
  auto range = [](std::int64_t min, std::int64_t max) {
    return "must be an integer between " + std::to_string(min) + " and " +
           std::to_string(max);
  };
  if (a.buffer < 0 || a.buffer > cfg.qty_max)
    return "buffer: " + range(0, cfg.qty_max);
  if (!(a.percent >= 0 && a.percent <= 100)) // also refuses NaN
    return std::string{"percent: must be a number between 0 and 100"};
  if (a.max < -1 || a.max > cfg.qty_max)
    return "max: " + range(-1, cfg.qty_max) + " (-1: no cap)";
  return std::nullopt;
}

namespace {

constexpr const char* invalid = input_error::invalid;

// What a CSV column holds.
enum class column {
  channel,
  sku,
  id, // one of listing_fields
  buffer,
  percent,
  max,
};

struct column_spec {
  column what;
  const listing_field* field = nullptr; // for column::id
};

// The column named `name`, or nullopt.
std::optional<column_spec> column_named(const std::string& name) {
  if (name == "channel")
    return column_spec{column::channel};
  if (name == "sku")
    return column_spec{column::sku};
  if (name == "buffer")
    return column_spec{column::buffer};
  if (name == "percent")
    return column_spec{column::percent};
  if (name == "max")
    return column_spec{column::max};
  for (auto& f : listing_fields)
    if (name == f.name)
      return column_spec{column::id, &f};
  return std::nullopt;
}

// Reads the header record into `columns`.
bool read_header(const csv_record& header, std::vector<column_spec>* columns,
                 input_error* err) {
  auto at = "line " + std::to_string(header.line) + ": ";
  bool has_channel = false;
  bool has_sku = false;
  std::vector<std::string> seen;
  for (auto& name : header.fields) {
    auto spec = column_named(name);
    if (!spec)
      return err->refuse(invalid,
                         at + "unknown column '" + name +
                             "' (known: channel, sku, item_id, location_id, "
                             "variation_id, seller_id, marketplace_id, "
                             "product_type, buffer, percent, max)");
    for (auto& s : seen)
      if (s == name)
        return err->refuse(invalid, at + "column '" + name + "' appears twice");
    seen.push_back(name);
    has_channel |= spec->what == column::channel;
    has_sku |= spec->what == column::sku;
    columns->push_back(*spec);
  }
  if (!has_channel || !has_sku)
    return err->refuse(invalid,
                       at + "the header must name the columns channel and sku");
  return true;
}

template <class T>
bool number_cell(const std::string& text, T* out) {
  auto* end = text.data() + text.size();
  auto res = std::from_chars(text.data(), end, *out);
  return !text.empty() && res.ec == std::errc{} && res.ptr == end;
}

// Fills `row` from one record; false (with row->error) for a bad row.
bool read_row(const csv_record& rec, const std::vector<column_spec>& columns,
              const settings& cfg, import_row* row) {
  auto* err = &row->error;
  if (rec.fields.size() != columns.size())
    return err->refuse(
        invalid, "the row has " + std::to_string(rec.fields.size()) +
                     " fields, the header " + std::to_string(columns.size()));
  allocation alloc;
  bool has_alloc = false;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    auto& cell = rec.fields[i];
    auto& col = columns[i];
    switch (col.what) {
    case column::channel:
      row->channel = cell;
      break;
    case column::sku:
      row->sku = cell;
      break;
    case column::id:
      if (auto why = check_listing_id(cell))
        return err->refuse(invalid, std::string{col.field->name} + ": " + *why);
      row->ids.*(col.field->member) = cell;
      break;
    case column::buffer:
    case column::max:
      if (cell.empty())
        break;
      has_alloc = true;
      if (!number_cell(cell,
                       col.what == column::buffer ? &alloc.buffer : &alloc.max))
        return err->refuse(
            invalid,
            std::string{col.what == column::buffer ? "buffer" : "max"} + ": '" +
                cell + "' is not an integer");
      break;
    case column::percent:
      if (cell.empty())
        break;
      has_alloc = true;
      if (!number_cell(cell, &alloc.percent))
        return err->refuse(invalid, "percent: '" + cell + "' is not a number");
      break;
    }
  }
  if (auto why = check_channel_id(row->channel))
    return err->refuse(invalid, "channel: " + *why);
  if (auto why = check_sku(cfg, row->sku))
    return err->refuse(invalid, "sku: " + *why);
  if (has_alloc) {
    if (auto why = check_allocation(alloc, cfg))
      return err->refuse(invalid, *why);
    row->ids.alloc = alloc;
  }
  return true;
}

} // namespace

bool parse_listing_csv(std::string_view body, const settings& cfg,
                       std::vector<import_row>* out, input_error* err) {
  // Spreadsheets save "CSV UTF-8" with a byte order mark: not a column name.
  constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
  if (body.substr(0, utf8_bom.size()) == utf8_bom)
    body.remove_prefix(utf8_bom.size());
  csv_reader reader{body};
  csv_record rec;
  csv_error bad;
  auto malformed = [&] {
    return err->refuse("malformed_csv",
                       "line " + std::to_string(bad.line) + ": " + bad.message);
  };
  if (!reader.next(&rec, &bad))
    return bad.message.empty()
               ? err->refuse(invalid,
                             "the body holds no CSV header (channel,sku,...)")
               : malformed();
  std::vector<column_spec> columns;
  if (!read_header(rec, &columns, err))
    return false;
  out->clear();
  // (channel, sku) -> line of the first row naming it.
  std::map<std::pair<std::string, std::string>, std::size_t> first_line;
  while (reader.next(&rec, &bad)) {
    if (out->size() == limits::import_rows_max)
      return err->refuse(
          invalid, "more than " + std::to_string(limits::import_rows_max) +
                       " rows in one import (limits.import_rows_max)");
    auto& row = out->emplace_back();
    row.line = rec.line;
    if (!read_row(rec, columns, cfg, &row))
      continue;
    auto [it, fresh] =
        first_line.emplace(std::make_pair(row.channel, row.sku), row.line);
    if (!fresh)
      row.error.refuse(invalid, "channel " + row.channel + " and sku " +
                                    row.sku + " were already listed on line " +
                                    std::to_string(it->second));
  }
  if (!bad.message.empty())
    return malformed();
  return true;
}

} // namespace stockwire::gateway
