# bash completion for bsq. Installed as share/bash-completion/completions/bsq.
#
# Commands and options are read from the installed bsq itself (`bsq --help`,
# `bsq CMD --help`), so they always match the binary. Option values come
# from the usage lines: `--arch flash|search` offers flash and search,
# `--data friedman1|FILE.csv` friedman1 and files, `-o DIR` folders.

_bsq_help() { "$1" "${@:2}" --help 2>/dev/null; }

_bsq() {
  local cur prev bsq=${COMP_WORDS[0]} cmd="" i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
    -*) ;;
    *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done

  if [[ -z $cmd ]]; then
    local cmds
    cmds=$(_bsq_help "$bsq" | awk '/^commands:/ { on = 1; next } on && NF { print $1 }')
    COMPREPLY=($(compgen -W "$cmds version --help --version" -- "$cur"))
    return
  fi

  local help
  help=$(_bsq_help "$bsq" "$cmd")
  if [[ $prev == -* ]]; then
    # The value of prev, as the usage or option lines spell it.
    local spec
    spec=$(grep -oE -- "(^|[[ ,])${prev}[ =][^] ]+" <<<"$help" | head -n 1 |
           sed -E "s/^.*${prev}[ =]//")
    if [[ -n $spec ]]; then
      # lower-case words are the values; FILE, SRC, SPEC and NAME.ext name
      # files, DIR a folder; other placeholders (N, K, LIST, ...) numbers
      # or lists with nothing to offer
      local words="" w
      for w in ${spec//|/ }; do
        case $w in
        *DIR*) COMPREPLY+=($(compgen -d -- "$cur")) ;;
        *FILE* | SRC | SPEC | *[A-Z]*.*) COMPREPLY+=($(compgen -f -- "$cur")) ;;
        *[A-Z]*) ;;
        *) [[ $w =~ ^[a-z0-9][a-z0-9_.-]*$ ]] && words+=" $w" ;;
        esac
      done
      COMPREPLY+=($(compgen -W "$words" -- "$cur"))
      return
    fi
  fi
  if [[ $cur == -* ]]; then
    local opts
    opts=$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u)
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _bsq bsq
