#include "keel/model/json_limits.h"

#include <cstring>
#include <string>

namespace keel {

namespace {

// 16 bytes at once through GCC's and Clang's vector extension (SSE2 on x86-64, NEON on ARM).
using Bytes16 = unsigned char __attribute__((vector_size(16)));

// How many bytes of text are '[' or '{'. The two differ only in bit 0x20: with it set, both read '{'.
std::size_t CountOpeners(std::string_view text) {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::size_t n = 0;
  while (end - p >= 16) {
    Bytes16 lanes = {};  // each lane counts up to 255, then the lanes are summed
    for (int k = 0; k < 255 && end - p >= 16; ++k, p += 16) {
      Bytes16 bytes;
      std::memcpy(&bytes, p, sizeof(bytes));
      lanes -= reinterpret_cast<Bytes16>((bytes | 0x20) == '{');  // a match is all ones: -1
    }
    for (int k = 0; k < 16; ++k) n += lanes[k];
  }
  for (; p < end; ++p) n += static_cast<std::size_t>((*p | 0x20) == '{');
  return n;
}

// Whether [ and { outside strings nest deeper than limit. Up to where the parser stops, this depth
// is the parser's own; what the scan makes of text past an error does not matter.
bool NestedDeeperThan(std::string_view json, int limit) {
  // Most texts (every stream event) open fewer brackets in all than the limit: a count with no
  // branch on the data settles them without following strings.
  if (CountOpeners(json) <= static_cast<std::size_t>(limit)) return false;
  int depth = 0;
  const char* p = json.data();
  const char* const end = p + json.size();
  while (p < end) {
    const char c = *p++;
    if (c == '"') {
      while (p < end) {
        const char s = *p++;
        if (s == '\\' && p < end) ++p;
        else if (s == '"') break;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Status CheckJsonLimits(std::string_view json, std::string_view what) {
  if (json.size() > kMaxJsonBytes)
    return Status::InvalidInput(std::string(what) + ": JSON text of " + std::to_string(json.size()) +
                                " bytes, longer than the " + std::to_string(kMaxJsonBytes) + " keel reads");
  if (NestedDeeperThan(json, kMaxJsonDepth))
    return Status::InvalidInput(std::string(what) + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                " levels");
  return Status::Ok();
}

}  // namespace keel
