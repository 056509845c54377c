#include "keel/sim/sim_command.h"

#include <rapidjson/document.h>

#include "keel/model/json_limits.h"

namespace keel::sim {

std::optional<std::string> SimCommand::Get(const std::string& key) const {
  auto it = args.find(key);
  if (it == args.end()) return std::nullopt;
  return it->second;
}

Result<std::string> SimCommand::Required(const std::string& key) const {
  auto v = Get(key);
  if (!v || v->empty()) return Status::InvalidInput(verb + " " + what + ": missing \"" + key + "\"");
  return *v;
}

Result<std::int64_t> SimCommand::Int(const std::string& key, std::int64_t fallback) const {
  auto v = Get(key);
  if (!v) return fallback;
  const std::string& s = *v;
  const std::size_t digits = s.size() - (s.rfind('-', 0) == 0 ? 1 : 0);
  if (digits == 0 || digits > 15 || s.find_first_not_of("-0123456789") != std::string::npos ||
      s.find('-', 1) != std::string::npos)
    return Status::InvalidInput(verb + " " + what + ": \"" + key + "\" must be a whole number, got " + s);
  return std::stoll(s);
}

Result<SimCommand> ParseSimCommandJson(const std::string& json) {
  KEEL_RETURN_IF_ERROR(CheckJsonLimits(json, "a command"));
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject()) return Status::InvalidInput("a command is one JSON object");
  SimCommand c;
  for (const auto& m : d.GetObject()) {
    const std::string key = m.name.GetString();
    std::string value;
    if (m.value.IsString()) value = m.value.GetString();
    else if (m.value.IsInt64()) value = std::to_string(m.value.GetInt64());
    else if (m.value.IsBool()) value = m.value.GetBool() ? "true" : "false";
    else return Status::InvalidInput("\"" + key + "\": expected a string, an integer or a boolean");
    if (key == "fault" || key == "act" || key == "clear") {
      if (!c.verb.empty()) return Status::InvalidInput("a command has one of \"fault\", \"act\" or \"clear\"");
      c.verb = key;
      c.what = value;
    } else {
      c.args[key] = value;
    }
  }
  if (c.verb.empty()) return Status::InvalidInput("a command needs \"fault\", \"act\" or \"clear\"");
  return c;
}

}  // namespace keel::sim
