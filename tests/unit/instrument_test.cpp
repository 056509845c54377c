#include <doctest/doctest.h>

#include "keel/model/instrument.h"

using namespace keel;

namespace {
Decimal D(const char* t) { return Decimal::Parse(t).value(); }
const Instrument kBtc{"BTCUSDT", D("0.1"), D("0.001"), D("0.001"), D("100")};
}  // namespace

TEST_CASE("order validation names the failing filter") {
  CHECK(kBtc.Validate().ok());
  CHECK(kBtc.ValidateOrder(D("0.002"), D("65000.1"), false).ok());
  CHECK(kBtc.ValidateOrder(D("0.002"), D("65000.15"), false).message() ==
        "BTCUSDT PRICE_FILTER: price 65000.15 is not a multiple of tickSize 0.1");
  CHECK(kBtc.ValidateOrder(D("0.0015"), D("65000"), false).message() ==
        "BTCUSDT LOT_SIZE: quantity 0.0015 is not a multiple of stepSize 0.001");
  CHECK(kBtc.ValidateOrder(D("0.0005"), D("65000"), false).message() ==
        "BTCUSDT LOT_SIZE: quantity 0.0005 is below minQty 0.001");
  CHECK(kBtc.ValidateOrder(D("0"), D("65000"), false).message() ==
        "BTCUSDT LOT_SIZE: quantity must be positive, got 0");
  CHECK(kBtc.ValidateOrder(D("0.001"), D("-1"), false).message() ==
        "BTCUSDT PRICE_FILTER: price must be positive, got -1");
  CHECK(kBtc.ValidateOrder(D("0.001"), D("65000"), false).message() ==
        "BTCUSDT MIN_NOTIONAL: notional 65 is below 100");
  // Binance: -4164 "... no smaller than %s (unless you choose reduce only)".
  CHECK(kBtc.ValidateOrder(D("0.001"), D("65000"), true).ok());
}

TEST_CASE("an instrument must itself be consistent") {
  Instrument i = kBtc;
  i.tick_size = D("0");
  CHECK(i.Validate().message() == "instrument BTCUSDT: tickSize must be positive, got 0");
  i = kBtc;
  i.step_size = D("-0.001");
  CHECK(!i.Validate().ok());
  i = kBtc;
  i.symbol = "btc-usdt";
  CHECK(!i.Validate().ok());
  i.symbol = "";
  CHECK(i.Validate().message() == "instrument: empty symbol");
  CHECK(kBtc.RoundPrice(D("65000.17"), Rounding::kDown)->ToString() == "65000.1");
  CHECK(kBtc.RoundQuantity(D("0.0129"), Rounding::kDown)->ToString() == "0.012");
}
