#include "keel/model/json_writer.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "keel/model/json_limits.h"

namespace keel {

struct JsonWriter::Impl {
  explicit Impl(bool p) : pretty(p), compact(buffer), indented(buffer) { indented.SetIndent(' ', 2); }
  bool pretty;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> compact;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> indented;

  template <typename F>
  void with(F&& f) {
    if (pretty) f(indented); else f(compact);
  }
};

JsonWriter::JsonWriter(bool pretty) : impl_(std::make_unique<Impl>(pretty)) {}
JsonWriter::~JsonWriter() = default;

JsonWriter& JsonWriter::StartObject() { impl_->with([](auto& w) { w.StartObject(); }); return *this; }
JsonWriter& JsonWriter::EndObject() { impl_->with([](auto& w) { w.EndObject(); }); return *this; }
JsonWriter& JsonWriter::StartArray() { impl_->with([](auto& w) { w.StartArray(); }); return *this; }
JsonWriter& JsonWriter::EndArray() { impl_->with([](auto& w) { w.EndArray(); }); return *this; }

JsonWriter& JsonWriter::Key(std::string_view key) {
  impl_->with([&](auto& w) { w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())); });
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  impl_->with([&](auto& w) { w.String(value.data(), static_cast<rapidjson::SizeType>(value.size())); });
  return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t value) { impl_->with([&](auto& w) { w.Int64(value); }); return *this; }
JsonWriter& JsonWriter::Bool(bool value) { impl_->with([&](auto& w) { w.Bool(value); }); return *this; }
JsonWriter& JsonWriter::Null() { impl_->with([](auto& w) { w.Null(); }); return *this; }

JsonWriter& JsonWriter::String(const std::optional<std::string>& value) {
  return value ? String(std::string_view(*value)) : Null();
}
JsonWriter& JsonWriter::Number(const std::optional<Decimal>& value) { return value ? Number(*value) : Null(); }
JsonWriter& JsonWriter::Int(const std::optional<std::int64_t>& value) { return value ? Int(*value) : Null(); }

JsonWriter& JsonWriter::Raw(std::string_view json) {
  impl_->with([&](auto& w) {
    w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  });
  return *this;
}

std::string JsonWriter::str() const { return std::string(impl_->buffer.GetString(), impl_->buffer.GetSize()); }

bool is_valid_json(std::string_view text) {
  if (!CheckJsonLimits(text, "").ok()) return false;
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  return !doc.HasParseError();
}

}  // namespace keel
