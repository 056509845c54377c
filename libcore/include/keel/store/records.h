#pragma once
// What the state store holds, as plain values. Prices and quantities are Decimals (stored as exact
// decimal text); times are milliseconds since the epoch; "exchange" times are the exchange's own
// (E / T / updateTime), "local" times are keel's clock.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keel/model/decimal.h"
#include "keel/model/instrument.h"
#include "keel/model/order_kind.h"
#include "keel/model/order_purpose.h"
#include "keel/model/order_state.h"
#include "keel/model/side.h"
#include "keel/model/time.h"

namespace keel {

// Where an observation or decision came from.
enum class Source { kStream, kRest, kOperator, kEngine };
const char* to_string(Source source);
Result<Source> parse_source(std::string_view text);

// Written and committed before the order it describes is sent (write-ahead intent). After a crash
// the order is looked up on the exchange by client_order_id; it is never sent twice.
struct IntentRecord {
  std::string client_order_id;
  OrderPurpose purpose = OrderPurpose::kEntry;
  std::string symbol;
  Side side = Side::kBuy;
  PositionSide position_side = PositionSide::kBoth;
  Decimal qty;
  std::optional<Decimal> price;
  std::string reason;
  TimeMs created_ms = 0;
};

struct OrderRecord {
  std::string client_order_id;  // the key: keel chooses it, deterministically, before sending
  std::optional<std::string> exchange_order_id;
  std::string symbol;
  Side side = Side::kBuy;
  PositionSide position_side = PositionSide::kBoth;
  OrderType type = OrderType::kLimit;
  std::optional<TimeInForce> time_in_force;
  OrderPurpose purpose = OrderPurpose::kEntry;
  OrderState state = OrderState::kPendingNew;
  Decimal qty;
  std::optional<Decimal> price;
  std::optional<Decimal> stop_price;
  Decimal filled_qty;
  std::optional<Decimal> avg_price;
  bool reduce_only = false;
  bool close_position = false;
  // A whole-position stop that closes only up to this much when it fires (Bybit's qty "0" stop
  // closes up to maxMktOrderQty, create-order.mdx); nullopt: all of the position.
  std::optional<Decimal> close_up_to;
  std::optional<TimeMs> exchange_created_ms;
  std::optional<TimeMs> exchange_updated_ms;
  TimeMs created_ms = 0;  // local
  TimeMs updated_ms = 0;  // local
};

enum class PositionState { kOpen, kClosed };
const char* to_string(PositionState state);
Result<PositionState> parse_position_state(std::string_view text);

// At most one open position per (symbol, position_side); closed ones are kept as history.
struct PositionRecord {
  std::int64_t id = 0;  // assigned by the store
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  Decimal qty;  // signed like Binance positionAmt: positive long, negative short
  Decimal entry_price;
  PositionState state = PositionState::kOpen;
  TimeMs opened_ms = 0;
  std::optional<TimeMs> closed_ms;
  std::optional<std::string> exit_reason;
  std::optional<std::string> stop_client_order_id;  // the resting protective stop, if any
  std::optional<TimeMs> exchange_updated_ms;
};

// Append-only; seq is contiguous from 1, so a gap means rows were removed behind keel's back.
struct JournalEntry {
  std::int64_t seq = 0;  // assigned by the store
  TimeMs local_ms = 0;
  std::optional<TimeMs> exchange_ms;
  Source source = Source::kEngine;
  std::string entity;     // order | position | intent | instrument | incident | engine | operator
  std::string entity_id;  // client order id, "SYMBOL/SIDE", ...
  std::optional<std::string> symbol;
  std::string event;      // what happened: "upsert", "open", "close", "illegal-transition", ...
  std::string payload;    // one JSON value
};

enum class IncidentKind {
  kOrphanPosition,       // position on the exchange that keel does not track
  kUnprotectedPosition,  // position without a resting protective stop past the grace period
  kUnknownOrder,         // keel-prefixed order the store does not know
  kForeignOrder,         // order not placed by keel (reported, never touched)
  kMismatch,             // store and exchange disagree
  kGhostOrder,           // order open in one place only
  kIllegalTransition,    // an observation that would have broken the order lifecycle
  kLiquidation,          // the exchange liquidated or auto-deleveraged (part of) a position
};
const char* to_string(IncidentKind kind);
Result<IncidentKind> parse_incident_kind(std::string_view text);

// A trading signal the daemon received, and how far it got. Kept whether it was taken or refused:
// a signal id is acted on once, ever (a resent id is ignored, across restarts too), and after a
// crash the daemon finds each trade's orders through it.
enum class SignalState {
  kRejected,    // refused before anything was sent (bad field, risk limit, paused); detail says why
  kEntering,    // entry intent written; the entry is being placed, worked or verified
  kOpen,        // entry filled and verified; the stop (and take-profit) resting or being placed
  kClosing,     // a close was asked for or an exit is filling
  kClosed,      // flat again: closed by an exit, a close signal, a flatten or the exchange
  kRolledBack,  // the stop could not be placed; the position was closed and proven flat
  kFailed,      // ended without a position and without a fill (entry refused, expired, cancelled)
  kUnresolved,  // an outcome keel could not settle (rollback not verified, …): an operator must look
  kDone,        // a move signal carried out: the new exit confirmed working (a move in flight is open)
};
const char* to_string(SignalState state);
Result<SignalState> parse_signal_state(std::string_view text);
bool is_final(SignalState state);

struct SignalRecord {
  std::string id;        // the sender's id: the key
  std::string symbol;
  std::string action;    // "open" | "close"
  std::string origin;    // "socket" | "spool:<file name>" | "ctl"
  std::string payload;   // the signal as keel understood it, one JSON object
  SignalState state = SignalState::kEntering;
  std::string detail;    // the latest outcome, one line (a rejection names the field or the limit)
  std::optional<PositionSide> position_side;  // the leg the trade holds
  std::optional<std::string> entry_client_order_id;
  std::optional<std::string> stop_client_order_id;
  std::optional<std::string> take_profit_client_order_id;
  int entry_attempts = 0;  // entry orders placed for it (a replacement is another)
  TimeMs received_ms = 0;  // local
  TimeMs updated_ms = 0;   // local
};

// A fill the venue named by its own id (Bybit's execId, Binance's symbol and trade id), kept so
// that it is applied once, across restarts too. What it was is in the journal, with its event.
struct ExecutionRecord {
  std::string exec_id;  // the key
  TimeMs local_ms = 0;
  TimeMs exchange_ms = 0;
  std::string symbol;
  std::string client_order_id;  // "" for an exchange-made order without one
};

struct IncidentRecord {
  std::int64_t id = 0;  // assigned by the store
  TimeMs local_ms = 0;
  IncidentKind kind = IncidentKind::kMismatch;
  std::string symbol;
  std::optional<PositionSide> position_side;
  std::optional<std::string> client_order_id;
  std::string detail;  // what was found
  std::string action;  // what was done about it ("reported", "closed", "cancelled", ...)
};

}  // namespace keel
