#include "keel/store/export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "keel/store/record_json.h"

namespace keel {
namespace {

template <typename T>
void write_array(JsonWriter& w, const char* key, const std::vector<T>& rows) {
  w.Key(key).StartArray();
  for (const auto& r : rows) WriteJson(w, r);
  w.EndArray();
}

Status io_error(const std::string& what, const std::string& path) {
  return Status::Storage(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::string> ExportStoreJson(StateStore& store, TimeMs exported_ms) {
  auto version = store.SchemaVersion();
  if (!version.ok()) return version.status();
  auto instruments = store.Instruments();
  if (!instruments.ok()) return instruments.status();
  auto positions = store.Positions(PositionFilter{});
  if (!positions.ok()) return positions.status();
  auto orders = store.Orders(OrderFilter{});
  if (!orders.ok()) return orders.status();
  auto intents = store.Intents(RecordFilter{});
  if (!intents.ok()) return intents.status();
  auto journal = store.Journal(RecordFilter{});
  if (!journal.ok()) return journal.status();
  auto incidents = store.Incidents(RecordFilter{});
  if (!incidents.ok()) return incidents.status();
  auto signals = store.Signals(SignalFilter{});
  if (!signals.ok()) return signals.status();

  JsonWriter w(true);
  w.StartObject();
  w.Key("format").String("keel-state-export");
  w.Key("schema_version").Int(*version);
  w.Key("exported_ms").Int(exported_ms);
  write_array(w, "instruments", *instruments);
  write_array(w, "positions", *positions);
  write_array(w, "orders", *orders);
  write_array(w, "intents", *intents);
  write_array(w, "journal", *journal);
  write_array(w, "incidents", *incidents);
  write_array(w, "signals", *signals);
  w.EndObject();
  return w.str() + "\n";
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create", tmp);
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = io_error("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = io_error("cannot fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = io_error("cannot rename into place", path);
    ::unlink(tmp.c_str());
    return s;
  }
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return io_error("cannot open directory", dir);
  const int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) return io_error("cannot fsync directory", dir);
  return Status::Ok();
}

Status ExportStoreToFile(StateStore& store, const std::string& path, TimeMs exported_ms) {
  auto json = ExportStoreJson(store, exported_ms);
  if (!json.ok()) return json.status();
  return WriteFileAtomically(path, *json);
}

}  // namespace keel
