# fish completion for keel-cancel-ghosts
complete -c keel-cancel-ghosts -l config -r -F -d 'Account config file (TOML)'
complete -c keel-cancel-ghosts -l account -x -a '(ls (set -q KEEL_CONFIG_DIR; and echo $KEEL_CONFIG_DIR; or echo /etc/keel) 2>/dev/null | string replace -r "\.toml\$" "")' -d 'Account name'
complete -c keel-cancel-ghosts -l json -d 'Print one JSON document'
complete -c keel-cancel-ghosts -l cancel -d 'Record settlements and cancel unknown keel orders'
complete -c keel-cancel-ghosts -l yes -d 'Do not ask for confirmation'
complete -c keel-cancel-ghosts -s h -l help -d 'Print help'
