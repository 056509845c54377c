#include "keel/bybit/fill_tracker.h"

namespace keel::bybit {

void FillTracker::Apply(OrderEvent& e, Decimal cum_exec_value) {
  auto it = seen_.find(e.exchange_order_id);
  if (it == seen_.end()) {
    if (seen_.size() >= capacity_ && !order_.empty()) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
    it = seen_.emplace(e.exchange_order_id, Cumulative{}).first;
    order_.push_back(e.exchange_order_id);
  }
  Cumulative& before = it->second;
  e.last_qty = Decimal();
  e.last_price = Decimal();
  if (e.filled_qty <= before.qty) return;  // nothing new (or an older row): no fill
  const Decimal added = e.filled_qty.Sub(before.qty).value();
  const auto value = cum_exec_value.Sub(before.value);
  auto price = value.ok() && value->is_positive() ? value->Div(added, Rounding::kNearest) : Result<Decimal>(e.avg_price);
  e.last_qty = added;
  e.last_price = price.ok() ? *price : e.avg_price;
  e.book = OrderBook::kRegular;
  before = Cumulative{e.filled_qty, cum_exec_value};
}

}  // namespace keel::bybit
