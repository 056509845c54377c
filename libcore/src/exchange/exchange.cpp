#include "keel/exchange/exchange.h"

namespace keel {

const char* to_string(OrderBook book) { return book == OrderBook::kRegular ? "regular" : "conditional"; }

Result<AccountReport> Exchange::Account() {
  AccountReport report;
  auto positions = Positions();
  if (!positions.ok()) return positions.status();
  auto orders = OpenOrders();
  if (!orders.ok()) return orders.status();
  report.positions = std::move(positions).value();
  report.open_orders = std::move(orders).value();
  for (const auto& p : report.positions) report.as_of = std::max(report.as_of, p.update_time);
  for (const auto& o : report.open_orders) report.as_of = std::max(report.as_of, o.update_time);
  return report;
}

}  // namespace keel
