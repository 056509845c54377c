#include "keel/net/http_parser.h"

#include <strings.h>

namespace keel::net {
namespace {

HttpParse error(int status, std::string why) {
  HttpParse p;
  p.state = HttpParse::State::kError;
  p.error_status = status;
  p.error = std::move(why);
  p.keep_alive = false;
  return p;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' || c == '.' ||
         c == '^' || c == '`' || c == '|' || c == '~';
}

// Parses a decimal size; false on anything else or above limit.
bool parse_size(std::string_view s, std::size_t limit, std::size_t& out, int base = 10) {
  s = trim(s);
  if (s.empty() || s.size() > 16) return false;
  out = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    out = out * static_cast<std::size_t>(base) + static_cast<std::size_t>(d);
    if (out > limit) return false;
  }
  return true;
}

}  // namespace

HttpParse ParseHttpRequest(std::string_view buffer, const HttpParseLimits& limits) {
  const std::size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buffer.size() > limits.max_header_bytes) return error(431, "request headers too large");
    return HttpParse{};
  }
  if (head_end > limits.max_header_bytes) return error(431, "request headers too large");
  HttpParse p;
  std::string_view head = buffer.substr(0, head_end);
  const std::size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return error(400, "malformed request line");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty()) return error(400, "empty method");
  for (char c : method)
    if (!token_char(c)) return error(400, "malformed method");
  if (target.empty() || target[0] != '/') return error(400, "request target must be an absolute path");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return error(400, "malformed request target");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return error(505, "only HTTP/1.1 and HTTP/1.0 are served");
  p.request.method = std::string(method);
  p.request.target = std::string(target);
  p.keep_alive = version == "HTTP/1.1";

  std::size_t content_length = 0;
  bool has_length = false, chunked = false;
  std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view field = head.substr(pos, end - pos);
    pos = end + 2;
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return error(400, "malformed header line");
    const std::string_view name = field.substr(0, colon);
    for (char c : name)
      if (!token_char(c)) return error(400, "malformed header name");
    const std::string_view value = trim(field.substr(colon + 1));
    for (char c : value)
      if (c == '\r' || c == '\n' || c == '\0') return error(400, "malformed header value");
    if (iequals(name, "Content-Length")) {
      std::size_t n = 0;
      if (!parse_size(value, limits.max_body_bytes, n)) return error(413, "Content-Length missing, malformed or too large");
      if (has_length && n != content_length) return error(400, "conflicting Content-Length headers");
      content_length = n;
      has_length = true;
    } else if (iequals(name, "Transfer-Encoding")) {
      if (!iequals(value, "chunked")) return error(501, "only chunked transfer encoding is served");
      chunked = true;
    } else if (iequals(name, "Connection")) {
      if (iequals(value, "close")) p.keep_alive = false;
      else if (iequals(value, "keep-alive")) p.keep_alive = true;
    }
    p.request.headers.emplace_back(std::string(name), std::string(value));
  }
  if (chunked && has_length) return error(400, "both Content-Length and chunked encoding");

  std::size_t at = head_end + 4;
  if (!chunked) {
    if (buffer.size() - at < content_length) return HttpParse{};
    p.request.body = std::string(buffer.substr(at, content_length));
    p.consumed = at + content_length;
    p.state = HttpParse::State::kComplete;
    return p;
  }
  for (;;) {
    const std::size_t size_end = buffer.find("\r\n", at);
    if (size_end == std::string_view::npos) return HttpParse{};
    std::string_view size_text = buffer.substr(at, size_end - at);
    const std::size_t semi = size_text.find(';');
    if (semi != std::string_view::npos) size_text = size_text.substr(0, semi);
    std::size_t n = 0;
    if (!parse_size(size_text, limits.max_body_bytes, n, 16)) return error(400, "malformed chunk size");
    at = size_end + 2;
    if (n == 0) {
      // Trailers are not used by clients of an exchange: expect the final CRLF.
      if (buffer.size() - at < 2) return HttpParse{};
      if (buffer.substr(at, 2) != "\r\n") return error(400, "chunk trailers are not served");
      p.consumed = at + 2;
      p.state = HttpParse::State::kComplete;
      return p;
    }
    if (p.request.body.size() + n > limits.max_body_bytes) return error(413, "request body too large");
    if (buffer.size() - at < n + 2) return HttpParse{};
    p.request.body.append(buffer.substr(at, n));
    if (buffer.substr(at + n, 2) != "\r\n") return error(400, "malformed chunk");
    at += n + 2;
  }
}

std::string SerializeHttpResponse(const HttpResponse& response, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  for (const auto& [k, v] : response.headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += response.body;
  return out;
}

}  // namespace keel::net
