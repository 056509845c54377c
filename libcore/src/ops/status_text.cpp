#include "keel/ops/status_text.h"

#include <rapidjson/document.h>

#include <sstream>

#include "keel/model/json_limits.h"
#include "keel/ops/table.h"

namespace keel::ops {
namespace {

std::string Text(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject() || !object.HasMember(key)) return "-";
  const rapidjson::Value& v = object[key];
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "yes" : "no";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  return "-";
}

const rapidjson::Value* Array(const rapidjson::Value& object, const char* key) {
  if (!object.HasMember(key) || !object[key].IsArray()) return nullptr;
  return &object[key];
}

}  // namespace

Result<std::string> StatusText(const std::string& json) {
  KEEL_RETURN_IF_ERROR(CheckJsonLimits(json, "status answer"));
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject() || Text(d, "result") != "status")
    return Status::InvalidInput("not a status answer of keel-traderd");
  std::ostringstream out;
  const bool paused = d.HasMember("paused") && d["paused"].IsBool() && d["paused"].GetBool();
  out << "account " << Text(d, "account") << ": " << (Text(d, "ready") == "yes" ? "ready" : "starting")
      << (paused ? ", PAUSED (no new entries)" : "") << (Text(d, "shutting_down") == "yes" ? ", shutting down" : "")
      << ", stream " << (Text(d, "stream_live") == "yes" ? "live" : "DOWN") << ", "
      << (Text(d, "hedge_mode") == "yes" ? "hedge" : "one-way") << " mode\n";
  // Blind is said first, before anything that may read as "all is well".
  if (const std::string exchange = Text(d, "exchange"); exchange != "-" && !exchange.empty())
    out << "WARNING: " << exchange << "\n";
  out << "\ntrades\n";
  Table trades({"SIGNAL", "SYMBOL", "PHASE", "DETAIL"});
  if (const auto* a = Array(d, "trades"))
    for (const auto& t : a->GetArray()) trades.AddRow({Text(t, "id"), Text(t, "symbol"), Text(t, "phase"), Text(t, "detail")});
  trades.Print(out);
  // Strategies keel runs itself ([[strategy]]): each leg's trade, levels filled and what it did last.
  if (const auto* a = Array(d, "strategies"); a && !a->Empty()) {
    out << "\nstrategies\n";
    Table legs({"STRATEGY", "LEG", "TRADE", "LEVELS", "CYCLES", "STATE", "LAST"});
    for (const auto& s : a->GetArray()) {
      const std::string name = Text(s, "kind") + " " + Text(s, "symbol");
      const bool paused_strategy = Text(s, "paused") == "yes";
      if (const auto* l = Array(s, "legs"))
        for (const auto& leg : l->GetArray()) {
          const std::string state = paused_strategy ? "PAUSED: " + Text(s, "pause_reason")
                                    : Text(leg, "stopped") == "yes" ? "STOPPED"
                                                                     : Text(leg, "phase");
          legs.AddRow({name, Text(leg, "leg"), Text(leg, "trade"), Text(leg, "filled_levels") + "/" + Text(s, "levels"),
                       Text(leg, "cycles"), state, Text(leg, "last")});
        }
    }
    legs.Print(out);
  }
  out << "\npositions\n";
  Table positions({"SYMBOL", "SIDE", "QTY", "ENTRY", "STOP"});
  if (const auto* a = Array(d, "positions"))
    for (const auto& p : a->GetArray()) {
      const std::string stop = Text(p, "stop_client_order_id");
      positions.AddRow({Text(p, "symbol"), Text(p, "position_side"), Text(p, "qty"), Text(p, "entry_price"),
                        stop == "-" ? "NONE" : stop});
    }
  positions.Print(out);
  out << "\nopen orders\n";
  Table orders({"CLIENT ORDER ID", "SYMBOL", "PURPOSE", "TYPE", "SIDE", "QTY", "PRICE", "TRIGGER", "STATE"});
  if (const auto* a = Array(d, "open_orders"))
    for (const auto& o : a->GetArray())
      orders.AddRow({Text(o, "client_order_id"), Text(o, "symbol"), Text(o, "purpose"), Text(o, "type"), Text(o, "side"),
                     Text(o, "close_position") == "yes" ? "close" : Text(o, "qty"), Text(o, "price"),
                     Text(o, "stop_price"), Text(o, "state")});
  orders.Print(out);
  if (d.HasMember("counters") && d["counters"].IsObject()) {
    out << "\ncounters:";
    for (const auto& c : d["counters"].GetObject())
      if (c.value.IsInt64() && c.value.GetInt64() != 0) out << " " << c.name.GetString() << "=" << c.value.GetInt64();
    out << "\n";
  }
  if (const auto* a = Array(d, "alerts"); a && !a->Empty()) {
    out << "\nrecent alerts\n";
    Table alerts({"KIND", "SYMBOL", "MESSAGE"});
    for (const auto& al : a->GetArray()) alerts.AddRow({Text(al, "kind"), Text(al, "symbol"), Text(al, "message")});
    alerts.Print(out);
  }
  return out.str();
}

}  // namespace keel::ops
