// An RFC 4180 CSV reader over text already in memory. Pure.
//
// Records end at LF or CRLF (the last one may lack its line end). A field
// is either unquoted (any characters but comma, quote and line end) or
// quoted ("a, ""b""" is `a, "b"`; it may span line ends). Anything else —
// a quote inside an unquoted field, text after a closing quote, a quote
// never closed — makes the text malformed at that line. Lines with no
// character at all are skipped (hand-edited files end with several).
//
// Fields are returned as written: no trimming, no type guessing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stockwire::gateway {

struct csv_record {
  std::size_t line = 0; // 1-based line where the record starts
  std::vector<std::string> fields;
};

struct csv_error {
  std::size_t line = 0;
  std::string message; // empty: no error
};

class csv_reader {
public:
  /// `text` must outlive the reader.
  explicit csv_reader(std::string_view text);

  /// Reads the next record into `out`. False at the end of the text, or
  /// when the text is malformed (then `err` names the line and the problem;
  /// every later call returns false too).
  bool next(csv_record* out, csv_error* err);

private:
  bool fail(csv_error* err, std::size_t line, std::string message);
  std::size_t line_end_at(std::size_t pos) const;
  bool quoted_field(std::string* field, csv_error* err);
  bool unquoted_field(std::string* field, csv_error* err);

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  bool failed_ = false;
};

} // namespace stockwire::gateway
