#include "keel/model/log_text.h"

#include <cstdint>

#include "keel/model/utf8.h"

namespace keel {
namespace {

void AppendEscaped(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0x0F];
}

bool IsControl(std::uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

std::string Escaped(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_char_at(text, i, cp);
    if (n == 0) {
      AppendEscaped(out, static_cast<unsigned char>(text[i++]));
      continue;
    }
    if (IsControl(cp) && !(keep_newlines && cp == '\n')) {
      for (std::size_t k = 0; k < n; ++k) AppendEscaped(out, static_cast<unsigned char>(text[i + k]));
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string LogText(std::string_view text) { return Escaped(text, false); }
std::string TerminalText(std::string_view text) { return Escaped(text, true); }

}  // namespace keel
