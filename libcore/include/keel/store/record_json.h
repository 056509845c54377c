#pragma once
// The stable JSON form of every store record, used by journal payloads, `--json` output and
// `--export`. Field names never change meaning; prices and quantities are decimal strings; times
// are integer milliseconds since the epoch (null when unknown).

#include "keel/model/json_writer.h"
#include "keel/store/records.h"

namespace keel {

void WriteJson(JsonWriter& w, const Instrument& v);
void WriteJson(JsonWriter& w, const IntentRecord& v);
void WriteJson(JsonWriter& w, const OrderRecord& v);
void WriteJson(JsonWriter& w, const PositionRecord& v);
void WriteJson(JsonWriter& w, const JournalEntry& v);
void WriteJson(JsonWriter& w, const IncidentRecord& v);
void WriteJson(JsonWriter& w, const SignalRecord& v);

template <typename T>
std::string ToJson(const T& v) {
  JsonWriter w;
  WriteJson(w, v);
  return w.str();
}

}  // namespace keel
