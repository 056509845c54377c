#include "keel/exchange/connect.h"

#include <chrono>
#include <thread>

#include "keel/binance/binance_exchange.h"
#include "keel/bybit/bybit_exchange.h"

namespace keel {

Result<std::unique_ptr<Exchange>> ConnectExchange(const AccountConfig& config, const Clock& clock) {
  auto key = LoadSecret(config.api_key);
  if (!key.ok()) return key.status().WithContext(config.source);
  auto secret = LoadSecret(config.api_secret);
  if (!secret.ok()) return secret.status().WithContext(config.source);
  auto transport = net::CurlTransport::Create(config.rest_url, config.ca_path);
  if (!transport.ok()) return transport.status();
  std::unique_ptr<net::HttpTransport> owned = std::move(transport).value();
  auto sleep = [&clock](TimeMs ms) { clock.SleepMs(ms); };
  switch (config.exchange_kind) {
    case ExchangeKind::kBinanceUsdm: {
      auto client = std::make_unique<binance::RestClient>(*owned, key->reveal(), std::move(secret).value(), clock, sleep);
      return std::unique_ptr<Exchange>(new binance::BinanceExchange(std::move(owned), std::move(client)));
    }
    case ExchangeKind::kBybitV5: {
      auto client = std::make_unique<bybit::RestClient>(*owned, key->reveal(), std::move(secret).value(), clock, sleep);
      return std::unique_ptr<Exchange>(new bybit::BybitExchange(std::move(owned), std::move(client)));
    }
  }
  return Status::Internal(config.source + ": exchange.kind " + to_string(config.exchange_kind) + " has no adapter");
}

}  // namespace keel
