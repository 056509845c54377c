// The public order requests: each does the request (sim_orders.cpp, sim_algo.cpp) and records it
// in the ledger, the ground truth keel-chaos judges clients by.
#include "keel/model/order_status.h"
#include "keel/sim/sim_exchange.h"

namespace keel::sim {

const char* to_string(LedgerAction action) {
  switch (action) {
    case LedgerAction::kPlace: return "place";
    case LedgerAction::kAmend: return "amend";
    case LedgerAction::kCancel: return "cancel";
    case LedgerAction::kCancelAll: return "cancel_all";
    case LedgerAction::kQuery: return "query";
  }
  return "?";
}

const char* to_string(LedgerBook book) { return book == LedgerBook::kAlgo ? "algo" : "orders"; }

namespace {

LedgerEntry Entry(TimeMs now, AccountId id, LedgerAction action, LedgerBook book, const std::string& symbol,
                  const OrderRef& ref) {
  LedgerEntry e;
  e.time = now;
  e.account = static_cast<std::int64_t>(id);
  e.action = action;
  e.book = book;
  e.symbol = symbol;
  e.order_id = ref.order_id.value_or(0);
  e.client_id = ref.client_order_id.value_or("");
  return e;
}

std::string RefusedOf(const Status& s) {
  const auto refusal = RefusalOf(s);
  return refusal ? to_string(*refusal) : to_string(s.category());
}

template <typename R>
void Complete(LedgerEntry& e, const Result<R>& r) {
  if (!r.ok()) {
    e.refused = RefusedOf(r.status());
    return;
  }
  if constexpr (std::is_same_v<R, SimOrder>) {
    e.order_id = r->order_id;
    e.client_id = r->client_order_id;
    e.symbol = r->symbol;
    e.status = to_string(r->status);
  } else if constexpr (std::is_same_v<R, SimAlgoOrder>) {
    e.order_id = r->algo_id;
    e.client_id = r->client_algo_id;
    e.symbol = r->symbol;
    e.status = to_string(r->status);
  }
}

}  // namespace

void SimExchange::Record(LedgerEntry entry) const { ledger_.push_back(std::move(entry)); }

Result<SimOrder> SimExchange::PlaceOrder(AccountId id, const NewOrderRequest& request) {
  auto e = Entry(now(), id, LedgerAction::kPlace, LedgerBook::kOrders, request.symbol,
                 OrderRef{std::nullopt, request.client_order_id});
  auto r = DoPlaceOrder(id, request);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<SimOrder> SimExchange::ModifyOrder(AccountId id, const ModifyRequest& request) {
  auto e = Entry(now(), id, LedgerAction::kAmend, LedgerBook::kOrders, request.symbol, request.ref);
  auto r = DoModifyOrder(id, request);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<SimOrder> SimExchange::CancelOrder(AccountId id, const std::string& symbol, const OrderRef& ref) {
  auto e = Entry(now(), id, LedgerAction::kCancel, LedgerBook::kOrders, symbol, ref);
  auto r = DoCancelOrder(id, symbol, ref);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<SimOrder> SimExchange::QueryOrder(AccountId id, const std::string& symbol, const OrderRef& ref) const {
  auto e = Entry(now(), id, LedgerAction::kQuery, LedgerBook::kOrders, symbol, ref);
  auto r = DoQueryOrder(id, symbol, ref);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<int> SimExchange::CancelAllOrders(AccountId id, const std::string& symbol) {
  auto e = Entry(now(), id, LedgerAction::kCancelAll, LedgerBook::kOrders, symbol, {});
  auto r = DoCancelAllOrders(id, symbol);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<SimAlgoOrder> SimExchange::PlaceAlgoOrder(AccountId id, const NewAlgoOrderRequest& request) {
  auto e = Entry(now(), id, LedgerAction::kPlace, LedgerBook::kAlgo, request.symbol,
                 OrderRef{std::nullopt, request.client_algo_id});
  auto r = DoPlaceAlgoOrder(id, request);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<SimAlgoOrder> SimExchange::ModifyAlgoOrder(AccountId id, const ModifyAlgoRequest& request) {
  auto e = Entry(now(), id, LedgerAction::kAmend, LedgerBook::kAlgo, "", request.ref);
  auto r = DoModifyAlgoOrder(id, request);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<SimAlgoOrder> SimExchange::CancelAlgoOrder(AccountId id, const OrderRef& ref) {
  auto e = Entry(now(), id, LedgerAction::kCancel, LedgerBook::kAlgo, "", ref);
  auto r = DoCancelAlgoOrder(id, ref);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<SimAlgoOrder> SimExchange::QueryAlgoOrder(AccountId id, const OrderRef& ref) const {
  auto e = Entry(now(), id, LedgerAction::kQuery, LedgerBook::kAlgo, "", ref);
  auto r = DoQueryAlgoOrder(id, ref);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

Result<int> SimExchange::CancelAllAlgoOrders(AccountId id, const std::string& symbol) {
  auto e = Entry(now(), id, LedgerAction::kCancelAll, LedgerBook::kAlgo, symbol, {});
  auto r = DoCancelAllAlgoOrders(id, symbol);
  Complete(e, r);
  Record(std::move(e));
  return r;
}

}  // namespace keel::sim
