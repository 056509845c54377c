#include "keel/exchange/connect.h"

#include <chrono>
#include <thread>

#include "keel/binance/binance_exchange.h"
#include "keel/bybit/bybit_exchange.h"

namespace keel {

Result<std::unique_ptr<Exchange>> ConnectExchange(const AccountConfig& config, const Clock& clock) {
  auto credentials = LoadCredentials(config);
  if (!credentials.ok()) return credentials.status();
  return ConnectExchange(config, *credentials, clock);
}

Result<std::unique_ptr<Exchange>> ConnectExchange(const AccountConfig& config, const Credentials& credentials,
                                                  const Clock& clock) {
  auto transport = net::CurlTransport::Create(config.rest_url, config.ca_path);
  if (!transport.ok()) return transport.status().WithContext(config.source);
  std::unique_ptr<net::HttpTransport> owned = std::move(transport).value();
  auto sleep = [&clock](TimeMs ms) { clock.SleepMs(ms); };
  const std::string& key = credentials.api_key.reveal();
  switch (config.exchange_kind) {
    case ExchangeKind::kBinanceUsdm: {
      auto client = std::make_unique<binance::RestClient>(*owned, key, credentials.api_secret, clock, sleep);
      return std::unique_ptr<Exchange>(new binance::BinanceExchange(std::move(owned), std::move(client)));
    }
    case ExchangeKind::kBybitV5: {
      auto client = std::make_unique<bybit::RestClient>(*owned, key, credentials.api_secret, clock, sleep);
      return std::unique_ptr<Exchange>(new bybit::BybitExchange(std::move(owned), std::move(client)));
    }
  }
  return Status::Internal(config.source + ": exchange.kind " + to_string(config.exchange_kind) + " has no adapter");
}

}  // namespace keel
