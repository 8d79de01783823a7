#include "gateway/csv.hpp"

#include <algorithm>

namespace stockwire::gateway {

csv_reader::csv_reader(std::string_view text) : text_(text) {
  // nothing
}

bool csv_reader::fail(csv_error* err, std::size_t line, std::string message) {
  failed_ = true;
  err->line = line;
  err->message = std::move(message);
  return false;
}

// The length of the line end at `pos` (LF: 1, CRLF: 2), or 0.
std::size_t csv_reader::line_end_at(std::size_t pos) const {
  if (pos < text_.size() && text_[pos] == '\n')
    return 1;
  if (pos + 1 < text_.size() && text_[pos] == '\r' && text_[pos + 1] == '\n')
    return 2;
  return 0;
}

bool csv_reader::quoted_field(std::string* field, csv_error* err) {
  auto start_line = line_;
  ++pos_; // the opening quote
  while (true) {
    auto quote = text_.find('"', pos_);
    if (quote == std::string_view::npos)
      return fail(err, start_line,
                  "a quoted field starting here is never closed");
    auto part = text_.substr(pos_, quote - pos_);
    line_ +=
        static_cast<std::size_t>(std::count(part.begin(), part.end(), '\n'));
    field->append(part);
    pos_ = quote + 1;
    if (pos_ < text_.size() && text_[pos_] == '"') { // "" is one quote
      field->push_back('"');
      ++pos_;
      continue;
    }
    return true;
  }
}

bool csv_reader::unquoted_field(std::string* field, csv_error* err) {
  auto start = pos_;
  while (pos_ < text_.size() && text_[pos_] != ',' && line_end_at(pos_) == 0) {
    if (text_[pos_] == '"')
      return fail(err, line_,
                  "a quote inside an unquoted field (quote the whole field "
                  "and double the quotes inside it)");
    ++pos_;
  }
  field->assign(text_.substr(start, pos_ - start));
  return true;
}

bool csv_reader::next(csv_record* out, csv_error* err) {
  if (failed_)
    return false;
  while (auto n = line_end_at(pos_)) { // lines with nothing on them
    pos_ += n;
    ++line_;
  }
  if (pos_ >= text_.size())
    return false;
  out->line = line_;
  out->fields.clear();
  while (true) {
    std::string field;
    bool quoted = text_[pos_] == '"';
    if (!(quoted ? quoted_field(&field, err) : unquoted_field(&field, err)))
      return false;
    out->fields.push_back(std::move(field));
    if (pos_ >= text_.size())
      return true;
    if (text_[pos_] == ',') {
      ++pos_;
      if (pos_ >= text_.size()) { // "a," at the very end: a last empty field
        out->fields.emplace_back();
        return true;
      }
      continue;
    }
    if (auto n = line_end_at(pos_)) {
      pos_ += n;
      ++line_;
      return true;
    }
    return fail(err, line_, "text after the closing quote of a field");
  }
}

} // namespace stockwire::gateway
