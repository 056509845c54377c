// libFuzzer target: arbitrary bytes as every Binance message keel decodes: REST answers (orders,
// algo orders, positions, exchangeInfo, the mark price, position mode) and user-data and market
// stream events. Whatever arrives, the codec returns a value or an error naming what is wrong:
// never a crash, a hang or an exception.
//
// Corpus: the documented payloads in tests/fixtures/binance (see their SOURCES.md).
// Short run (CI):  scripts/fuzz 30        Long run: scripts/fuzz 3600
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keel/binance/codec.h"

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
  return 0;
}
