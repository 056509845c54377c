#pragma once
// Entries that could still open a leg, ended on the worker before a close reads its position: one
// that fills between the read and a later cancel would open a position nobody owns (chaos seed
// 916); and a limit take-profit before a tool's close (SafeClose: Binance refuses a close that
// reduce-only orders already cover, -4118).

#include <set>
#include <string>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/safety/settle.h"

namespace keel {

struct EntriesEnded {
  std::vector<OrderReport> ended;                // terminal, as their cancel (or query) left them
  std::vector<std::string> problems;             // one line per entry that may still rest
  std::vector<std::string> unknown_to_exchange;  // cancels the matching engine answered "unknown order"
};

// Each entry cancelled, or only settled by client id when settle_only names it (one the matching
// engine already answered "unknown order", one whose cancel is on its way elsewhere: a second
// cancel would reach an order that ended). A cancel answered without the order, or not found, is
// settled by client id: a read that still says it works lags, or the order came after the cancel;
// it is not cancelled again on a read's word.
EntriesEnded EndEntriesBeforeClose(Exchange& ex, const std::string& symbol, const std::vector<std::string>& client_order_ids,
                                   const std::set<std::string>& settle_only, const SettleOptions& settle);

}  // namespace keel
