#pragma once
// Reading an exchange's JSON fast and strictly, for the venue codecs (Binance, Bybit) and every
// other answer of an exchange: a document parsed in place with numbers kept as their digits (text
// nested deeper than kMaxJsonDepth is refused unparsed), and a reader of one object's fields that
// remembers the first problem and names the field (a missing side is an error, never a default).
// Keys are not checked for duplicates: exchanges do not send them, nothing reads their JSON before
// keel, and refusing would drop an event for nothing (docs/architecture.md). Private to libcore.
#include <rapidjson/document.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "keel/model/decimal.h"
#include "keel/model/json_limits.h"
#include "keel/model/status.h"

namespace keel::venue_json {

using Value = rapidjson::Value;

constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag;

// One parsed document: parsed in place from its own copy of the text, its values allocated from a
// buffer on the stack first, so a typical event costs one small copy and no heap pool.
class JsonDoc {
 public:
  JsonDoc(std::string_view json, const char* what)
      : pool_(buffer_, sizeof(buffer_)),
        stack_pool_(stack_buffer_, sizeof(stack_buffer_)),
        doc_(&pool_, sizeof(stack_buffer_) / 2, &stack_pool_),
        limits_(CheckJsonLimits(json, what)),
        what_(what) {
    if (!limits_.ok()) return;
    // In-place parsing writes into the text: parse a copy, on the stack when it is event-sized.
    char* text = small_text_;
    if (json.size() >= sizeof(small_text_)) {
      large_text_.assign(json.data(), json.size());
      text = large_text_.data();
    } else {
      std::memcpy(small_text_, json.data(), json.size());
      small_text_[json.size()] = '\0';
    }
    doc_.ParseInsitu<kParseFlags>(text);
  }
  JsonDoc(const JsonDoc&) = delete;
  JsonDoc& operator=(const JsonDoc&) = delete;
  Status status() const {
    if (!limits_.ok()) return limits_;
    return doc_.HasParseError() ? Status::InvalidInput(std::string(what_) + ": not valid JSON") : Status::Ok();
  }
  const Value& root() const { return doc_; }
  // Not OK when the text was refused before parsing (CheckJsonLimits).
  const Status& refused() const { return limits_; }

 private:
  using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>,
                                             rapidjson::MemoryPoolAllocator<>>;
  char small_text_[2048];
  std::string large_text_;
  char buffer_[4096];
  char stack_buffer_[1024];  // the parser's own stack
  rapidjson::MemoryPoolAllocator<> pool_;
  rapidjson::MemoryPoolAllocator<> stack_pool_;
  Document doc_;
  Status limits_;  // not OK: the text was refused unparsed, and root() is null
  const char* what_;
};

// Reads fields of one JSON object, remembering the first problem.
class Fields {
 public:
  // what names the object in messages; it must outlive the Fields.
  Fields(const Value& v, std::string_view what) : v_(v), what_(what) {
    if (!v_.IsObject()) Fail("", "expected an object");
  }
  // Venues send an object's fields in a stable order and keel reads them mostly in that order:
  // the search starts where the last one ended, so a read costs one or two comparisons, not a scan.
  const Value* Find(const char* key) { return Find(key, std::strlen(key)); }
  const Value* Find(const char* key, std::size_t length) {
    if (!v_.IsObject() || v_.MemberCount() == 0) return nullptr;
    const std::size_t n = v_.MemberCount();
    auto begin = v_.MemberBegin();
    std::size_t i = cursor_ < n ? cursor_ : 0;
    for (std::size_t k = 0; k < n; ++k, ++i) {
      if (i == n) i = 0;
      const auto& m = begin[static_cast<rapidjson::SizeType>(i)];
      if (m.name.GetStringLength() != length) continue;
      const char* name = m.name.GetString();
      // Binance's stream keys are one or two characters: compare those without a call.
      const bool same = length == 1   ? name[0] == key[0]
                        : length == 2 ? name[0] == key[0] && name[1] == key[1]
                                      : std::memcmp(name, key, length) == 0;
      if (same) {
        cursor_ = i + 1;
        return m.value.IsNull() ? nullptr : &m.value;
      }
    }
    return nullptr;
  }
  template <std::size_t N>
  std::string_view Str(const char (&key)[N], bool required = true) {
    return Str(key, N - 1, required);
  }
  std::string_view Str(const char* key, std::size_t length, bool required) {
    const Value* f = Find(key, length);
    if (!f) {
      if (required) Fail(key, "missing");
      return {};
    }
    if (!f->IsString()) return Fail(key, "expected a string or number"), std::string_view();
    return std::string_view(f->GetString(), f->GetStringLength());
  }
  template <std::size_t N>
  Decimal Dec(const char (&key)[N], bool required = true) {
    return Dec(key, N - 1, required);
  }
  Decimal Dec(const char* key, std::size_t length, bool required) {
    const std::string_view s = Str(key, length, required);
    if (s.empty()) return Decimal();
    auto d = Decimal::Parse(s);
    if (!d.ok()) return Fail(key, d.status().message()), Decimal();
    return *d;
  }
  template <std::size_t N>
  std::int64_t Int(const char (&key)[N], bool required = true) {
    return Int(key, N - 1, required);
  }
  std::int64_t Int(const char* key, std::size_t length, bool required) {
    const std::string_view s = Str(key, length, required);
    if (s.empty()) return 0;
    const bool negative = s[0] == '-';
    std::size_t i = negative ? 1 : 0;
    if (i == s.size() || s.size() - i > 19) return Fail(key, "expected an integer"), 0;
    // Nineteen digits fit in 64 unsigned bits, not always in 63: the range is checked after.
    std::uint64_t v = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return Fail(key, "expected an integer"), 0;
      v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    const std::uint64_t max = (std::uint64_t{1} << 63) - (negative ? 0 : 1);
    if (v > max) return Fail(key, "expected an integer of at most 64 bits"), 0;
    return negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
  }
  bool Bool(const char* key, bool required = true) {
    const Value* f = Find(key);
    if (!f) {
      if (required) Fail(key, "missing");
      return false;
    }
    if (f->IsBool()) return f->GetBool();
    if (f->IsString() && (std::string_view(f->GetString()) == "true" || std::string_view(f->GetString()) == "false"))
      return std::string_view(f->GetString()) == "true";
    return Fail(key, "expected true or false"), false;
  }
  template <typename E, std::size_t N>
  E Enum(const char (&key)[N], Result<E> (*parse_fn)(std::string_view)) {
    const std::string_view s = Str(key, N - 1, true);
    if (!status_.ok()) return E{};
    auto e = parse_fn(s);
    if (!e.ok()) return Fail(key, e.status().message()), E{};
    return *e;
  }
  const Status& status() const { return status_; }

 private:
  void Fail(const char* key, const std::string& why) {
    if (status_.ok())
      status_ = Status::InvalidInput(std::string(what_) + (key[0] ? std::string(" field \"") + key + "\"" : std::string()) +
                                     ": " + why);
  }
  const Value& v_;
  std::string_view what_;
  std::size_t cursor_ = 0;
  Status status_;
};

}  // namespace keel::venue_json
