#include "keel/model/json_fields.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "keel/model/json_limits.h"

namespace keel {

struct JsonFields::Doc {
  rapidjson::Document d;
};

namespace {

const rapidjson::Value& V(const void* p) { return *static_cast<const rapidjson::Value*>(p); }

// What a value is, for "found …" in messages: short, and never a secret-sized dump.
std::string Describe(const rapidjson::Value& v) {
  if (v.IsString()) {
    std::string s(v.GetString(), v.GetStringLength());
    if (s.size() > 40) s = s.substr(0, 40) + "…";
    return "\"" + s + "\"";
  }
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsObject()) return "an object";
  if (v.IsArray()) return "an array";
  return "a value of another type";
}

// One step of a path into a document: a key, or an index into an array.
struct Step {
  std::string_view key;
  rapidjson::SizeType index = 0;
  bool in_array = false;
};

// "stop_loss.pct", "options.legs[1].side"; cut short like Describe, whatever the keys' length.
std::string PathText(const std::vector<Step>& steps) {
  std::string out;
  for (const auto& step : steps) {
    if (step.in_array) out += "[" + std::to_string(step.index) + "]";
    else out += (out.empty() ? "" : ".") + std::string(step.key);
  }
  if (out.size() > 80) out = out.substr(0, 80) + "…";
  return out;
}

// Whether some object inside v has a key twice; steps then lead to that key. Only objects and
// arrays are entered and a path is spelt only when found: the cost stays O(n log n) for any text.
// The recursion is bounded: the text passed CheckJsonLimits.
bool HasDuplicateKey(const rapidjson::Value& v, std::vector<Step>& steps) {
  const auto nested = [](const rapidjson::Value& x) { return x.IsObject() || x.IsArray(); };
  if (v.IsObject()) {
    std::vector<std::string_view> names;
    names.reserve(v.MemberCount());
    for (const auto& m : v.GetObject()) names.emplace_back(m.name.GetString(), m.name.GetStringLength());
    std::sort(names.begin(), names.end());
    if (auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end()) {
      steps.push_back({*twice});
      return true;
    }
    for (const auto& m : v.GetObject()) {
      if (!nested(m.value)) continue;
      steps.push_back({std::string_view(m.name.GetString(), m.name.GetStringLength())});
      if (HasDuplicateKey(m.value, steps)) return true;
      steps.pop_back();
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (!nested(v[i])) continue;
      steps.push_back({std::string_view(), i, true});
      if (HasDuplicateKey(v[i], steps)) return true;
      steps.pop_back();
    }
  }
  return false;
}

}  // namespace

JsonFields::JsonFields(std::shared_ptr<Doc> doc, const void* value, std::string path)
    : doc_(std::move(doc)), value_(value), path_(std::move(path)) {}

Result<JsonFields> JsonFields::Parse(std::string_view json, const std::string& what) {
  KEEL_RETURN_IF_ERROR(CheckJsonLimits(json, what));
  auto doc = std::make_shared<Doc>();
  // Numbers stay text: "0.1" must be 0.1, not the nearest double.
  doc->d.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.data(), json.size());
  if (doc->d.HasParseError()) {
    return Status::InvalidInput(what + ": not JSON (" + rapidjson::GetParseError_En(doc->d.GetParseError()) +
                                " at offset " + std::to_string(doc->d.GetErrorOffset()) + ")");
  }
  if (!doc->d.IsObject()) return Status::InvalidInput(what + ": expected one JSON object");
  // "side":"LONG","side":"SHORT": RapidJSON would read LONG, a Python filter before keel SHORT.
  if (std::vector<Step> steps; HasDuplicateKey(doc->d, steps))
    return Status::InvalidInput(what + ": duplicate key \"" + PathText(steps) +
                                "\": a key may appear once, since JSON readers differ on which one counts");
  const void* root = &doc->d;
  return JsonFields(std::move(doc), root, "");
}

const void* JsonFields::Find(const char* name) {
  asked_.insert(name);
  const auto& obj = V(value_);
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

bool JsonFields::Has(const char* name) const {
  const auto& obj = V(value_);
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && !it->value.IsNull();
}

Status JsonFields::WrongType(const char* name, const char* expected) const {
  const auto& obj = V(value_);
  return Status::InvalidInput(path_ + name + ": expected " + expected + ", found " + Describe(obj[name]));
}

Result<std::optional<std::string>> JsonFields::String(const char* name) {
  const void* p = Find(name);
  if (!p) return std::optional<std::string>();
  const auto& v = V(p);
  // Numbers are kept as text, so a JSON number is read as its text: "id": 42 is "42".
  if (!v.IsString()) return WrongType(name, "a string");
  return std::optional<std::string>(std::string(v.GetString(), v.GetStringLength()));
}

Result<std::optional<Decimal>> JsonFields::Number(const char* name) {
  const void* p = Find(name);
  if (!p) return std::optional<Decimal>();
  const auto& v = V(p);
  if (!v.IsString()) return WrongType(name, "a decimal number");
  auto d = Decimal::Parse(std::string_view(v.GetString(), v.GetStringLength()));
  if (!d.ok()) return WrongType(name, "a decimal number with at most 8 decimal places");
  return std::optional<Decimal>(*d);
}

Result<std::optional<std::int64_t>> JsonFields::Integer(const char* name) {
  const void* p = Find(name);
  if (!p) return std::optional<std::int64_t>();
  const auto& v = V(p);
  if (!v.IsString()) return WrongType(name, "a whole number");
  const char* b = v.GetString();
  const char* e = b + v.GetStringLength();
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(b, e, n);
  if (ec != std::errc() || end != e || b == e) return WrongType(name, "a whole number");
  return std::optional<std::int64_t>(n);
}

Result<std::optional<bool>> JsonFields::Bool(const char* name) {
  const void* p = Find(name);
  if (!p) return std::optional<bool>();
  const auto& v = V(p);
  if (!v.IsBool()) return WrongType(name, "true or false");
  return std::optional<bool>(v.GetBool());
}

Result<std::optional<JsonFields>> JsonFields::Object(const char* name) {
  const void* p = Find(name);
  if (!p) return std::optional<JsonFields>();
  if (!V(p).IsObject()) return WrongType(name, "an object");
  return std::optional<JsonFields>(JsonFields(doc_, p, path_ + name + "."));
}

std::string JsonFields::Text() const {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  V(value_).Accept(w);
  return std::string(out.GetString(), out.GetSize());
}

Status JsonFields::RejectUnknown() const {
  for (const auto& m : V(value_).GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    if (!asked_.count(key)) return Status::InvalidInput(path_ + key + ": not a field keel knows");
  }
  return Status::Ok();
}

}  // namespace keel
