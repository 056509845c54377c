#pragma once
// A trading signal, as a bot sends it to keel-traderd (control socket or spool file), one JSON
// object:
//
//   {"id":"s-42","symbol":"BTCUSDT","side":"LONG","notional":"100","entry":"market",
//    "stop_loss":{"pct":"1"},"take_profit":{"price":"99000"},"ttl_s":60}
//   {"id":"s-43","symbol":"BTCUSDT","action":"close"}
//   {"id":"s-44","symbol":"BTCUSDT","action":"close","side":"LONG"}       one leg, in hedge mode
//   {"id":"s-45","symbol":"BTCUSDT","action":"move","stop_loss":{"break_even":true}}
//   {"id":"s-46","symbol":"BTCUSDT","action":"cancel","side":"SHORT"}    pending entries of a leg
//   {"id":"s-47","symbol":"BTCUSDT","action":"add","qty":"0.01","entry":"limit","price":"93000"}
//   {"id":"s-48","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.01","stop_loss":{"pct":"1"}}
//   {"id":"s-49","symbol":"BTCUSDT","action":"trail","callback_pct":"1.5","activation_price":"98000"}
//   {"id":"s-50","symbol":"BTCUSDT","action":"trail","off":true}
//
// Numbers may be JSON numbers or decimal strings; they are read exactly (never through a double).
// Exactly one of qty and notional; exactly one of pct and price in each level. A stop-loss is
// required: keel never opens a position it cannot protect. A field keel does not know is refused,
// like a value it does not know: a misspelt "take_proft" would otherwise be a take-profit silently
// not placed. Every refusal names the field and what was expected.

#include <optional>
#include <string>
#include <string_view>

#include "keel/model/decimal.h"
#include "keel/model/side.h"
#include "keel/model/status.h"

namespace keel {

// kMove: the stop-loss and/or take-profit of the open trade on a symbol (one leg in hedge mode)
// moved to a new level; the new order rests before the old one is cancelled.
// kCancel: the symbol's pending entries (one leg's in hedge mode) cancelled; what filled of them
// stays, protected.
// kAdd: one more entry (market or limit) on the leg of an open, protected trade: its fill grows
// the position the trade's whole-position exits already cover, and exits given in percent follow
// the new average. Several limit adds at different prices are a ladder.
// kFlip: an open of the other side, after keel's position on the symbol (one-way) or on the other
// leg (hedge mode) is closed and proven flat; nothing opens when the close is not proven.
// kTrail: the venue's own trailing stop on an open, protected trade (it keeps trailing while keel
// is down), beside the trade's stop, which stays as its floor; or ("off") the trailing stop removed.
enum class SignalAction { kOpen, kClose, kMove, kCancel, kAdd, kFlip, kTrail };
// kMaker: post-only at the best price of its side, following the book; kLimit: at the signal's
// price, resting until it fills, its time limit (if any) or a cancel.
enum class EntryKind { kMarket, kMaker, kLimit };
const char* to_string(SignalAction action);
const char* to_string(EntryKind kind);

// A stop-loss or take-profit level: a distance from the entry price in percent, or a price; a
// move's stop may instead go to break-even (the trade's average entry price).
struct PriceLevel {
  std::optional<Decimal> pct;    // 0 < pct < 100
  std::optional<Decimal> price;  // > 0
  bool break_even = false;       // move signals' stop_loss only
  // take_profit only: the take-profit rests as a reduce-only LIMIT order at the level in the
  // order book (a maker's exit) instead of a conditional order that fires a market close; post_only
  // (limit only): it must rest as a maker, and where the book has already crossed it is replaced
  // under the guard at the best price of its side. A move's take-profit keeps the trade's kind.
  bool limit = false;
  bool post_only = false;
};

// A trailing stop: it follows the best price since it became active by callback_pct and closes
// the position when the price comes back that far.
struct TrailingLevel {
  Decimal callback_pct;                    // 0.1 .. 10 (Binance's callbackRate range)
  std::optional<Decimal> activation_price;  // none: active at once
};

struct Signal {
  std::string id;      // 1-64 characters of A-Z a-z 0-9 and . _ - :
  std::string symbol;  // as the exchange spells it: upper-case letters and digits
  SignalAction action = SignalAction::kOpen;
  // open and flip (add: qty or notional, entry market or limit, price, post_only, ttl_s):
  PositionSide direction = PositionSide::kLong;  // kLong or kShort
  std::optional<Decimal> qty;       // contracts
  std::optional<Decimal> notional;  // quote currency (USDT)
  EntryKind entry = EntryKind::kMarket;
  std::optional<Decimal> price;  // a limit entry's price (required for "limit", refused otherwise)
  bool post_only = false;        // a limit entry that must rest as a maker (refused if it would take)
  // A maker entry's distance behind the best price of its side, in basis points (0..1000): a buy
  // rests that far under the bid, a sell over the ask, and follows the book at that distance.
  int offset_bps = 0;
  PriceLevel stop_loss;
  std::optional<PriceLevel> take_profit;
  // How long the signal stays valid: a resting entry's time limit (maker 1..86400, limit
  // 1..2592000, none: a limit entry rests until it fills or is cancelled).
  std::optional<int> ttl_s;
  // close, move, cancel and add: the one leg to act on (hedge mode); none: every leg of the symbol
  // (close, cancel), the symbol's only trade (move, add).
  std::optional<PositionSide> leg;
  // move only, at least one of them: where the stop-loss and the take-profit go.
  std::optional<PriceLevel> move_stop_loss;
  std::optional<PriceLevel> move_take_profit;
  // trail only: the trailing stop to set; none: "off", the trailing stop removed.
  std::optional<TrailingLevel> trailing_stop;
  // add only: the open signal whose trade it adds to; refused when the leg's trade is another (the
  // bot's trade closed and a new one opened since it decided).
  std::optional<std::string> trade;
};

// kInvalidInput "<field>: expected …, found …" for the first field that is wrong.
// stored: a trade's own signal as keel stored it, whose stop a move may have put at break-even
// ({"break_even":true}); a bot's open names a pct or a price.
Result<Signal> ParseSignal(std::string_view json, bool stored = false);
// The signal as one JSON object, in the form ParseSignal reads (numbers as decimal strings).
std::string SignalJson(const Signal& signal);

// The id of the open a flip signal makes once its close is proven: "<flip id>.open".
std::string FlipOpenId(const std::string& flip_id);

// The price a level puts a stop or take-profit at for a position entered at `entry` in
// `direction`: pct below (long stop, short take-profit) or above the entry. Not rounded to a tick.
Result<Decimal> LevelPrice(const PriceLevel& level, Decimal entry, PositionSide direction, bool is_stop);

}  // namespace keel
