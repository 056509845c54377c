#include "keel/net/http_message.h"

#include <strings.h>

namespace keel::net {
namespace {

std::string find_header(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& name) {
  for (const auto& [k, v] : headers)
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

}  // namespace

std::string HttpRequest::path() const {
  const auto q = target.find('?');
  return q == std::string::npos ? target : target.substr(0, q);
}

std::string HttpRequest::raw_query() const {
  const auto q = target.find('?');
  return q == std::string::npos ? std::string() : target.substr(q + 1);
}

std::string HttpRequest::header(const std::string& name) const { return find_header(headers, name); }
std::string HttpResponse::header(const std::string& name) const { return find_header(headers, name); }

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 418: return "I'm a teapot";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace keel::net
