#include "keel/sim/sim_types.h"


#include "keel/model/enum_names.h"
#include "keel/sim/sim_exchange.h"

namespace keel::sim {
namespace {

constexpr detail::EnumNames<WorkingType, 2> kWorkingTypes{
    {{WorkingType::kContractPrice, "CONTRACT_PRICE"}, {WorkingType::kMarkPrice, "MARK_PRICE"}}};

constexpr detail::EnumNames<AlgoStatus, 7> kAlgoStatuses{{{AlgoStatus::kNew, "NEW"},
                                                          {AlgoStatus::kCanceled, "CANCELED"},
                                                          {AlgoStatus::kTriggering, "TRIGGERING"},
                                                          {AlgoStatus::kTriggered, "TRIGGERED"},
                                                          {AlgoStatus::kFinished, "FINISHED"},
                                                          {AlgoStatus::kRejected, "REJECTED"},
                                                          {AlgoStatus::kExpired, "EXPIRED"}}};

}  // namespace

const char* to_string(WorkingType t) { return detail::enum_name(kWorkingTypes, t); }
Result<WorkingType> parse_working_type(std::string_view t) {
  return detail::parse_enum(kWorkingTypes, t, "workingType");
}
const char* to_string(AlgoStatus s) { return detail::enum_name(kAlgoStatuses, s); }
bool is_open(AlgoStatus s) {
  return s == AlgoStatus::kNew || s == AlgoStatus::kTriggering || s == AlgoStatus::kTriggered;
}

const char* UserEvent::type_name() const {
  switch (body.index()) {
    case 0: return "ORDER_TRADE_UPDATE";
    case 1: return "ALGO_UPDATE";
    case 2: return "ACCOUNT_UPDATE";
    case 3: return "listenKeyExpired";
    case 4: return "TRADE_LITE";
    case 5: return "MARGIN_CALL";
    case 6: return "ACCOUNT_CONFIG_UPDATE";
    default: return "CONDITIONAL_ORDER_TRIGGER_REJECT";
  }
}

bool UserEvent::binance_silent() const {
  const auto* u = std::get_if<OrderUpdate>(&body);
  return u && u->execution_type == "CANCEL_REJECTED";
}

const std::string& MarketEvent::symbol() const {
  return std::visit([](const auto& b) -> const std::string& { return b.symbol; }, body);
}

const char* MarketEvent::stream_kind() const {
  switch (body.index()) {
    case 0: return "bookTicker";
    case 1: return "markPrice";
    default: return "aggTrade";
  }
}

bool is_valid_client_order_id(const std::string& id) {
  if (id.empty() || id.size() > 36) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == ':' || c == '/' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace keel::sim
