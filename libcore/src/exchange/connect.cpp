#include "keel/exchange/connect.h"

#include <chrono>
#include <thread>

#include "keel/binance/binance_exchange.h"

namespace keel {

Result<std::unique_ptr<Exchange>> ConnectExchange(const AccountConfig& config, const Clock& clock) {
  if (config.exchange_kind != ExchangeKind::kBinanceUsdm)
    return Status::InvalidInput(config.source + ": exchange.kind " + to_string(config.exchange_kind) +
                                " is not supported yet: binance-usdm is");
  auto key = LoadSecret(config.api_key);
  if (!key.ok()) return key.status().WithContext(config.source);
  auto secret = LoadSecret(config.api_secret);
  if (!secret.ok()) return secret.status().WithContext(config.source);
  auto transport = net::CurlTransport::Create(config.rest_url, config.ca_path);
  if (!transport.ok()) return transport.status();
  std::unique_ptr<net::HttpTransport> owned = std::move(transport).value();
  auto client = std::make_unique<binance::RestClient>(
      *owned, key->reveal(), std::move(secret).value(), clock,
      [](TimeMs ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); });
  return std::unique_ptr<Exchange>(new binance::BinanceExchange(std::move(owned), std::move(client)));
}

}  // namespace keel
