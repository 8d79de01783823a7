// toml_reader: reads the keys of one TOML table into typed fields, with
// range checks, and refuses what it was not asked for. Shared by every
// configuration file of the project (stockwired, fakechannel).
//
// Errors: the first problem is stored in `*error` as
// "<source>:<line>: <prefix><key>: <why>"; later calls do nothing once an
// error is set. A missing key leaves its field untouched (the default).
// finish() reports the first key of the table that no call asked for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace stockwire::config {

class toml_reader {
public:
  toml_reader(const toml::table* table, std::string prefix,
              std::string_view source, std::string* error)
      : table_(table), prefix_(std::move(prefix)), source_(source),
        error_(error) {
    // nothing
  }

  template <class T>
  void integer(const char* key, std::int64_t min, std::int64_t max, T* out) {
    auto* node = lookup(key);
    if (node == nullptr)
      return;
    auto* v = node->as_integer();
    if (v == nullptr || v->get() < min || v->get() > max) {
      std::ostringstream msg;
      msg << "must be an integer between " << min << " and " << max;
      if (v != nullptr)
        msg << " (got " << v->get() << ")";
      fail(*node, key, msg.str());
      return;
    }
    *out = static_cast<T>(v->get());
  }

  /// An integer or floating-point value within [min, max].
  void number(const char* key, double min, double max, double* out) {
    auto* node = lookup(key);
    if (node == nullptr)
      return;
    double d = 0;
    if (auto* i = node->as_integer())
      d = static_cast<double>(i->get());
    else if (auto* f = node->as_floating_point())
      d = f->get();
    else
      return fail(*node, key, "must be a number");
    if (!(d >= min && d <= max)) {
      std::ostringstream msg;
      msg << "must be a number between " << min << " and " << max;
      return fail(*node, key, msg.str());
    }
    *out = d;
  }

  void boolean(const char* key, bool* out) {
    auto* node = lookup(key);
    if (node == nullptr)
      return;
    auto* v = node->as_boolean();
    if (v == nullptr) {
      fail(*node, key, "must be true or false");
      return;
    }
    *out = v->get();
  }

  /// `check` returns an error message, or an empty string when valid.
  template <class Check>
  void string(const char* key, std::string* out, Check check) {
    auto* node = lookup(key);
    if (node == nullptr)
      return;
    auto* v = node->as_string();
    if (v == nullptr) {
      fail(*node, key, "must be a string");
      return;
    }
    if (auto why = check(v->get()); !why.empty()) {
      fail(*node, key, why);
      return;
    }
    *out = v->get();
  }

  /// Every item must be a string that `check` accepts (see string()).
  template <class Check>
  void string_array(const char* key, std::vector<std::string>* out,
                    Check check) {
    auto* node = lookup(key);
    if (node == nullptr)
      return;
    auto* arr = node->as_array();
    if (arr == nullptr) {
      fail(*node, key, "must be an array of strings");
      return;
    }
    std::vector<std::string> result;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto& item = *arr->get(i);
      auto* v = item.as_string();
      auto name = std::string{key} + "[" + std::to_string(i) + "]";
      if (v == nullptr) {
        fail(item, name, "must be a string");
        return;
      }
      if (auto why = check(v->get()); !why.empty()) {
        fail(item, name, why);
        return;
      }
      result.push_back(v->get());
    }
    *out = std::move(result);
  }

  /// The table under `key`, or nullptr when absent (or not a table, which
  /// is an error).
  const toml::table* subtable(const char* key) {
    auto* node = lookup(key);
    if (node == nullptr)
      return nullptr;
    auto* t = node->as_table();
    if (t == nullptr)
      fail(*node, key, "must be a table");
    return t;
  }

  /// An array of tables under `key` (`key = [{...}, ...]` or `[[key]]`):
  /// calls read(reader, index) with a reader of each table, whose prefix is
  /// "<prefix><key>[<index>]." and whose unknown keys are refused.
  template <class Read>
  void table_array(const char* key, Read read) {
    auto* node = lookup(key);
    if (node == nullptr)
      return;
    auto* arr = node->as_array();
    if (arr == nullptr) {
      fail(*node, key, "must be an array of tables");
      return;
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto& item = *arr->get(i);
      auto name = std::string{key} + "[" + std::to_string(i) + "]";
      auto* t = item.as_table();
      if (t == nullptr) {
        fail(item, name, "must be a table");
        return;
      }
      toml_reader sub{t, prefix_ + name + ".", source_, error_};
      read(sub, i);
      sub.finish();
      if (!error_->empty())
        return;
    }
  }

  void finish() {
    if (table_ == nullptr || !error_->empty())
      return;
    for (auto&& [k, v] : *table_) {
      if (asked_.count(std::string{k.str()}) == 0) {
        fail(v, std::string{k.str()}, "unknown key");
        return;
      }
    }
  }

private:
  const toml::node* lookup(const char* key) {
    asked_.insert(key);
    if (table_ == nullptr || !error_->empty())
      return nullptr;
    return table_->get(key);
  }

  void fail(const toml::node& node, const std::string& key,
            const std::string& why) {
    if (!error_->empty())
      return;
    std::ostringstream msg;
    msg << source_ << ":" << node.source().begin.line << ": " << prefix_ << key
        << ": " << why;
    *error_ = msg.str();
  }

  const toml::table* table_;
  std::string prefix_;
  std::string_view source_;
  std::string* error_;
  std::set<std::string> asked_;
};

} // namespace stockwire::config
