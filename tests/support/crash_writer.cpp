// keel-crash-writer: the child of the crash test. It writes to a state store the way the daemon
// does (intent first, then the order, then fills, positions and stops in one batch each, journal
// entries between) as fast as it can, until it is SIGKILLed. After every committed intent it
// prints "I <client order id>" on stdout, so the parent knows what must survive.
//
//   keel-crash-writer --store FILE --seed N
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>

#include "keel/store/sqlite_store.h"
#include "order_from_intent.h"

using namespace keel;

namespace {

const char* kSymbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BCHUSDT", "DOGEUSDT", "AVLUSDT", "XRPUSDT", "BNBUSDT"};

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

void report(const std::string& line) {
  const std::string text = line + "\n";
  // One write(2) per line: a pipe write this small is atomic, so the parent never sees half a line.
  if (::write(STDOUT_FILENO, text.data(), text.size()) != static_cast<ssize_t>(text.size())) std::_Exit(3);
}

void must(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "keel-crash-writer: %s: %s\n", what, s.ToString().c_str());
  std::_Exit(2);
}

class Writer {
 public:
  Writer(SqliteStore& store, unsigned seed) : store_(store), rng_(seed), prefix_("k" + std::to_string(::getpid())) {}

  void Run() {
    PositionFilter open;
    open.state = PositionState::kOpen;
    auto positions = store_.Positions(open);
    must(positions.status(), "reading open positions");
    for (const auto& p : *positions) open_[p.symbol] = p;
    for (std::uint64_t i = 0;; ++i) {
      const std::string symbol = kSymbols[rng_() % 8];
      if (open_.count(symbol)) Close(symbol); else Open(symbol);
      if (i % 3 == 0) JournalBurst();
    }
  }

 private:
  std::string NextId(const char* tag) { return prefix_ + "-" + std::to_string(++n_) + tag; }
  TimeMs Now() const { return clock_.NowMs(); }

  IntentRecord Intent(const std::string& id, OrderPurpose purpose, const std::string& symbol, Side side) {
    IntentRecord i;
    i.client_order_id = id;
    i.purpose = purpose;
    i.symbol = symbol;
    i.side = side;
    i.position_side = PositionSide::kLong;
    i.qty = D("0.010");
    i.reason = "crash test";
    i.created_ms = Now();
    WriteBatch b(i.created_ms);
    b.PutIntent(i, Provenance{Source::kEngine, std::nullopt, i.reason});
    must(store_.Write(b), "writing intent");
    report("I " + id);
    return i;
  }

  OrderRecord Order(const IntentRecord& i, OrderType type) {
    OrderRecord o = test::order_from_intent(i, type, Now());
    WriteBatch b(o.created_ms);
    b.PutOrder(o, Provenance{Source::kEngine, std::nullopt, "sent"});
    must(store_.Write(b), "writing order");
    return o;
  }

  void Open(const std::string& symbol) {
    IntentRecord ei = Intent(NextId("e"), OrderPurpose::kEntry, symbol, Side::kBuy);
    OrderRecord entry = Order(ei, OrderType::kMarket);
    entry.state = OrderState::kFilled;
    entry.filled_qty = entry.qty;
    entry.avg_price = D("100.5");
    entry.updated_ms = Now();
    PositionRecord p;
    p.symbol = symbol;
    p.position_side = PositionSide::kLong;
    p.qty = entry.qty;
    p.entry_price = D("100.5");
    p.opened_ms = entry.updated_ms;
    WriteBatch fill(entry.updated_ms);
    fill.PutOrder(entry, Provenance{Source::kStream, entry.updated_ms, "fill"})
        .PutOpenPosition(p, Provenance{Source::kStream, entry.updated_ms, "ACCOUNT_UPDATE"});
    must(store_.Write(fill), "writing fill");

    IntentRecord si = Intent(NextId("s"), OrderPurpose::kStop, symbol, Side::kSell);
    OrderRecord stop = Order(si, OrderType::kStopMarket);
    stop.state = OrderState::kNew;
    stop.stop_price = D("95.1");
    stop.updated_ms = Now();
    p.stop_client_order_id = stop.client_order_id;
    WriteBatch protect(stop.updated_ms);
    protect.PutOrder(stop, Provenance{Source::kRest, stop.updated_ms, "ack"})
        .PutOpenPosition(p, Provenance{Source::kEngine, std::nullopt, "stop attached"});
    must(store_.Write(protect), "attaching stop");
    open_[symbol] = p;
  }

  void Close(const std::string& symbol) {
    const PositionRecord p = open_[symbol];
    IntentRecord ci = Intent(NextId("c"), OrderPurpose::kClose, symbol, Side::kSell);
    OrderRecord close = Order(ci, OrderType::kMarket);
    close.state = OrderState::kFilled;
    close.filled_qty = close.qty;
    close.updated_ms = Now();
    WriteBatch b(close.updated_ms);
    b.PutOrder(close, Provenance{Source::kStream, close.updated_ms, "fill"});
    if (p.stop_client_order_id) {
      auto stop = store_.Order(*p.stop_client_order_id);
      must(stop.status(), "reading stop");
      if (*stop && !is_terminal((*stop)->state)) {
        OrderRecord s = **stop;
        s.state = OrderState::kCanceled;
        s.updated_ms = close.updated_ms;
        b.PutOrder(s, Provenance{Source::kRest, close.updated_ms, "cancel after close"});
      }
    }
    b.ClosePosition(symbol, PositionSide::kLong, close.updated_ms, "crash test close",
                    Provenance{Source::kStream, close.updated_ms, "ACCOUNT_UPDATE"});
    must(store_.Write(b), "closing");
    open_.erase(symbol);
  }

  void JournalBurst() {
    WriteBatch b(Now());
    for (int k = 0; k < 20; ++k) {
      JournalEntry e;
      e.entity = "engine";
      e.entity_id = "tick";
      e.event = "heartbeat";
      e.payload = "{\"k\":" + std::to_string(k) + "}";
      b.AppendJournal(e);
    }
    must(store_.Write(b), "journal burst");
  }

  SqliteStore& store_;
  std::mt19937 rng_;
  std::string prefix_;
  std::uint64_t n_ = 0;
  SystemClock clock_;
  std::map<std::string, PositionRecord> open_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--store")) path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seed")) seed = static_cast<unsigned>(std::stoul(argv[i + 1]));
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: keel-crash-writer --store FILE [--seed N]\n");
    return 2;
  }
  auto store = SqliteStore::OpenWriter(path);
  must(store.status(), "opening store");
  report("READY");
  Writer(**store, seed).Run();
}
