// GET /fapi/v1/klines and GET /fapi/v1/income: what happened, as the exchange reports it.
#include "binance_rest_call.h"

namespace keel::sim::rest {
namespace {

Result<std::optional<TimeMs>> opt_time(Call& c, const char* name) {
  auto v = c.OptInt(name);
  if (!v.ok()) return v.status();
  return *v ? std::optional<TimeMs>(**v) : std::nullopt;
}

// limit: the default, at most max (-1130 above it, or below 1).
Result<std::size_t> limit_of(Call& c, std::int64_t fallback, std::int64_t max) {
  auto v = c.OptInt("limit");
  if (!v.ok()) return v.status();
  const std::int64_t n = v->value_or(fallback);
  if (n < 1 || n > max) return binance_error(-1130, "Data sent for parameter 'limit' is not valid.");
  return static_cast<std::size_t>(n);
}

}  // namespace

int KlinesWeight(const std::optional<std::string>& limit) {
  // [1,100) 1; [100,500) 2; [500,1000] 5; above 1000: 10 (USD-M "Kline/Candlestick Data").
  std::int64_t n = 500;
  if (limit && !limit->empty() && limit->size() < 10 && limit->find_first_not_of("0123456789") == std::string::npos)
    n = std::stoll(*limit);
  return n < 100 ? 1 : n < 500 ? 2 : n <= 1000 ? 5 : 10;
}

Body klines(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto interval_text = c.Req("interval");
  if (!interval_text.ok()) return interval_text.status();
  auto interval = KlineIntervalMs(*interval_text);
  if (!interval) return binance_error(-1120, "Invalid interval.");
  auto start = opt_time(c, "startTime");
  if (!start.ok()) return start.status();
  auto end = opt_time(c, "endTime");
  if (!end.ok()) return end.status();
  auto limit = limit_of(c, 500, 1500);
  if (!limit.ok()) return limit.status();
  const SimInstrument& i = inst(c, *symbol);
  const auto bars = c.ex.FindMarket(*symbol)->klines().Query(*interval, *start, *end, *limit);
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const Kline& k : bars) {
      auto px = [&](Decimal d) { return d.Format(i.price_precision); };
      w.StartArray().Int(k.open_time).String(px(k.open)).String(px(k.high)).String(px(k.low)).String(px(k.close));
      w.String(k.volume.Format(i.quantity_precision)).Int(k.close_time).String(k.quote_volume.Format(4));
      w.Int(k.trades).String("0").String("0").String("0").EndArray();
    }
    w.EndArray();
  });
}

Body income(Call& c) {
  std::optional<std::string> symbol;
  if (c.Opt("symbol")) {
    auto s = c.Symbol();
    if (!s.ok()) return s.status();
    symbol = *s;
  }
  const auto type = c.Opt("incomeType");
  auto start = opt_time(c, "startTime");
  if (!start.ok()) return start.status();
  auto end = opt_time(c, "endTime");
  if (!end.ok()) return end.status();
  auto limit = limit_of(c, 100, 1000);
  if (!limit.ok()) return limit.status();
  std::vector<SimIncome> rows;
  for (const auto& r : c.ex.Income(c.account)) {
    if (symbol && r.symbol != *symbol) continue;
    if (type && r.type != *type) continue;
    if (*start && r.time < **start) continue;
    if (*end && r.time > **end) continue;
    rows.push_back(r);
  }
  if (rows.size() > *limit) rows.resize(*limit);  // oldest first from startTime, as documented
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const auto& r : rows) {
      w.StartObject().Key("symbol").String(r.symbol).Key("incomeType").String(r.type);
      w.Key("income").String(r.income.Format(8)).Key("asset").String("USDT").Key("info").String(r.type);
      w.Key("time").Int(r.time).Key("tranId").Int(r.tran_id);
      w.Key("tradeId").String(r.trade_id ? std::to_string(r.trade_id) : std::string()).EndObject();
    }
    w.EndArray();
  });
}

}  // namespace keel::sim::rest
