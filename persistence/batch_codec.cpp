// write_batch as bytes: the payload of a write-ahead log record. The layout
// is specified in FORMAT.md, "Batch encoding".
#include <algorithm>
#include <exception>
#include <istream>
#include <utility>
#include <vector>

#include <cereal/archives/portable_binary.hpp>

#include "persistence/byte_streams.hpp"
#include "persistence/store.hpp"

namespace stockwire {

namespace {

// First byte of an encoded batch; bumped when its layout changes.
constexpr std::uint8_t batch_format_v1 = 1;
// The fewest bytes an encoded record takes: database and operation bytes
// and two string lengths; a stock record: two string lengths. A count of
// more than the bytes left can hold is garbage, refused before any
// allocation.
constexpr std::uint64_t record_bytes_min = 2 + 8 + 8;
constexpr std::uint64_t stock_bytes_min = 8 + 8;

using out_archive = cereal::PortableBinaryOutputArchive;
using in_archive = cereal::PortableBinaryInputArchive;

void save_string(out_archive& ar, const std::string& s) {
  ar(cereal::make_size_tag(static_cast<cereal::size_type>(s.size())));
  ar(cereal::binary_data(s.data(), s.size()));
}

// Reads a length and that many bytes; false when the length is more than
// what is left (cereal's own string loader would allocate it first).
bool load_string(in_archive& ar, const view_buf& buf, std::string* s) {
  cereal::size_type n = 0;
  ar(cereal::make_size_tag(n));
  if (n > buf.left())
    return false;
  s->resize(n);
  ar(cereal::binary_data(s->data(), n));
  return true;
}

// Reads a count of items of at least `item_bytes_min` bytes each; false
// when the bytes left cannot hold that many.
bool load_count(in_archive& ar, const view_buf& buf,
                std::uint64_t item_bytes_min, cereal::size_type* n) {
  ar(cereal::make_size_tag(*n));
  return *n <= buf.left() / item_bytes_min;
}

} // namespace

std::string write_batch::encode() const {
  // Stock records ascending by SKU: a batch always encodes to one string.
  std::vector<const std::pair<const std::string, std::string>*> stock;
  stock.reserve(stock_.size());
  for (auto& entry : stock_)
    stock.push_back(&entry);
  std::sort(stock.begin(), stock.end(),
            [](auto* a, auto* b) { return a->first < b->first; });
  std::string bytes;
  bytes.push_back(static_cast<char>(batch_format_v1));
  string_sink sink;
  sink.reset(&bytes);
  std::ostream out{&sink};
  {
    out_archive ar{out};
    ar(cereal::make_size_tag(static_cast<cereal::size_type>(records_.size())));
    for (auto& r : records_) {
      ar(static_cast<std::uint8_t>(r.target),
         static_cast<std::uint8_t>(r.action));
      save_string(ar, r.key);
      save_string(ar, r.value);
    }
    ar(cereal::make_size_tag(static_cast<cereal::size_type>(stock.size())));
    for (auto* entry : stock) {
      save_string(ar, entry->first);
      save_string(ar, entry->second);
    }
  }
  return bytes;
}

status write_batch::decode(std::string_view bytes, write_batch* out) {
  out->clear();
  auto fail = [out](const std::string& what) {
    out->clear();
    return status::corruption("write batch: " + what);
  };
  if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != batch_format_v1)
    return fail("unknown format");
  view_buf buf{bytes.substr(1)};
  std::istream in{&buf};
  try {
    in_archive ar{in};
    cereal::size_type n = 0;
    if (!load_count(ar, buf, record_bytes_min, &n))
      return fail("more records than bytes");
    out->records_.reserve(n);
    for (cereal::size_type i = 0; i < n; ++i) {
      std::uint8_t target = 0;
      std::uint8_t action = 0;
      ar(target, action);
      if (target > static_cast<std::uint8_t>(db::meta) ||
          action > static_cast<std::uint8_t>(op::del_if_version_le))
        return fail("unknown database or operation");
      record r{static_cast<db>(target), {}, {}, static_cast<op>(action)};
      if (!load_string(ar, buf, &r.key) || !load_string(ar, buf, &r.value))
        return fail("a key or value longer than the bytes left");
      out->records_.push_back(std::move(r));
    }
    if (!load_count(ar, buf, stock_bytes_min, &n))
      return fail("more stock records than bytes");
    for (cereal::size_type i = 0; i < n; ++i) {
      std::string sku;
      std::string value;
      if (!load_string(ar, buf, &sku) || !load_string(ar, buf, &value))
        return fail("a SKU or stock value longer than the bytes left");
      if (!out->stock_.emplace(std::move(sku), std::move(value)).second)
        return fail("a SKU's stock twice");
    }
  } catch (const std::exception& e) { // cereal's on a short read
    return fail(std::string{"truncated ("} + e.what() + ")");
  }
  if (buf.left() != 0)
    return fail(std::to_string(buf.left()) + " bytes after the batch");
  return status::ok();
}

bool operator==(const write_batch& a, const write_batch& b) {
  auto same = [](const write_batch::record& x, const write_batch::record& y) {
    return x.target == y.target && x.action == y.action && x.key == y.key &&
           x.value == y.value;
  };
  return a.stock_ == b.stock_ &&
         std::equal(a.records_.begin(), a.records_.end(), b.records_.begin(),
                    b.records_.end(), same);
}

} // namespace stockwire
