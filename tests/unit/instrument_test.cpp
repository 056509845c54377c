#include <doctest/doctest.h>

#include "keel/model/instrument.h"
#include "keel/model/utf8.h"

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
  CHECK(i.Validate().message() == "instrument: symbol: empty");
  // Symbols are UTF-8: Binance lists TRADING perpetuals named in Chinese characters.
  i = kBtc;
  i.symbol = "币安人生USDT";
  CHECK(i.Validate().ok());
  i.symbol = "BTCUSDT_260327";  // a delivery contract's name
  CHECK(i.Validate().ok());
  i.symbol = "\xe5\xb8USDT";  // a cut UTF-8 sequence
  CHECK(i.Validate().message() == "instrument: symbol: not valid UTF-8");
  for (const char* bad : {"BTC USDT", "btcusdt", "BTC/USDT", "BTC\nUSDT"}) {
    i.symbol = bad;
    CHECK_MESSAGE(!i.Validate().ok(), bad);
  }
  CHECK(kBtc.RoundPrice(D("65000.17"), Rounding::kDown)->ToString() == "65000.1");
  CHECK(kBtc.RoundQuantity(D("0.0129"), Rounding::kDown)->ToString() == "0.012");
}

TEST_CASE("UTF-8: validation and terminal width") {
  CHECK(is_valid_utf8("币安人生USDT"));
  CHECK(is_valid_utf8(""));
  CHECK(!is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK(!is_valid_utf8("\xed\xa0\x80"));      // a surrogate
  CHECK(!is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK(!is_valid_utf8("\x80"));
  CHECK(display_width("BTCUSDT") == 7);
  CHECK(display_width("币安人生USDT") == 12);  // four wide characters and four narrow ones
  CHECK(display_width("e\xcc\x81") == 1);      // e + a combining acute
}
