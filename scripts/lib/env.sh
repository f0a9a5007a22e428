# shellcheck shell=bash
# Export the local stack's connection variables (.data/stack.env) without overriding any the
# caller set: an external store's URL always wins.
load_stack_env() {
  local file="$ROOT/.data/stack.env" line key
  [ -f "$file" ] || die "no .data/stack.env: run scripts/stack up first"
  while IFS= read -r line; do
    [[ "$line" =~ ^([A-Z0-9_]+)=\'(.*)\'$ ]] || continue
    key="${BASH_REMATCH[1]}"
    [ -n "${!key:-}" ] || export "$key=${BASH_REMATCH[2]}"
  done <"$file"
}

phase() { # phase <label> <command...>: run a step, timing it
  local label="$1" started=$SECONDS
  shift
  log "$label"
  "$@" || die "$label failed"
  log "$label: done in $((SECONDS - started)) s"
}
