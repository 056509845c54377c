#include "keel/sim/sim_config.h"

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "keel/config/toml_limits.h"

namespace keel::sim {
namespace {

Decimal D(const char* text) { return Decimal::Parse(text).value(); }

struct Row {
  const char* symbol;
  const char* base;
  const char* tick;
  const char* step;
  const char* min_qty;
  const char* max_qty;
  const char* market_max_qty;
  const char* min_notional;
  const char* min_price;
  const char* max_price;
  int price_precision;
  int quantity_precision;
  const char* initial_price;
  int max_step_ticks;
  const char* depth_per_level;
};

// Filters as Binance USD-M publishes them for these perpetuals (exchangeInfo), rounded where they
// change often; the depth of each synthetic level is worth roughly 50,000 USDT.
constexpr Row kDefaults[] = {
    {"BTCUSDT", "BTC", "0.10", "0.001", "0.001", "1000", "120", "100", "556.80", "4529764", 2, 3, "96250.00", 25, "0.5"},
    {"ETHUSDT", "ETH", "0.01", "0.001", "0.001", "10000", "2000", "20", "39.86", "306177", 2, 3, "3120.25", 40, "15"},
    {"SOLUSDT", "SOL", "0.0100", "1", "1", "1000000", "5000", "5", "0.4200", "6857", 4, 0, "150.0000", 3, "300"},
    {"BCHUSDT", "BCH", "0.01", "0.001", "0.001", "10000", "850", "20", "13.93", "100000", 2, 3, "452.30", 8, "100"},
    {"DOGEUSDT", "DOGE", "0.000010", "1", "1", "50000000", "30000000", "5", "0.002440", "30", 6, 0, "0.162350", 4,
     "300000"},
    {"AVLUSDT", "AVL", "0.0001", "1", "1", "2000000", "500000", "5", "0.0010", "200", 4, 0, "0.5121", 3, "100000"},
    {"XRPUSDT", "XRP", "0.0001", "0.1", "0.1", "10000000", "2000000", "5", "0.0143", "100000", 4, 1, "2.2013", 4,
     "20000"},
    {"BNBUSDT", "BNB", "0.010", "0.01", "0.01", "100000", "2000", "5", "6.600", "100000", 3, 2, "652.450", 10, "75"},
    {"ADAUSDT", "ADA", "0.00010", "1", "1", "10000000", "3000000", "5", "0.01740", "20", 5, 0, "0.72150", 3, "60000"},
    {"LINKUSDT", "LINK", "0.001", "0.01", "0.01", "2000000", "50000", "20", "0.460", "300", 3, 2, "18.520", 6, "2500"},
    // Live exchangeInfo lists TRADING perpetuals named in Chinese characters: keel must read, track
    // and act on them like any other.
    {"币安人生USDT", "币安人生", "0.00001", "1", "1", "50000000", "2000000", "5", "0.00010", "200", 5, 0, "0.15320", 3,
     "100000"},
};

Status bad(const std::string& source, const std::string& key, const std::string& what) {
  return Status::InvalidInput(source + ": " + key + ": " + what);
}

// Collects problems; reads typed values with the key path in every message.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  std::optional<std::string> Str(const toml::table& t, const std::string& path, const char* key, bool required) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) Problem(path + "." + key, "missing, expected a string");
      return std::nullopt;
    }
    if (!n->is_string()) {
      Problem(path + "." + key, "expected a string");
      return std::nullopt;
    }
    return **n->as_string();
  }
  // Decimals are written as strings ("0.001") so that TOML floats never round them.
  std::optional<Decimal> Dec(const toml::table& t, const std::string& path, const char* key, bool required) {
    auto s = Str(t, path, key, required);
    if (!s) return std::nullopt;
    auto d = Decimal::Parse(*s);
    if (!d.ok()) {
      Problem(path + "." + key, d.status().message());
      return std::nullopt;
    }
    return *d;
  }
  std::optional<std::int64_t> Int(const toml::table& t, const std::string& path, const char* key, std::int64_t min,
                                  std::int64_t max) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer() || **n->as_integer() < min || **n->as_integer() > max) {
      Problem(path + "." + key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return **n->as_integer();
  }
  std::optional<bool> Bool(const toml::table& t, const std::string& path, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      Problem(path + "." + key, "expected true or false");
      return std::nullopt;
    }
    return **n->as_boolean();
  }
  void Problem(const std::string& key, const std::string& what) {
    problems_ += (problems_.empty() ? "" : "\n") + source_ + ": " + key + ": " + what;
  }
  Status Finish() const { return problems_.empty() ? Status::Ok() : Status::InvalidInput(problems_); }

 private:
  std::string source_;
  std::string problems_;
};

void read_instrument(Reader& r, const toml::table& t, const std::string& path, const std::string& base_dir,
                     SimConfig& config) {
  SimInstrument i;
  auto symbol = r.Str(t, path, "symbol", true);
  if (!symbol) return;
  i.filters.symbol = *symbol;
  static const SimConfig defaults = DefaultSimConfig();
  const SimInstrument* preset = defaults.Find(*symbol);
  if (preset) i = *preset;
  const bool need = preset == nullptr;  // a new symbol must give everything; a known one may override
  auto set = [&](Decimal& field, const char* key) {
    if (auto v = r.Dec(t, path, key, need)) field = *v;
  };
  set(i.filters.tick_size, "tick_size");
  set(i.filters.step_size, "step_size");
  set(i.filters.min_qty, "min_qty");
  set(i.filters.min_notional, "min_notional");
  set(i.max_qty, "max_qty");
  set(i.market_max_qty, "market_max_qty");
  set(i.min_price, "min_price");
  set(i.max_price, "max_price");
  set(i.initial_price, "initial_price");
  set(i.depth_per_level, "depth_per_level");
  // Optional even for a new symbol: the exchange's common 5 % bands by default.
  if (auto v = r.Dec(t, path, "percent_price_up", false)) i.percent_price_up = *v;
  if (auto v = r.Dec(t, path, "percent_price_down", false)) i.percent_price_down = *v;
  if (auto v = r.Int(t, path, "max_step_ticks", 0, 1'000'000)) i.max_step_ticks = static_cast<int>(*v);
  if (auto v = r.Int(t, path, "spread_ticks", 1, 1'000'000)) i.spread_ticks = static_cast<int>(*v);
  if (auto v = r.Int(t, path, "levels", 1, 1000)) i.levels = static_cast<int>(*v);
  if (auto v = r.Str(t, path, "base_asset", false)) i.base_asset = *v;
  else if (need) i.base_asset = i.filters.symbol.substr(0, i.filters.symbol.size() > 4 ? i.filters.symbol.size() - 4 : 0);
  if (auto v = r.Str(t, path, "replay_csv", false))
    i.replay_csv = (*v)[0] == '/' || base_dir.empty() ? *v : base_dir + "/" + *v;
  i.price_precision = i.filters.tick_size.fractional_digits();
  i.quantity_precision = i.filters.step_size.fractional_digits();
  Status valid = i.filters.Validate();
  if (!valid.ok()) r.Problem(path, valid.message());
  else if (!i.initial_price.IsMultipleOf(i.filters.tick_size) || !i.initial_price.is_positive())
    r.Problem(path + ".initial_price", "expected a positive multiple of tick_size");
  config.instruments.push_back(i);
}

}  // namespace

const SimInstrument* SimConfig::Find(const std::string& symbol) const {
  for (const auto& i : instruments)
    if (i.filters.symbol == symbol) return &i;
  return nullptr;
}

SimConfig DefaultSimConfig() {
  SimConfig c;
  for (const Row& r : kDefaults) {
    SimInstrument i;
    i.filters = Instrument{r.symbol, D(r.tick), D(r.step), D(r.min_qty), D(r.min_notional)};
    i.base_asset = r.base;
    i.max_qty = D(r.max_qty);
    i.market_max_qty = D(r.market_max_qty);
    i.min_price = D(r.min_price);
    i.max_price = D(r.max_price);
    i.price_precision = r.price_precision;
    i.quantity_precision = r.quantity_precision;
    i.initial_price = D(r.initial_price);
    i.max_step_ticks = r.max_step_ticks;
    i.depth_per_level = D(r.depth_per_level);
    c.instruments.push_back(i);
  }
  c.accounts.push_back(SimAccountSpec{"demo", "keel-demo-key", "keel-demo-secret", D("10000")});
  return c;
}

Result<SimConfig> ParseSimConfig(std::string_view toml_text, const std::string& source, const std::string& base_dir) {
  KEEL_RETURN_IF_ERROR(CheckTomlLimits(toml_text, source));
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    return Status::InvalidInput(source + ":" + std::to_string(e.source().begin.line) + ":" +
                                std::to_string(e.source().begin.column) + ": TOML syntax error: " +
                                std::string(e.description()));
  }
  SimConfig c = DefaultSimConfig();
  Reader r(source);
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k != "seed" && k != "step_ms" && k != "limits" && k != "account" && k != "instrument" &&
        k != "default_leverage" && k != "funding_interval_ms" && k != "funding_rate")
      r.Problem(k, "unknown key, expected seed, step_ms, default_leverage, funding_interval_ms, funding_rate, [limits], "
                   "[[account]] or [[instrument]]");
  }
  if (auto v = r.Int(root, "", "funding_interval_ms", 0, 7 * 86'400'000LL)) c.funding_interval_ms = *v;
  if (auto v = r.Dec(root, "", "funding_rate", false)) c.funding_rate = *v;
  if (auto v = r.Int(root, "", "seed", 0, INT64_MAX)) c.seed = static_cast<std::uint64_t>(*v);
  if (auto v = r.Int(root, "", "step_ms", 1, 3'600'000)) c.step_ms = *v;
  if (auto v = r.Int(root, "", "default_leverage", 1, 125)) c.default_leverage = static_cast<int>(*v);
  if (const toml::table* limits = root["limits"].as_table()) {
    if (auto v = r.Bool(*limits, "limits", "enforce")) c.limits.enforce = *v;
    if (auto v = r.Int(*limits, "limits", "request_weight_1m", 1, 100'000'000)) c.limits.request_weight_1m = static_cast<int>(*v);
    if (auto v = r.Int(*limits, "limits", "orders_10s", 1, 100'000'000)) c.limits.orders_10s = static_cast<int>(*v);
    if (auto v = r.Int(*limits, "limits", "orders_1m", 1, 100'000'000)) c.limits.orders_1m = static_cast<int>(*v);
    if (auto v = r.Int(*limits, "limits", "max_open_orders", 1, 1'000'000)) c.limits.max_open_orders = static_cast<int>(*v);
    if (auto v = r.Int(*limits, "limits", "max_open_algo_orders", 1, 1'000'000))
      c.limits.max_open_algo_orders = static_cast<int>(*v);
  }
  if (const toml::array* accounts = root["account"].as_array()) {
    c.accounts.clear();
    int n = 0;
    for (const auto& node : *accounts) {
      const std::string path = "account[" + std::to_string(n++) + "]";
      const toml::table* t = node.as_table();
      if (!t) {
        r.Problem(path, "expected a table");
        continue;
      }
      SimAccountSpec a;
      a.name = r.Str(*t, path, "name", true).value_or("");
      a.api_key = r.Str(*t, path, "api_key", true).value_or("");
      a.api_secret = r.Str(*t, path, "api_secret", true).value_or("");
      a.initial_balance = r.Dec(*t, path, "balance", false).value_or(D("10000"));
      if (auto v = r.Bool(*t, path, "hedge_mode")) a.hedge_mode = *v;
      for (const auto& other : c.accounts)
        if (other.api_key == a.api_key) r.Problem(path + ".api_key", "used by account " + other.name + " too");
      c.accounts.push_back(a);
    }
  }
  if (const toml::array* instruments = root["instrument"].as_array()) {
    c.instruments.clear();
    int n = 0;
    for (const auto& node : *instruments) {
      const std::string path = "instrument[" + std::to_string(n++) + "]";
      if (const toml::table* t = node.as_table()) read_instrument(r, *t, path, base_dir, c);
      else r.Problem(path, "expected a table");
    }
  }
  KEEL_RETURN_IF_ERROR(r.Finish());
  if (c.accounts.empty()) return bad(source, "account", "at least one [[account]] is needed");
  if (c.instruments.empty()) return bad(source, "instrument", "at least one [[instrument]] is needed");
  return c;
}

Result<SimConfig> LoadSimConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidInput("simulator config " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const auto slash = path.find_last_of('/');
  return ParseSimConfig(text.str(), path, slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace keel::sim
