// libFuzzer target: arbitrary bytes as every exchange message keel decodes. Binance: REST answers
// (orders, algo orders, positions, exchangeInfo, the mark price, position mode) and user-data and
// market stream events, the server time, the listen key, error bodies. Bybit v5: the envelope,
// order, position and instrument pages, cursors, acknowledgements, private and public stream
// messages, error bodies. Whatever arrives, the codec returns a value or an error naming what is
// wrong: never a crash, a hang or an exception.
//
// Corpus: the documented payloads in tests/fixtures/binance and tests/fixtures/bybit (see their
// SOURCES.md), and fuzz/corpus-decoder (deep nesting, numbers that overflow); scripts/fuzz first
// runs fuzz/corpus-hostile (400 KB of nesting, 1 MB texts) once through it.
// Short run (CI):  scripts/fuzz 30        Long run: scripts/fuzz 3600
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keel/binance/codec.h"
#include "keel/binance/errors.h"
#include "keel/bybit/codec.h"
#include "keel/bybit/errors.h"
#include "keel/bybit/public_stream.h"

using namespace keel;
using namespace keel::binance;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)ParseExchangeInfo(input);
  (void)ParseOrders(input);
  (void)ParseAlgoOrder(input);
  (void)ParseAlgoOrders(input);
  (void)ParseAlgoOrderDetail(input);
  (void)ParseAlgoCancel(input);
  (void)ParsePositionRisk(input, true);
  (void)ParseDualSidePosition(input);
  (void)ParseMarkPrice(input);
  (void)ParseMarketDataEvent(input);
  (void)IsMinimalAck(input);
  (void)ParseOrder(input);
  (void)ParseUserDataEvent(input);
  (void)ParseServerTime(input);
  (void)ParseListenKey(input);
  net::HttpResponse error;
  error.status = 400;
  error.body = std::string(input);
  (void)ErrorFromResponse(error, "fuzz");
  (void)bybit::ErrorFromResponse(error, "fuzz", 0);
  (void)bybit::ParseEnvelope(input);
  (void)bybit::ParseOrderRow(input);
  (void)bybit::ParseOrderPage(input);
  (void)bybit::ParsePositionPage(input);
  (void)bybit::ParseInstrumentPage(input);
  (void)bybit::ParseMarkPrice(input, "BTCUSDT");
  (void)bybit::ParseOrderAck(input);
  (void)bybit::ParseCancelAll(input);
  (void)bybit::ParsePrivateMessage(input);
  (void)bybit::ParsePublicMessage(input);
  return 0;
}
