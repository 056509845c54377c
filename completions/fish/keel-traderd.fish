# fish completion for keel-traderd
complete -c keel-traderd -l config -r -F -d 'Account config file (TOML)'
complete -c keel-traderd -l account -x -a '(ls (set -q KEEL_CONFIG_DIR; and echo $KEEL_CONFIG_DIR; or echo /etc/keel) 2>/dev/null | string replace -r "\.toml\$" "")' -d 'Account name'
complete -c keel-traderd -l check -d 'Check the config and exit'
complete -c keel-traderd -s h -l help -d 'Print help'
