# fish completion for keel-state-inspect
set -l views summary orders positions intents journal incidents signals timeline
complete -c keel-state-inspect -f -n "not __fish_seen_subcommand_from $views" -a "$views"
complete -c keel-state-inspect -l config -r -F -d 'Account config file (TOML)'
complete -c keel-state-inspect -l account -x -a '(ls (set -q KEEL_CONFIG_DIR; and echo $KEEL_CONFIG_DIR; or echo /etc/keel) 2>/dev/null | string replace -r "\.toml\$" "")' -d 'Account name'
complete -c keel-state-inspect -l store -r -F -d 'State store file'
complete -c keel-state-inspect -l json -d 'Print one JSON document'
complete -c keel-state-inspect -l symbol -x -d 'Only this symbol'
complete -c keel-state-inspect -l since -x -d 'Since TIME: epoch ms, ISO 8601, 15m, 2h, 7d'
complete -c keel-state-inspect -l state -x -a 'open closed PendingNew New PartiallyFilled Filled PendingCancel PendingAmend Canceled Expired Rejected' -d 'Order or position state'
complete -c keel-state-inspect -l limit -x -d 'Only the newest N records'
complete -c keel-state-inspect -l check -d 'Check integrity and invariants; exit 1 on findings'
complete -c keel-state-inspect -l grace-ms -x -d 'With --check: grace for a new position'
complete -c keel-state-inspect -l crash-window-ms -x -d 'With --check: age of an unresolved intent'
complete -c keel-state-inspect -l export -r -F -d 'Write the whole store as JSON, atomically'
complete -c keel-state-inspect -l from -x -d 'Timeline: from TIME'
complete -c keel-state-inspect -l to -x -d 'Timeline: to TIME'
complete -c keel-state-inspect -l html -r -F -d 'Timeline: write one self-contained HTML page'
complete -c keel-state-inspect -s h -l help -d 'Print help'
