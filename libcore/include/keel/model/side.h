#pragma once
// Order side and position side, spelled as Binance USD-M spells them ("BUY", "LONG"). Other venues'
// adapters translate their spelling into these values; none of them has an "unknown".

#include <string_view>

#include "keel/model/status.h"

namespace keel {

enum class Side { kBuy, kSell };

// BOTH is one-way mode; LONG and SHORT are the two legs of hedge mode.
enum class PositionSide { kBoth, kLong, kShort };

const char* to_string(Side side);
const char* to_string(PositionSide side);
Result<Side> parse_side(std::string_view text);
Result<PositionSide> parse_position_side(std::string_view text);

inline Side opposite(Side side) { return side == Side::kBuy ? Side::kSell : Side::kBuy; }

}  // namespace keel
