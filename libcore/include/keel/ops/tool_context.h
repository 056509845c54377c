#pragma once
// What a keel tool declares it needs, and what the runner (tool.h) hands its body: the account's
// config, its store, a connected exchange, and the write and confirmation rules. Free of CLI11 so
// that each tool's logic lives in libkeel (ops/<tool>.h) and its main.cpp stays a few lines.

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "keel/config/config.h"
#include "keel/exchange/exchange.h"
#include "keel/model/time.h"
#include "keel/store/state_store.h"

namespace keel::ops {

enum class StoreAccess { kNone, kReadOnly, kWriter };

// A store or exchange a tool's body uses: its own (opened by the runner) or one it is lent (the
// daemon's, when it runs a tool's action forwarded to it). Used like the unique_ptr it replaces.
template <typename T>
class OwnedOrBorrowed {
 public:
  OwnedOrBorrowed() = default;
  template <typename U>
  OwnedOrBorrowed(std::unique_ptr<U> owned) : owned_(std::move(owned)), ptr_(owned_.get()) {}  // NOLINT: as unique_ptr
  static OwnedOrBorrowed Borrow(T& other) {
    OwnedOrBorrowed b;
    b.ptr_ = &other;
    return b;
  }
  template <typename U>
  OwnedOrBorrowed& operator=(std::unique_ptr<U> owned) {
    owned_ = std::move(owned);
    ptr_ = owned_.get();
    return *this;
  }
  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }
  void reset() {
    owned_.reset();
    ptr_ = nullptr;
  }
  bool borrowed() const { return ptr_ != nullptr && !owned_; }

 private:
  std::unique_ptr<T> owned_;
  T* ptr_ = nullptr;
};

// Whether an action may create the account's store when it has none. Only actions that add
// protection may: with an empty store every keel order on the exchange looks unknown and every
// position untracked, so a cancel, close or fix run on the wrong --account would act on all of them.
enum class StoreCreation { kMayCreate, kMustExist };

struct ToolSpec {
  std::string name;     // "keel-state-inspect"
  std::string summary;  // one line for --help
  StoreAccess store = StoreAccess::kNone;
  // Tools that can work on a bare store file (no account config) offer --store PATH.
  bool store_flag = false;
  // Tools that read or act on the exchange get a connected Exchange (needs --config or --account).
  bool needs_exchange = false;
};

struct CommonOptions {
  std::string config_path;
  std::string account;
  std::string store_path;
  bool json = false;
};

struct ToolContext {
  const ToolSpec& spec;
  CommonOptions common;
  std::optional<AccountConfig> config;
  OwnedOrBorrowed<StateStore> store;
  std::string store_path;
  std::ostream& out;
  const Clock& clock;
  OwnedOrBorrowed<Exchange> exchange;
  // True when the account has no store and `store` is an empty stand-in for a read-only run.
  bool store_missing = false;

  const std::string& account() const { return config->account_name; }
  // Reopens the store as its writer, for a tool asked to change something (a store lent by the
  // daemon is its writer already). Fails with kConflict
  // naming the pid when another writer (a daemon) holds it. When the account has no store:
  // kMayCreate creates it; kMustExist refuses (kInvalidInput, exit 2) with how to create it
  // deliberately, naming `action`.
  Status OpenWriter(StoreCreation creation, const std::string& action);
  // The same refusal as OpenWriter(kMustExist), checked before anything is read or sent.
  Status RequireStore(const std::string& action) const;
  // The confirmation rule: --yes confirms; on a terminal the operator is asked; with no terminal
  // and no --yes the action is refused (kInvalidInput, exit 2, nothing changed).
  Status Confirm(bool yes, const std::string& action);
};

// The confirmation rule for any keel binary (`program` asks): what ToolContext::Confirm and
// keel-ctl's actions use.
Status ConfirmAction(const std::string& program, bool yes, const std::string& action);

}  // namespace keel::ops
