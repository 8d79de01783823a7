#include "persistence/codec.hpp"

#include <istream>
#include <ostream>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/common.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>

#include "persistence/byte_streams.hpp"

namespace stockwire {

template <class Archive>
void serialize(Archive& ar, stock_state& x) {
  ar(x.on_hand, x.reserved, x.version, x.updated_at_ms);
}

template <class Archive>
void serialize(Archive& ar, dedup_record& x) {
  ar(x.kind, x.status, x.amount, x.channel, x.on_hand_after, x.available_after,
     x.version_after, x.cancelled, x.cancel_version, x.cancel_available_after,
     x.created_at_ms);
}

template <class Archive>
void serialize(Archive& ar, audit_record& x) {
  ar(x.version, x.op_id, x.kind, x.source, x.delta, x.on_hand_after,
     x.available_after, x.at_ms);
}

template <class Archive>
void serialize(Archive& ar, allocation& x) {
  ar(x.buffer, x.percent, x.max);
}

template <class Archive>
void serialize(Archive& ar, listing& x) {
  ar(x.item_id, x.location_id, x.variation_id, x.seller_id, x.marketplace_id,
     x.product_type, x.alloc);
}

template <class Archive>
void serialize(Archive& ar, outbox_record& x) {
  ar(x.version, x.available, x.changed_at_ms);
}

template <class Archive>
void serialize(Archive& ar, cancel_record& x) {
  ar(x.qty, x.created_at_ms);
}

namespace codec {

namespace {

char kind_tag(op_kind kind) {
  switch (kind) {
  case op_kind::order:
    return 'o';
  case op_kind::cancel:
    return 'c';
  case op_kind::set:
    return 's';
  case op_kind::adjust:
    return 'a';
  }
  return '?';
}

// Small values (every record of every order goes through here): one
// stream per thread, reused.
template <class T>
std::string encode_value(const T& x) {
  thread_local string_sink sink;
  thread_local std::ostream out{&sink};
  std::string bytes;
  bytes.reserve(64);
  bytes.push_back(static_cast<char>(value_format_v1));
  sink.reset(&bytes);
  {
    cereal::PortableBinaryOutputArchive ar{out};
    ar(const_cast<T&>(x));
  }
  sink.reset(nullptr);
  return bytes;
}

template <class T>
std::optional<T> decode_value(std::string_view bytes) {
  if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != value_format_v1)
    return std::nullopt;
  thread_local view_buf buf;
  thread_local std::istream in{&buf};
  buf.reset(bytes.substr(1));
  in.clear();
  T x;
  try {
    cereal::PortableBinaryInputArchive ar{in};
    ar(x);
  } catch (const cereal::Exception&) {
    return std::nullopt;
  }
  return x;
}

} // namespace

std::string stock_key(std::string_view sku) {
  return audit_key(sku, stock_version_slot);
}

std::string dedup_key(std::string_view sku, op_kind kind,
                      std::string_view op_id) {
  std::string key;
  key.reserve(sku.size() + 2 + op_id.size());
  key.push_back(kind_tag(kind));
  key.append(op_id);
  key.push_back('\0');
  key.append(sku);
  return key;
}

std::string audit_key(std::string_view sku, std::uint64_t version) {
  std::string key;
  key.reserve(sku.size() + 9);
  key.append(sku);
  key.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>((version >> shift) & 0xff));
  return key;
}

std::string_view sku_of_audit_key(std::string_view key) {
  return key.substr(0, key.find('\0'));
}

std::string_view sku_of_dedup_key(std::string_view key) {
  auto sep = key.find('\0');
  return sep == std::string_view::npos ? std::string_view{}
                                       : key.substr(sep + 1);
}

namespace {

std::string pair_key(std::string_view a, std::string_view b) {
  std::string key;
  key.reserve(a.size() + 1 + b.size());
  key.append(a);
  key.push_back('\0');
  key.append(b);
  return key;
}

} // namespace

std::string listing_key(std::string_view sku, std::string_view channel) {
  return pair_key(sku, channel);
}

std::string outbox_key(std::string_view channel, std::string_view sku) {
  return pair_key(channel, sku);
}

std::pair<std::string_view, std::string_view>
split_pair_key(std::string_view key) {
  auto sep = key.find('\0');
  if (sep == std::string_view::npos)
    return {key, {}};
  return {key.substr(0, sep), key.substr(sep + 1)};
}

std::string cancel_key(std::string_view channel, std::string_view order_id,
                       std::string_view sku) {
  return pair_key(pair_key(channel, order_id), sku);
}

cancel_key_fields split_cancel_key(std::string_view key) {
  auto [channel, rest] = split_pair_key(key);
  auto [order_id, sku] = split_pair_key(rest);
  return {channel, order_id, sku};
}

std::string encode(const stock_state& x) {
  return encode_value(x);
}
std::string encode(const dedup_record& x) {
  return encode_value(x);
}
std::string encode(const audit_record& x) {
  return encode_value(x);
}
std::string encode(const listing& x) {
  return encode_value(x);
}
std::string encode(const outbox_record& x) {
  return encode_value(x);
}
std::string encode(const cancel_record& x) {
  return encode_value(x);
}
std::optional<cancel_record> decode_cancel(std::string_view bytes) {
  return decode_value<cancel_record>(bytes);
}
std::optional<listing> decode_listing(std::string_view bytes) {
  return decode_value<listing>(bytes);
}
std::optional<outbox_record> decode_outbox(std::string_view bytes) {
  return decode_value<outbox_record>(bytes);
}
std::optional<stock_state> decode_stock(std::string_view bytes) {
  return decode_value<stock_state>(bytes);
}
std::optional<dedup_record> decode_dedup(std::string_view bytes) {
  return decode_value<dedup_record>(bytes);
}
std::optional<audit_record> decode_audit(std::string_view bytes) {
  return decode_value<audit_record>(bytes);
}

} // namespace codec
} // namespace stockwire
