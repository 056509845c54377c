#include "keel/safety/client_ids.h"

namespace keel {
namespace {

char purpose_letter(OrderPurpose p) {
  switch (p) {
    case OrderPurpose::kEntry: return 'e';
    case OrderPurpose::kStop: return 's';
    case OrderPurpose::kTakeProfit: return 't';
    case OrderPurpose::kEmergencyStop: return 'x';
    case OrderPurpose::kClose: return 'c';
    case OrderPurpose::kGrid: return 'g';
  }
  return 'o';
}

std::string base36(std::int64_t v) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  if (v <= 0) return "0";
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), kDigits[v % 36]);
    v /= 36;
  }
  return out;
}

}  // namespace

std::string ClientIdPrefix(const std::string& account) { return "k" + account.substr(0, 12) + "-"; }

std::string MakeClientOrderId(const std::string& account, OrderPurpose purpose, const std::string& symbol, TimeMs at) {
  return ClientIdPrefix(account) + purpose_letter(purpose) + base36(at) + "-" + symbol.substr(0, 12);
}

bool IsOwnClientOrderId(const std::string& account, const std::string& client_order_id) {
  return client_order_id.rfind(ClientIdPrefix(account), 0) == 0;
}

}  // namespace keel
