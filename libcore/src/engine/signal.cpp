#include "keel/engine/signal.h"

#include "keel/model/instrument.h"
#include "keel/model/json_fields.h"
#include "keel/model/json_writer.h"
#include "keel/model/log_text.h"

namespace keel {
namespace {

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// A value quoted back to whoever sent it, who may print it on a terminal: escaped.
std::string quoted(const std::string& s) { return "\"" + LogText(s.size() > 40 ? s.substr(0, 40) + "…" : s) + "\""; }

// allow_break_even: a move's stop, which may go to the trade's entry price ({"break_even":true}).
// allow_limit: a take-profit, which may rest as a limit order ({"limit":true,"post_only":true}).
Result<PriceLevel> ReadLevel(JsonFields& level, bool allow_break_even = false, bool allow_limit = false) {
  PriceLevel out;
  if (allow_limit) {
    auto limit = level.Bool("limit");
    if (!limit.ok()) return limit.status();
    auto post_only = level.Bool("post_only");
    if (!post_only.ok()) return post_only.status();
    out.limit = limit->value_or(false);
    out.post_only = post_only->value_or(false);
    if (out.post_only && !out.limit)
      return Status::InvalidInput(level.path() + "post_only: a post-only take-profit is a limit one (add \"limit\":true)");
  }
  auto pct = level.Number("pct");
  if (!pct.ok()) return pct.status();
  auto price = level.Number("price");
  if (!price.ok()) return price.status();
  std::optional<bool> break_even;
  if (allow_break_even) {
    auto be = level.Bool("break_even");
    if (!be.ok()) return be.status();
    break_even = *be;
  }
  KEEL_RETURN_IF_ERROR(level.RejectUnknown());
  const std::string& at = level.path();
  if (break_even) {
    if (!*break_even) return Status::InvalidInput(at + "break_even: expected true (or leave it out), found false");
    if (*pct || *price)
      return Status::InvalidInput(at.substr(0, at.size() - 1) + ": expected exactly one of pct, price and break_even");
    out.break_even = true;
    return out;
  }
  if (pct->has_value() == price->has_value()) {
    return Status::InvalidInput(at.substr(0, at.size() - 1) + ": expected exactly one of pct and price" +
                                (allow_break_even ? std::string(" (or break_even)") : std::string()));
  }
  if (*pct) {
    const Decimal hundred = Decimal::FromInteger(100).value();
    if (!(**pct).is_positive() || **pct >= hundred)
      return Status::InvalidInput(at + "pct: expected a percentage above 0 and below 100, found " + (**pct).ToString());
    out.pct = **pct;
  } else {
    if (!(**price).is_positive())
      return Status::InvalidInput(at + "price: expected a price above 0, found " + (**price).ToString());
    out.price = **price;
  }
  return out;
}

void WriteLevel(JsonWriter& w, const char* key, const PriceLevel& level) {
  w.Key(key).StartObject();
  if (level.pct) w.Key("pct").Number(*level.pct);
  if (level.price) w.Key("price").Number(*level.price);
  if (level.break_even) w.Key("break_even").Bool(true);
  if (level.limit) w.Key("limit").Bool(true);
  if (level.post_only) w.Key("post_only").Bool(true);
  w.EndObject();
}

// A trail signal's trailing stop: callback_pct (and activation_price), or "off": true.
Result<std::optional<TrailingLevel>> ReadTrailing(JsonFields& f) {
  auto off = f.Bool("off");
  if (!off.ok()) return off.status();
  auto callback = f.Number("callback_pct");
  if (!callback.ok()) return callback.status();
  auto activation = f.Number("activation_price");
  if (!activation.ok()) return activation.status();
  if (off->value_or(false)) {
    if (*callback || *activation)
      return Status::InvalidInput("off: a trail that removes the trailing stop names no callback_pct or activation_price");
    return std::optional<TrailingLevel>();
  }
  if (*off) return Status::InvalidInput("off: expected true (to remove the trailing stop), found false");
  if (!*callback) return Status::InvalidInput("callback_pct: required (0.1 to 10), or \"off\":true");
  const Decimal low = Decimal::Parse("0.1").value(), high = Decimal::FromInteger(10).value();
  if (**callback < low || **callback > high)
    return Status::InvalidInput("callback_pct: expected 0.1 to 10 (percent), found " + (**callback).ToString());
  TrailingLevel level;
  level.callback_pct = **callback;
  if (*activation) {
    if (!(**activation).is_positive())
      return Status::InvalidInput("activation_price: expected a price above 0, found " + (**activation).ToString());
    level.activation_price = **activation;
  }
  return std::optional<TrailingLevel>(level);
}

}  // namespace

const char* to_string(SignalAction a) {
  switch (a) {
    case SignalAction::kOpen: return "open";
    case SignalAction::kClose: return "close";
    case SignalAction::kMove: return "move";
    case SignalAction::kCancel: return "cancel";
    case SignalAction::kAdd: return "add";
    case SignalAction::kFlip: return "flip";
    case SignalAction::kTrail: return "trail";
  }
  return "?";
}
const char* to_string(EntryKind k) {
  switch (k) {
    case EntryKind::kMarket: return "market";
    case EntryKind::kMaker: return "maker";
    case EntryKind::kLimit: return "limit";
  }
  return "?";
}

Result<Signal> ParseSignal(std::string_view json, bool stored) {
  auto fields = JsonFields::Parse(json, "signal");
  if (!fields.ok()) return fields.status();
  JsonFields& f = *fields;
  Signal s;

  auto id = f.String("id");
  if (!id.ok()) return id.status();
  if (!*id) return Status::InvalidInput("id: required");
  if (!valid_id(**id))
    return Status::InvalidInput("id: expected 1-64 characters of A-Z a-z 0-9 . _ - :, found " + quoted(**id));
  s.id = **id;

  auto symbol = f.String("symbol");
  if (!symbol.ok()) return symbol.status();
  if (!*symbol) return Status::InvalidInput("symbol: required");
  if (!IsPlainSymbol(**symbol))
    return Status::InvalidInput("symbol: expected the exchange's symbol in capitals (BTCUSDT), found " + quoted(**symbol));
  s.symbol = **symbol;

  auto action = f.String("action");
  if (!action.ok()) return action.status();
  if (*action && **action != "open" && **action != "close" && **action != "move" && **action != "cancel" &&
      **action != "add" && **action != "flip" && **action != "trail")
    return Status::InvalidInput("action: expected open, close, move, cancel, add, flip or trail, found " + quoted(**action));
  s.action = !*action || **action == "open" ? SignalAction::kOpen
             : **action == "close"          ? SignalAction::kClose
             : **action == "move"           ? SignalAction::kMove
             : **action == "add"            ? SignalAction::kAdd
             : **action == "flip"           ? SignalAction::kFlip
             : **action == "trail"          ? SignalAction::kTrail
                                            : SignalAction::kCancel;
  // A flip's open must have an id of its own that is still a valid id.
  if (s.action == SignalAction::kFlip && s.id.size() + 5 > 64)
    return Status::InvalidInput("id: a flip's id is at most 59 characters (its open is \"<id>.open\")");

  if (s.action != SignalAction::kOpen && s.action != SignalAction::kAdd && s.action != SignalAction::kFlip) {
    // A close names only what to close (the symbol, and in hedge mode a leg), a move what to move
    // where; anything else would be a signal misread.
    const char* what = s.action == SignalAction::kClose  ? "close"
                       : s.action == SignalAction::kMove ? "move"
                       : s.action == SignalAction::kTrail ? "trail"
                                                         : "cancel";
    auto leg = f.String("side");
    if (!leg.ok()) return leg.status();
    if (*leg) {
      if (**leg == "LONG") s.leg = PositionSide::kLong;
      else if (**leg == "SHORT") s.leg = PositionSide::kShort;
      else return Status::InvalidInput(std::string("side: expected LONG or SHORT (the leg to ") + what + "), found " + quoted(**leg));
    }
    if (s.action == SignalAction::kMove) {
      auto stop = f.Object("stop_loss");
      if (!stop.ok()) return stop.status();
      if (*stop) {
        auto level = ReadLevel(**stop, true);
        if (!level.ok()) return level.status();
        s.move_stop_loss = *level;
      }
      auto tp = f.Object("take_profit");
      if (!tp.ok()) return tp.status();
      if (*tp) {
        auto level = ReadLevel(**tp, false, true);
        if (!level.ok()) return level.status();
        s.move_take_profit = *level;
      }
    }
    if (s.action == SignalAction::kTrail) {
      auto trailing = ReadTrailing(f);
      if (!trailing.ok()) return trailing.status();
      s.trailing_stop = *trailing;
    }
    KEEL_RETURN_IF_ERROR(f.RejectUnknown());
    if (s.action == SignalAction::kMove && !s.move_stop_loss && !s.move_take_profit)
      return Status::InvalidInput("stop_loss, take_profit: a move needs at least one of them");
    return s;
  }

  const bool add = s.action == SignalAction::kAdd;
  auto side = f.String("side");
  if (!side.ok()) return side.status();
  if (add) {
    // An add names the leg it adds to (hedge mode); its direction is the trade's.
    if (*side) {
      if (**side == "LONG") s.leg = PositionSide::kLong;
      else if (**side == "SHORT") s.leg = PositionSide::kShort;
      else return Status::InvalidInput("side: expected LONG or SHORT (the leg to add to), found " + quoted(**side));
    }
  } else {
    if (!*side) return Status::InvalidInput("side: required (LONG or SHORT)");
    if (**side == "LONG") s.direction = PositionSide::kLong;
    else if (**side == "SHORT") s.direction = PositionSide::kShort;
    else return Status::InvalidInput("side: expected LONG or SHORT, found " + quoted(**side));
  }

  auto qty = f.Number("qty");
  if (!qty.ok()) return qty.status();
  auto notional = f.Number("notional");
  if (!notional.ok()) return notional.status();
  if (qty->has_value() == notional->has_value())
    return Status::InvalidInput("qty, notional: expected exactly one of them");
  if (*qty && !(**qty).is_positive())
    return Status::InvalidInput("qty: expected a quantity above 0, found " + (**qty).ToString());
  if (*notional && !(**notional).is_positive())
    return Status::InvalidInput("notional: expected an amount above 0, found " + (**notional).ToString());
  s.qty = *qty;
  s.notional = *notional;

  auto entry = f.String("entry");
  if (!entry.ok()) return entry.status();
  if (*entry) {
    if (**entry == "market") s.entry = EntryKind::kMarket;
    else if (**entry == "maker") s.entry = EntryKind::kMaker;
    else if (**entry == "limit") s.entry = EntryKind::kLimit;
    else return Status::InvalidInput("entry: expected market, maker or limit, found " + quoted(**entry));
    if (add && s.entry == EntryKind::kMaker)
      return Status::InvalidInput("entry: an add is market or limit (a maker add would follow the book beside the trade's exits)");
  }
  auto price = f.Number("price");
  if (!price.ok()) return price.status();
  auto post_only = f.Bool("post_only");
  if (!post_only.ok()) return post_only.status();
  auto offset = f.Integer("offset_bps");
  if (!offset.ok()) return offset.status();
  if (*offset) {
    if (s.entry != EntryKind::kMaker)
      return Status::InvalidInput("offset_bps: only a maker entry rests at a distance from the best price (\"entry\":\"maker\")");
    if (**offset < 0 || **offset > 1000)
      return Status::InvalidInput("offset_bps: expected 0 to 1000 basis points, found " + std::to_string(**offset));
    s.offset_bps = static_cast<int>(**offset);
  }
  if (s.entry == EntryKind::kLimit) {
    if (!*price) return Status::InvalidInput("price: required for a limit entry");
    if (!(**price).is_positive()) return Status::InvalidInput("price: expected a price above 0, found " + (**price).ToString());
    s.price = **price;
    s.post_only = post_only->value_or(false);
  } else {
    if (*price) return Status::InvalidInput("price: only a limit entry has a price (\"entry\":\"limit\")");
    if (*post_only) return Status::InvalidInput("post_only: only a limit entry takes it (a maker entry is always post-only)");
  }

  if (add) {
    auto trade = f.String("trade");
    if (!trade.ok()) return trade.status();
    if (*trade) {
      if (!valid_id(**trade))
        return Status::InvalidInput("trade: expected the id of the open signal to add to, found " + quoted(**trade));
      s.trade = **trade;
    }
    // The trade's stop and take-profit close the whole position, the add's fill included: an add
    // has none of its own.
    for (const char* exit : {"stop_loss", "take_profit"}) {
      auto level = f.Object(exit);
      if (!level.ok()) return level.status();
      if (*level)
        return Status::InvalidInput(std::string(exit) + ": an add has none of its own: the trade's exits cover the whole position "
                                    "(a move signal moves them)");
    }
    auto ttl = f.Integer("ttl_s");
    if (!ttl.ok()) return ttl.status();
    if (*ttl) {
      if (s.entry != EntryKind::kLimit) return Status::InvalidInput("ttl_s: only a limit add rests, and has a time limit");
      if (**ttl < 1 || **ttl > 2'592'000)
        return Status::InvalidInput("ttl_s: expected seconds from 1 to 2592000, found " + std::to_string(**ttl));
      s.ttl_s = static_cast<int>(**ttl);
    }
    KEEL_RETURN_IF_ERROR(f.RejectUnknown());
    return s;
  }

  auto stop = f.Object("stop_loss");
  if (!stop.ok()) return stop.status();
  if (!*stop) return Status::InvalidInput("stop_loss: required ({\"pct\":…} or {\"price\":…}): keel opens no position without a stop");
  auto stop_level = ReadLevel(**stop, stored);
  if (!stop_level.ok()) return stop_level.status();
  s.stop_loss = *stop_level;

  auto tp = f.Object("take_profit");
  if (!tp.ok()) return tp.status();
  if (*tp) {
    auto tp_level = ReadLevel(**tp, false, true);
    if (!tp_level.ok()) return tp_level.status();
    s.take_profit = *tp_level;
  }

  auto ttl = f.Integer("ttl_s");
  if (!ttl.ok()) return ttl.status();
  if (*ttl) {
    // A limit entry may rest for days (a grid's levels); a maker entry follows the book and is
    // re-priced, a day at most.
    const std::int64_t most = s.entry == EntryKind::kLimit ? 2'592'000 : 86'400;
    if (**ttl < 1 || **ttl > most)
      return Status::InvalidInput("ttl_s: expected seconds from 1 to " + std::to_string(most) + ", found " + std::to_string(**ttl));
    s.ttl_s = static_cast<int>(**ttl);
  }
  KEEL_RETURN_IF_ERROR(f.RejectUnknown());
  return s;
}

std::string SignalJson(const Signal& s) {
  JsonWriter w;
  w.StartObject();
  w.Key("id").String(s.id);
  w.Key("symbol").String(s.symbol);
  w.Key("action").String(to_string(s.action));
  if (s.action == SignalAction::kAdd) {
    if (s.leg) w.Key("side").String(*s.leg == PositionSide::kLong ? "LONG" : "SHORT");
    if (s.trade) w.Key("trade").String(*s.trade);
    if (s.qty) w.Key("qty").Number(*s.qty);
    if (s.notional) w.Key("notional").Number(*s.notional);
    w.Key("entry").String(to_string(s.entry));
    if (s.price) w.Key("price").Number(*s.price);
    if (s.post_only) w.Key("post_only").Bool(true);
    if (s.ttl_s) w.Key("ttl_s").Int(*s.ttl_s);
  } else if (s.action == SignalAction::kOpen || s.action == SignalAction::kFlip) {
    w.Key("side").String(s.direction == PositionSide::kLong ? "LONG" : "SHORT");
    if (s.qty) w.Key("qty").Number(*s.qty);
    if (s.notional) w.Key("notional").Number(*s.notional);
    w.Key("entry").String(to_string(s.entry));
    if (s.offset_bps) w.Key("offset_bps").Int(s.offset_bps);
    if (s.price) w.Key("price").Number(*s.price);
    if (s.post_only) w.Key("post_only").Bool(true);
    WriteLevel(w, "stop_loss", s.stop_loss);
    if (s.take_profit) WriteLevel(w, "take_profit", *s.take_profit);
    if (s.ttl_s) w.Key("ttl_s").Int(*s.ttl_s);
  } else {
    if (s.leg) w.Key("side").String(*s.leg == PositionSide::kLong ? "LONG" : "SHORT");
    if (s.move_stop_loss) WriteLevel(w, "stop_loss", *s.move_stop_loss);
    if (s.move_take_profit) WriteLevel(w, "take_profit", *s.move_take_profit);
    if (s.action == SignalAction::kTrail) {
      if (!s.trailing_stop) {
        w.Key("off").Bool(true);
      } else {
        w.Key("callback_pct").Number(s.trailing_stop->callback_pct);
        if (s.trailing_stop->activation_price) w.Key("activation_price").Number(*s.trailing_stop->activation_price);
      }
    }
  }
  w.EndObject();
  return w.str();
}

std::string FlipOpenId(const std::string& flip_id) { return flip_id + ".open"; }

Result<Decimal> LevelPrice(const PriceLevel& level, Decimal entry, PositionSide direction, bool is_stop) {
  if (level.price) return *level.price;
  if (level.break_even) return entry;
  if (!level.pct) return Status::InvalidInput("a level needs pct or price");
  // A long's stop is below its entry and its take-profit above; a short's the other way round.
  const bool below = (direction == PositionSide::kLong) == is_stop;
  const Decimal hundred = Decimal::FromInteger(100).value();
  auto factor = below ? hundred.Sub(*level.pct) : hundred.Add(*level.pct);
  if (!factor.ok()) return factor.status();
  auto scaled = entry.Mul(*factor, Rounding::kNearest);
  if (!scaled.ok()) return scaled.status();
  return scaled->Div(hundred, Rounding::kNearest);
}

}  // namespace keel
