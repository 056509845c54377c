# fish completion for keel-reconcile
complete -c keel-reconcile -l config -r -F -d 'Account config file (TOML)'
complete -c keel-reconcile -l account -x -a '(ls (set -q KEEL_CONFIG_DIR; and echo $KEEL_CONFIG_DIR; or echo /etc/keel) 2>/dev/null | string replace -r "\.toml\$" "")' -d 'Account name'
complete -c keel-reconcile -l json -d 'Print one JSON document'
complete -c keel-reconcile -l fix -d 'Correct the store'
complete -c keel-reconcile -l kind -x -a 'store-open-exchange-flat exchange-open-store-flat quantity side order-store-only order-exchange-only' -d 'Only this kind (repeatable)'
complete -c keel-reconcile -l yes -d 'Do not ask for confirmation'
complete -c keel-reconcile -l grace-ms -x -d 'Grace for new store positions'
complete -c keel-reconcile -s h -l help -d 'Print help'
