#pragma once
// One request to the simulator's Binance REST API being answered, and the readers every endpoint
// shares. Internal to keel-sim: the endpoints are spread over binance_rest*.cpp by concern.

#include <optional>
#include <string>

#include "keel/model/json_writer.h"
#include "keel/net/query_string.h"
#include "keel/sim/binance_rest.h"
#include "keel/sim/sim_refusal.h"

namespace keel::sim {

// A refusal in Binance's own words: Exchange category, its code, HTTP 400 unless said otherwise.
inline Status binance_error(int code, std::string message, int http_status = 400) {
  return Status::Exchange(std::move(message), code, http_status);
}

struct BinanceRestApi::Call {
  const net::HttpRequest& request;
  net::Params params;
  AccountId account = -1;
  TimeMs now = 0;
  net::HttpResponse::Delivery delivery = net::HttpResponse::Delivery::kRespond;
  int http_status = 200;
  bool counts_orders = false;
  SimExchange& ex;
  FaultState& faults;
  StaleReads& stale;
  RateLimiter& limiter;

  std::optional<std::string> Opt(const char* name) const {
    auto v = params.Get(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  }
  Result<std::string> Req(const char* name) const {
    auto v = Opt(name);
    if (!v) return binance_error(-1102, std::string("Mandatory parameter '") + name +
                                          "' was not sent, was empty/null, or malformed.");
    return *v;
  }
  static Status Illegal(const char* name, const char* range) {
    return binance_error(-1100, std::string("Illegal characters found in parameter '") + name + "'; legal range is '" +
                                  range + "'.");
  }
  Result<std::optional<Decimal>> OptDecimal(const char* name) const {
    auto v = Opt(name);
    if (!v) return std::optional<Decimal>();
    auto d = Decimal::Parse(*v);
    if (!d.ok() || d->is_negative()) return Illegal(name, "^([0-9]{1,20})(\\.[0-9]{1,20})?$");
    return std::optional<Decimal>(*d);
  }
  Result<std::optional<std::int64_t>> OptInt(const char* name) const {
    auto v = Opt(name);
    if (!v) return std::optional<std::int64_t>();
    if (v->empty() || v->size() > 18 || v->find_first_not_of("0123456789") != std::string::npos)
      return Illegal(name, "^[0-9]{1,18}$");
    return std::optional<std::int64_t>(std::stoll(*v));
  }
  Result<std::optional<bool>> OptBool(const char* name) const {
    auto v = Opt(name);
    if (!v) return std::optional<bool>();
    if (*v == "true" || *v == "TRUE" || *v == "True") return std::optional<bool>(true);
    if (*v == "false" || *v == "FALSE" || *v == "False") return std::optional<bool>(false);
    return Illegal(name, "true|false");
  }
  template <typename E>
  Result<std::optional<E>> OptEnum(const char* name, Result<E> (*parse)(std::string_view), int code,
                                   const char* message) const {
    auto v = Opt(name);
    if (!v) return std::optional<E>();
    auto e = parse(*v);
    if (!e.ok()) return binance_error(code, message);
    return std::optional<E>(*e);
  }
  // The symbol, required and known.
  Result<std::string> Symbol() const {
    auto s = Req("symbol");
    if (!s.ok()) return s.status();
    if (!ex.FindMarket(*s)) return binance_error(-1121, "Invalid symbol.");
    return *s;
  }
  Result<OrderRef> Ref(const char* id_name, const char* client_name) const {
    OrderRef ref;
    auto id = OptInt(id_name);
    if (!id.ok()) return id.status();
    ref.order_id = *id;
    ref.client_order_id = Opt(client_name);
    if (!ref.order_id && !ref.client_order_id)
      return binance_error(-1102, std::string("Mandatory parameter '") + id_name +
                                    "' was not sent, was empty/null, or malformed.");
    return ref;
  }
  // Positions and orders as of the stale-read lag, when that fault is on.
  const AccountSnapshot* Stale() const {
    if (faults.stale_reads_ms <= 0 || !stale.active()) return nullptr;
    if (faults.stale_scope == FaultState::StaleScope::kPositions) return nullptr;
    return stale.At(account, now - faults.stale_reads_ms);
  }
};

namespace rest {

using Call = BinanceRestApi::Call;
using Body = Result<std::string>;

template <typename F>
std::string json(F&& fill) {
  JsonWriter w;
  fill(w);
  return w.str();
}

const SimInstrument& inst(Call& c, const std::string& symbol);
// A new order's parameters (POST /fapi/v1/order, and each batchOrders item).
Result<NewOrderRequest> new_order_request(Call& c, const std::string& symbol);
// A modification's parameters (PUT /fapi/v1/order, and each batchOrders item).
Result<ModifyRequest> modify_request(Call& c, const std::string& symbol);

// A refusal of the simulator's core (sim_refusal.h) in Binance's code and text; any other Status
// as it is (binance_refusal.cpp).
Status ToBinance(const Status& s);

// binance_rest_batch.cpp
Body post_batch_orders(Call& c);
Body put_batch_orders(Call& c);
Body delete_batch_orders(Call& c);
// binance_rest_history.cpp
Body klines(Call& c);
Body income(Call& c);
int KlinesWeight(const std::optional<std::string>& limit);

}  // namespace rest
}  // namespace keel::sim
