# fish completion for keel-close-position
complete -c keel-close-position -l config -r -F -d 'Account config file (TOML)'
complete -c keel-close-position -l account -x -a '(ls (set -q KEEL_CONFIG_DIR; and echo $KEEL_CONFIG_DIR; or echo /etc/keel) 2>/dev/null | string replace -r "\.toml\$" "")' -d 'Account name'
complete -c keel-close-position -l json -d 'Print one JSON document'
complete -c keel-close-position -l position-side -x -a 'LONG SHORT' -d 'Which leg in hedge mode'
complete -c keel-close-position -l yes -d 'Do not ask for confirmation'
complete -c keel-close-position -l verify-attempts -x -d 'Reads before giving up'
complete -c keel-close-position -s h -l help -d 'Print help'
