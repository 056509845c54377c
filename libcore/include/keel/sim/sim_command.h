#pragma once
// One instruction to the simulator, from the control endpoint (a JSON object) or a scenario file
// (a TOML table): a fault to switch on, an exchange-side act, or a reset. Both spellings are the same
// set of keys, documented in keel-exchange-sim(1):
//
//   {"fault":"stale_reads","ms":2000,"what":"all"}    position/order reads answer from 2 s ago (0: off);
//                                                      what: all | positions | orders
//   {"fault":"placement","when":"after","how":"timeout","count":1}   when: before|after,
//                                                     how: timeout|5xx|408|-1006|-1007|garbled
//   {"fault":"latency","ms":50,"jitter_ms":5}         every answer and stream event that much later
//   {"fault":"minimal_ack","count":1}                  placements answer without side/qty/status (-1: all)
//   {"fault":"rate_limit","count":3}                   the next 3 requests get 429 -1003
//   {"fault":"stream_delay","ms":500}
//   {"fault":"stream_drop","per_mille":100}
//   {"fault":"stream_drop_next","event":"ORDER_TRADE_UPDATE","detail":"CANCELED","count":1}
//   {"fault":"stream_duplicate","count":2}
//   {"fault":"stream_reorder","count":1}
//   {"fault":"fill_before_position","count":5}         the next fills' trade pushes before their position's
//   {"fault":"disconnect"}                             every stream connection is closed
//   {"fault":"expire_listen_key","account":"demo"}
//   {"act":"cancel"|"expire","account":"demo","symbol":"BTCUSDT","orderId":1|"clientOrderId":"x","reason":"…"}
//   {"act":"fill","account":"demo","symbol":"BTCUSDT","orderId":1,"qty":"0.5"}   qty optional: all
//   {"act":"cancel_racing_fill","account":"demo","symbol":"BTCUSDT","orderId":1}   the rest fills as a cancel arrives
//   {"act":"move_price","symbol":"BTCUSDT","percent":"-5","over_ms":2000}
//   {"act":"liquidate","account":"demo","symbol":"BTCUSDT","position_side":"BOTH"}   at the mark, now
//   {"act":"adl","account":"demo","symbol":"BTCUSDT","qty":"0.5"}   qty optional: all; position_side too
//   {"clear":"faults"}

#include <map>
#include <string>

#include "keel/model/status.h"

namespace keel::sim {

struct SimCommand {
  std::string verb;   // "fault", "act" or "clear"
  std::string what;   // its value: "stale_reads", "cancel", …
  std::map<std::string, std::string> args;  // every other key, as text

  std::optional<std::string> Get(const std::string& key) const;
  Result<std::string> Required(const std::string& key) const;
  Result<std::int64_t> Int(const std::string& key, std::int64_t fallback) const;
};

// Parses a JSON object ({"fault":"…", …}).
Result<SimCommand> ParseSimCommandJson(const std::string& json);

}  // namespace keel::sim
