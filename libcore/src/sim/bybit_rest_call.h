#pragma once
// One request to the simulator's Bybit REST API being answered, and the readers every endpoint
// shares. Internal to keel-sim: the endpoints are spread over bybit_rest*.cpp by concern.

#include <optional>
#include <string>

#include "keel/net/query_string.h"
#include "keel/sim/bybit_rest.h"
#include "keel/sim/sim_refusal.h"

namespace keel::sim {
namespace bybit_rest {

using Body = Result<std::string>;

// Bybit's error as a Status: the retCode in venue_code, HTTP 200 (business errors ride in the
// envelope) unless said otherwise.
inline Status bybit_error(int code, std::string message, int http = 200) {
  return Status::Exchange(std::move(message), code, http);
}

inline Status params_error(const std::string& what) { return bybit_error(10001, "params error: " + what); }

// A refusal of the simulator's core (sim_refusal.h) as Bybit answers it (docs/v5/error.mdx); any
// other Status as it is (bybit_refusal.cpp).
Status ToBybit(const Status& s);

}  // namespace bybit_rest

struct BybitRestApi::Call {
  const net::HttpRequest& request;
  net::Params params;
  AccountId account = -1;
  TimeMs now = 0;
  net::HttpResponse::Delivery delivery = net::HttpResponse::Delivery::kRespond;
  int http_status = 200;
  SimExchange& ex;
  FaultState& faults;
  StaleReads& stale;

  std::optional<std::string> Opt(const char* name) const {
    auto v = params.Get(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  }
  Result<std::string> Req(const char* name) const {
    auto v = Opt(name);
    if (!v) return bybit_rest::params_error(std::string("missing ") + name);
    return *v;
  }
  Result<std::optional<Decimal>> OptDecimal(const char* name) const {
    auto v = Opt(name);
    if (!v) return std::optional<Decimal>();
    auto d = Decimal::Parse(*v);
    if (!d.ok() || d->is_negative()) return bybit_rest::params_error(std::string(name) + " invalid");
    return std::optional<Decimal>(*d);
  }
  Result<std::optional<std::int64_t>> OptInt(const char* name) const {
    auto v = Opt(name);
    if (!v) return std::optional<std::int64_t>();
    if (v->size() > 18 || v->find_first_not_of("0123456789") != std::string::npos)
      return bybit_rest::params_error(std::string(name) + " invalid");
    return std::optional<std::int64_t>(std::stoll(*v));
  }
  Result<bool> Bool(const char* name) const {
    auto v = Opt(name);
    if (!v || *v == "false") return false;
    if (*v == "true") return true;
    return bybit_rest::params_error(std::string(name) + " invalid");
  }
  Status Linear() const {
    auto category = Req("category");
    if (!category.ok()) return category.status();
    if (*category != "linear") return bybit_rest::params_error("category " + *category + " is not served by this simulator");
    return Status::Ok();
  }
  Result<std::string> Symbol() const {
    auto s = Req("symbol");
    if (!s.ok()) return s.status();
    if (!ex.FindMarket(*s)) return bybit_rest::params_error("symbol invalid");
    return *s;
  }
  // The symbol when given (known), else "" after checking a settleCoin or baseCoin was given.
  Result<std::string> SymbolOrCoin() const {
    if (Opt("symbol")) return Symbol();
    if (!Opt("settleCoin") && !Opt("baseCoin")) return bybit_rest::params_error("symbol, baseCoin or settleCoin is required");
    return std::string();
  }
  const AccountSnapshot* Stale() const {
    if (faults.stale_reads_ms <= 0 || !stale.active()) return nullptr;
    if (faults.stale_scope == FaultState::StaleScope::kPositions) return nullptr;
    return stale.At(account, now - faults.stale_reads_ms);
  }
  bool SettleCoinMatches() const {
    // Every simulated contract settles in USDT.
    auto coin = Opt("settleCoin");
    return !coin || *coin == "USDT";
  }
};

namespace bybit_rest {

using Call = BybitRestApi::Call;

// positionIdx (0 when absent) as the position's leg; it must match the account's position mode.
Result<PositionSide> PositionLeg(Call& c);
// tpTriggerBy, slTriggerBy, triggerBy: LastPrice (when absent), MarkPrice or IndexPrice (the
// simulator has no index: the contract price stands in).
Result<WorkingType> TriggerBy(Call& c, const char* name);

// POST /v5/position/trading-stop (bybit_rest_tpsl.cpp).
Body trading_stop(Call& c);

}  // namespace bybit_rest
}  // namespace keel::sim
