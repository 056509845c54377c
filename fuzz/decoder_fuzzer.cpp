// libFuzzer target: arbitrary bytes as every exchange message keel decodes. Binance: REST answers
// (orders, algo orders, positions, exchangeInfo, the mark price, position mode) and user-data and
// market stream events. Bybit v5: the envelope, order, position and instrument pages, cursors,
// acknowledgements, private and public stream messages. Whatever arrives, the codec returns a value
// or an error naming what is wrong: never a crash, a hang or an exception.
//
// Corpus: the documented payloads in tests/fixtures/binance and tests/fixtures/bybit (see their
// SOURCES.md).
// Short run (CI):  scripts/fuzz 30        Long run: scripts/fuzz 3600
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keel/binance/codec.h"
#include "keel/bybit/codec.h"
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
