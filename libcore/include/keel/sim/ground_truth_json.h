#pragma once
// The exchange's ground truth for one account as one JSON document, served by the control
// endpoint (GET /_sim/ground-truth?account=NAME) for checkers that trust nothing of the client:
//
//   {"account":"demo","now":…,
//    "requests":[{"time","action","book","symbol","orderId","clientId","code","status"}],   the ledger
//    "orders":[{"orderId","clientOrderId","symbol","side","positionSide","type","status","origQty",
//               "executedQty","price","reduceOnly","closePosition","time","updateTime"}],
//    "algoOrders":[{"algoId","clientAlgoId","symbol","side","positionSide","type","status","quantity",
//                   "triggerPrice","reduceOnly","closePosition","createTime","updateTime"}],
//    "trades":[{"orderId","symbol","side","positionSide","price","qty","time"}],
//    "positions":[{"symbol","positionSide","amount"}],
//    "refusals":[{"time","status","retryAfterMs"}]}      every rate refusal of either REST API (429/418, Bybit 10006 in a 200), any account

//
// Numbers that are money are decimal strings, as everywhere in keel.
#include <string>

#include "keel/sim/binance_rest.h"
#include "keel/sim/sim_exchange.h"

namespace keel::sim {

std::string GroundTruthJson(const SimExchange& exchange, AccountId account,
                            const std::vector<RestRefusal>& refusals);

}  // namespace keel::sim
