#include "keel/ops/tool.h"

#include <cstdlib>
#include <iostream>

#include <unistd.h>

#include "keel/exchange/connect.h"
#include "keel/store/sqlite_store.h"

namespace keel::ops {
namespace {

// Resolves --config/--account/--store into a config (if any) and a store path.
Status resolve_account(const ToolSpec& spec, ToolContext& ctx) {
  const CommonOptions& c = ctx.common;
  if (!c.account.empty() && !is_valid_account_name(c.account)) {
    return Status::InvalidInput("--account: found \"" + c.account +
                                "\", expected 1-32 characters of letters, digits, '-' or '_'");
  }
  std::string config_path = c.config_path;
  if (config_path.empty() && !c.account.empty()) config_path = account_config_path(c.account);
  if (!config_path.empty()) {
    auto config = LoadAccountConfig(config_path);
    if (!config.ok()) return config.status();
    if (!c.account.empty() && config->account_name != c.account) {
      return Status::InvalidInput("--account " + c.account + " does not match account.name \"" +
                                  config->account_name + "\" in " + config_path);
    }
    ctx.config = std::move(config).value();
    ctx.store_path = ctx.config->store_path;
  }
  if (!c.store_path.empty()) ctx.store_path = c.store_path;
  if (spec.store != StoreAccess::kNone && ctx.store_path.empty()) {
    return Status::InvalidInput(spec.store_flag ? "no state store given: use --config FILE, --account NAME or --store PATH"
                                                : "no account given: use --config FILE or --account NAME");
  }
  return Status::Ok();
}

Status open_store(const ToolSpec& spec, ToolContext& ctx) {
  if (spec.store == StoreAccess::kNone) return Status::Ok();
  if (spec.store == StoreAccess::kReadOnly) {
    auto store = SqliteStore::OpenReader(ctx.store_path);
    if (!store.ok() && store.status().IsNotFound() && spec.needs_exchange) {
      // An account keel has never traded: nothing is tracked, and a read-only run creates nothing.
      std::cerr << spec.name << ": no state store at " << ctx.store_path
                << " yet: keel tracks nothing for this account (read-only: nothing is created)\n";
      store = SqliteStore::OpenEmptyInMemory();
      ctx.store_missing = store.ok();
    }
    if (!store.ok()) return store.status();
    ctx.store = std::move(store).value();
  } else {
    auto store = SqliteStore::OpenWriter(ctx.store_path);
    if (!store.ok()) return store.status();
    ctx.store = std::move(store).value();
  }
  return Status::Ok();
}

void print_error(const std::string& tool, const std::string& message) {
  // Multi-line messages (config validation) keep one finding per line, each prefixed.
  std::size_t start = 0;
  while (start <= message.size()) {
    const std::size_t end = message.find('\n', start);
    std::cerr << tool << ": " << message.substr(start, end - start) << '\n';
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

}  // namespace

CLI::Validator NonNegativeInteger() {
  return CLI::Validator(
      [](const std::string& value) -> std::string {
        bool digits = !value.empty() && value.size() <= 18;
        for (char c : value) digits = digits && c >= '0' && c <= '9';
        return digits ? std::string() : "expected a whole number >= 0, got '" + value + "'";
      },
      "N>=0");
}

Status ToolContext::OpenWriter(StoreCreation creation, const std::string& action) {
  if (creation == StoreCreation::kMustExist) KEEL_RETURN_IF_ERROR(RequireStore(action));
  if (store.borrowed()) return Status::Ok();
  store.reset();
  auto writer = SqliteStore::OpenWriter(store_path);
  if (!writer.ok()) return writer.status();
  store = std::move(writer).value();
  store_missing = false;
  return Status::Ok();
}

Status ToolContext::RequireStore(const std::string& action) const {
  if (store_missing) {
    return Status::InvalidInput(
        "refusing to " + action + ": account \"" + (config ? config->account_name : std::string("?")) +
        "\" has no state store at " + store_path +
        ". With an empty store every keel order looks unknown and every position untracked, so this would act on "
        "all of them. If --account/--config is wrong, fix it. If this account is right and keel has never tracked it, "
        "create its store deliberately first, by protecting what is open: keel-scan-orphans --protect --stop-pct P "
        "(or by starting keel-traderd on it)");
  }
  return Status::Ok();
}

Status ToolContext::Confirm(bool yes, const std::string& action) { return ConfirmAction(spec.name, yes, action); }

Status ConfirmAction(const std::string& program, bool yes, const std::string& action) {
  if (yes) return Status::Ok();
  if (!::isatty(STDIN_FILENO)) {
    return Status::InvalidInput("refusing to " + action + " without --yes: standard input is not a terminal");
  }
  std::cerr << program << ": about to " << action << ". Proceed? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "y" || answer == "Y" || answer == "yes") return Status::Ok();
  return Status::InvalidInput("not confirmed: nothing changed");
}

std::string account_config_path(const std::string& account) {
  const char* dir = std::getenv("KEEL_CONFIG_DIR");
  return std::string(dir && *dir ? dir : "/etc/keel") + "/" + account + ".toml";
}

int RunTool(const ToolSpec& spec, int argc, char** argv, const AddFlags& add_flags, const ToolBody& body) {
  CLI::App app(spec.summary, spec.name);
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.footer(
      "Exit codes: 0 all clear, 1 findings, 2 usage/configuration/store error, 3 exchange or network failure, "
      "4 action not verified.");
  CommonOptions common;
  app.add_option("--config", common.config_path, "Account config file (TOML)")->type_name("FILE");
  app.add_option("--account", common.account,
                 "Account name; without --config reads $KEEL_CONFIG_DIR/NAME.toml (default /etc/keel)")
      ->type_name("NAME");
  if (spec.store_flag) {
    app.add_option("--store", common.store_path, "State store file, instead of the one in the config")
        ->type_name("PATH");
  }
  app.add_flag("--json", common.json, "Print one JSON document instead of tables");
  add_flags(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitAllClear;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return kExitAllClear;
  } catch (const CLI::ParseError& e) {
    print_error(spec.name, std::string(e.what()) + " (see --help)");
    return kExitUsage;
  }

  SystemClock clock;
  ToolContext ctx{spec, common, std::nullopt, {}, "", std::cout, clock, {}};
  Status s = resolve_account(spec, ctx);
  if (s.ok() && spec.needs_exchange && !ctx.config)
    s = Status::InvalidInput("this tool talks to the exchange: use --config FILE or --account NAME");
  if (s.ok()) s = open_store(spec, ctx);
  if (s.ok() && spec.needs_exchange) {
    auto exchange = ConnectExchange(*ctx.config, clock);
    if (exchange.ok()) ctx.exchange = std::move(exchange).value();
    else s = exchange.status();
  }
  if (!s.ok()) {
    print_error(spec.name, s.message());
    return exit_code_for(s);
  }
  auto code = body(ctx);
  std::cout.flush();
  if (!code.ok()) {
    print_error(spec.name, code.status().message());
    return exit_code_for(code.status());
  }
  return *code;
}

}  // namespace keel::ops
