// libFuzzer target: arbitrary bytes as one line on keel-traderd's control socket. The daemon's
// HandleControl (libcore/src/daemon/traderd.cpp) needs a running engine, so this runs the parse and
// the field reads it makes: JsonFields::Parse of the request, "cmd", the fields each command reads,
// and the "signal" and "options" objects handed on as text (to ParseSignal, and to a forwarded
// tool's JsonFields::Parse). Whatever arrives is answered or refused with a reason, never a crash
// or a hang; a nested object's text parses again, to the same text.
//
// Corpus: fuzz/corpus-control (deep and duplicate-key lines among them); scripts/fuzz first runs
// fuzz/corpus-hostile (400 KB of nesting, a 1 MB line) once through it.
// Short run (CI): scripts/fuzz 30        Long run: scripts/fuzz 3600
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keel/engine/signal.h"
#include "keel/model/json_fields.h"

namespace {

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

// Reads every field of an object as each type a command may ask for, as a tool's options are.
void ReadAll(keel::JsonFields& f) {
  for (const char* name : {"symbol", "position_side", "origin", "tool", "verify_attempts", "stop_pct", "yes"}) {
    (void)f.String(name);
    (void)f.Number(name);
    (void)f.Integer(name);
    (void)f.Bool(name);
  }
  const keel::Status unknown = f.RejectUnknown();
  Require(unknown.ok() || !unknown.message().empty());
}

// A nested object handed on as text: it parses again to the same text.
std::string HandedOn(keel::JsonFields& parent, const char* name) {
  auto object = parent.Object(name);
  if (!object.ok()) {
    Require(!object.status().message().empty());
    return "";
  }
  if (!*object) return "";
  const std::string text = (*object)->Text();
  auto again = keel::JsonFields::Parse(text, name);
  Require(again.ok() && again->Text() == text);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto request = keel::JsonFields::Parse(line, "request");
  if (!request.ok()) {
    Require(!request.status().message().empty());  // the error line says why
    return 0;
  }
  auto cmd = request->String("cmd");
  Require(cmd.ok() || !cmd.status().message().empty());
  const std::string signal = HandedOn(*request, "signal");
  if (!signal.empty()) {
    auto parsed = keel::ParseSignal(signal);
    Require(parsed.ok() || !parsed.status().message().empty());
  }
  const std::string options = HandedOn(*request, "options");
  if (!options.empty()) {
    auto fields = keel::JsonFields::Parse(options, "options");
    Require(fields.ok());
    ReadAll(*fields);
  }
  ReadAll(*request);
  return 0;
}
