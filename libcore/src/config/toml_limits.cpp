#include "keel/config/toml_limits.h"

namespace keel {
namespace {

bool IsBareKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Skips the string that opens at text[i] (a quote), returns the index after it. Multi-line strings
// may end in up to two extra quotes that belong to their content, as TOML 1.0 says.
std::size_t SkipString(std::string_view text, std::size_t i, int& line) {
  const char quote = text[i];
  const bool basic = quote == '"';
  const bool multi = text.substr(i, 3) == std::string_view(basic ? "\"\"\"" : "'''");
  i += multi ? 3 : 1;
  while (i < text.size()) {
    const char c = text[i];
    if (basic && c == '\\') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++line;
      i += 2;
      continue;
    }
    if (c == '\n') {
      if (!multi) return i;  // an unterminated one-line string: toml++ stops here with an error
      ++line;
    }
    if (c == quote) {
      if (!multi) return i + 1;
      if (text.substr(i, 3) == std::string_view(basic ? "\"\"\"" : "'''")) {
        i += 3;
        for (int extra = 0; extra < 2 && i < text.size() && text[i] == quote; ++extra) ++i;
        return i;
      }
    }
    ++i;
  }
  return i;
}

}  // namespace

Status CheckTomlLimits(std::string_view text, const std::string& source) {
  if (text.size() > kMaxTomlBytes) {
    return Status::InvalidInput(source + ": longer than " + std::to_string(kMaxTomlBytes >> 20) +
                                " MiB, not a config keel wrote or expects");
  }
  int line = 1;
  int nesting = 0;
  // Dots in the current run of key parts: bare or quoted parts joined by dots, with blanks between.
  // A float (1.5) or a time (00:00:00.5) makes a run of one dot; only a dotted key makes more.
  int dots = 0;
  auto refuse = [&](const std::string& why) { return Status::InvalidInput(source + ":" + std::to_string(line) + ": " + why); };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      i = SkipString(text, i, line);
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '.') {
      if (++dots >= kMaxTomlKeyParts) {
        return refuse("a key of more than " + std::to_string(kMaxTomlKeyParts) + " dotted parts");
      }
    } else if (!IsBareKeyChar(c) && c != ' ' && c != '\t') {
      dots = 0;
    }
    if (c == '[' || c == '{') {
      if (++nesting > kMaxTomlNesting) {
        return refuse("brackets nested more than " + std::to_string(kMaxTomlNesting) + " deep");
      }
    } else if ((c == ']' || c == '}') && nesting > 0) {
      --nesting;
    } else if (c == '\n') {
      ++line;
    }
    ++i;
  }
  return Status::Ok();
}

}  // namespace keel
