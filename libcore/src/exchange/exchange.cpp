#include "keel/exchange/exchange.h"

namespace keel {

const char* to_string(OrderBook book) { return book == OrderBook::kRegular ? "regular" : "conditional"; }

bool IsRateRefusal(const Status& status) { return status.IsExchange() && status.refusal() == Refusal::kRate; }

bool IsDefiniteRejection(const Status& status) {
  return status.IsExchange() || status.IsTransport() || status.IsInvalidInput();
}

Result<Instrument> InstrumentList::Find(const std::string& symbol) const {
  for (const auto& i : instruments)
    if (i.symbol == symbol) return i;
  for (const auto& s : skipped)
    if (s.symbol == symbol) return Status::InvalidInput(symbol + " is listed, but keel cannot trade it: " + s.reason);
  return Status::NotFound("the exchange does not list " + symbol);
}

bool InstrumentList::Lists(const std::string& symbol) const {
  for (const auto& i : instruments)
    if (i.symbol == symbol) return true;
  for (const auto& s : skipped)
    if (s.symbol == symbol) return true;
  return false;
}

Result<Exchange::AccountAndListing> Exchange::AccountAndInstruments() {
  auto account = Account();
  if (!account.ok()) return account.status();
  auto instruments = Instruments();
  if (!instruments.ok()) return instruments.status();
  return AccountAndListing{std::move(account).value(), std::move(instruments).value()};
}

AccountReport AccountReportOf(std::vector<PositionReport> positions, std::vector<OrderReport> orders) {
  AccountReport report;
  report.positions = std::move(positions);
  report.open_orders = std::move(orders);
  for (const auto& p : report.positions) report.as_of = std::max(report.as_of, p.update_time);
  for (const auto& o : report.open_orders) report.as_of = std::max(report.as_of, o.update_time);
  return report;
}

Result<AccountReport> Exchange::Account() {
  auto positions = Positions();
  if (!positions.ok()) return positions.status();
  auto orders = OpenOrders();
  if (!orders.ok()) return orders.status();
  return AccountReportOf(std::move(positions).value(), std::move(orders).value());
}

}  // namespace keel
