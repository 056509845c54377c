#pragma once
// The simulator's records and events in Binance USD-M's JSON: field names, types (numbers as
// strings where the exchange sends strings) and precision as documented. One function per shape.

#include <string>

#include "keel/model/json_writer.h"
#include "keel/sim/sim_exchange.h"

namespace keel::sim::binance {

// An order as REST answers it. ack: the newOrderRespType=ACK view (the order as accepted, before
// any fill). with_time: query responses also carry "time".
void WriteOrder(JsonWriter& w, const SimOrder& o, const SimInstrument& inst, bool ack, bool with_time);
// Only what a minimal acknowledgement carries (fault injection: no side, quantity or status).
void WriteMinimalAck(JsonWriter& w, const SimOrder& o);
void WriteAlgoOrder(JsonWriter& w, const SimAlgoOrder& a, const SimInstrument& inst);

// /fapi/v2/positionRisk (v2 = true) or /fapi/v3/positionRisk row.
void WritePositionRisk(JsonWriter& w, const SimExchange& ex, AccountId id, const SimPosition& p, bool v2);
// /fapi/v2/account or /fapi/v3/account.
void WriteAccount(JsonWriter& w, const SimExchange& ex, AccountId id, bool v2);
void WriteBalance(JsonWriter& w, const SimExchange& ex, AccountId id);
void WriteUserTrade(JsonWriter& w, const SimTrade& t, const SimInstrument& inst);
void WriteExchangeInfo(JsonWriter& w, const SimExchange& ex);
void WriteBookTicker(JsonWriter& w, const Market& m, TimeMs now);
void WritePriceTicker(JsonWriter& w, const Market& m, TimeMs now);
void Write24hTicker(JsonWriter& w, const Market& m, TimeMs now);
void WritePremiumIndex(JsonWriter& w, const Market& m, TimeMs now);
void WriteDepth(JsonWriter& w, const Market& m, int limit, TimeMs now);
void WriteLeverageBracket(JsonWriter& w, const SimExchange& ex, AccountId id, const Market& m);

// Stream payloads (the bare event; combined streams wrap it as {"stream":…,"data":…}).
std::string UserEventJson(const UserEvent& e, const SimExchange& ex);
std::string MarketEventJson(const MarketEvent& e, const SimExchange& ex);

}  // namespace keel::sim::binance
