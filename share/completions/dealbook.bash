# bash completion for dealbook(1)                          -*- shell-script -*-
#
# Installed as share/bash-completion/completions/dealbook.  Every word comes
# from the program itself ('dealbook --complete KIND ...'), so commands and
# options added later complete without changing this file.  Customer codes
# are offered only when the store opens without a prompt (--passphrase-file
# on the line, or $DEALBOOK_PASSPHRASE): completion never asks.

# _dealbook_run KIND [ARGS...]: the words, one a line.
_dealbook_run()
{
	"$_dbk_prog" "${_dbk_globals[@]}" --complete "$@" 2>/dev/null </dev/null
}

# Offer the lines on stdin that start with $cur.
_dealbook_offer()
{
	local w
	while IFS= read -r w; do
		[[ -n $w && $w == "$cur"* ]] || continue
		# Codes may hold blanks or quotes: offer them quoted.
		[[ $w == *[[:space:]\'\"\\\$\`\;\&\|\<\>\(\)]* ]] &&
		    printf -v w '%q' "$w"
		COMPREPLY+=("$w")
	done
}

# Is $1 one of the lines of $2?
_dealbook_in()
{
	[[ $'\n'$2$'\n' == *$'\n'"$1"$'\n'* ]]
}

# Values for option $1 (a command option or a global one).
_dealbook_values()
{
	case $1 in
	--store)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	*-file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	--format) _dealbook_offer < <(_dealbook_run formats) ;;
	--lang) _dealbook_offer < <(_dealbook_run langs) ;;
	--stage) _dealbook_offer < <(_dealbook_run stages) ;;
	--channel) _dealbook_offer < <(_dealbook_run channels) ;;
	--role) _dealbook_offer < <(_dealbook_run roles) ;;
	--priority) _dealbook_offer < <(_dealbook_run priorities) ;;
	--kdf) _dealbook_offer < <(_dealbook_run kdfs) ;;
	--customer|--record) _dealbook_offer < <(_dealbook_run customers) ;;
	esac
}

_dealbook()
{
	local cur prev cword i w group= verb= ci=0 npos=0 dd=0
	local opts= flags= globals= verbs= spec
	local -a words _dbk_globals=() args
	local _dbk_prog

	COMPREPLY=()
	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
	cur=${words[cword]}
	prev=
	((cword > 0)) && prev=${words[cword - 1]}
	# '=' breaks words: "--stage=in" arrives as "--stage" "=" "in".
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((cword > 1)); then
		prev=${words[cword - 2]}
	fi
	_dbk_prog=${words[0]/#\~/$HOME}
	type -P -- "$_dbk_prog" >/dev/null 2>&1 || _dbk_prog=dealbook

	# The global options before the command, then the command.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--store|--passphrase-file|--format|--lang)
			if ((i + 1 < cword)); then
				_dbk_globals+=("$w" "${words[i + 1]/#\~/$HOME}")
				((i++))
			fi ;;
		-*) ;;
		*)
			group=$w
			ci=$i
			break ;;
		esac
	done

	if [[ -z $group ]]; then
		case $prev in
		--store|--passphrase-file|--format|--lang)
			_dealbook_values "$prev"
			return ;;
		--complete)
			return ;;
		esac
		if [[ $cur == -* ]]; then
			_dealbook_offer < <(_dealbook_run options)
		else
			_dealbook_offer < <(_dealbook_run commands)
		fi
		return
	fi

	if [[ $group == help ]]; then
		if ((cword == ci + 1)); then
			_dealbook_offer < <(_dealbook_run commands)
		elif ((cword == ci + 2)); then
			_dealbook_offer < <(_dealbook_run verbs "${words[ci + 1]}")
		fi
		return
	fi

	verbs=$(_dealbook_run verbs "$group")
	i=$((ci + 1))
	if [[ -n $verbs ]] && ((i < cword)) &&
	    _dealbook_in "${words[i]}" "$verbs"; then
		verb=${words[i]}
		((i++))
	elif [[ -n $verbs ]] && ((cword == ci + 1)) && [[ $cur != -* ]]; then
		_dealbook_offer <<<"$verbs"
		return
	fi

	opts=$(_dealbook_run options "$group" $verb)
	flags=$(_dealbook_run flags "$group" $verb)
	[[ -z $opts ]] && return   # no such command

	# Count the arguments before this one, skipping option values.
	for (( ; i < cword; i++)); do
		w=${words[i]}
		if ((dd)) || [[ $w != -* ]]; then
			((npos++))
		elif [[ $w == -- ]]; then
			dd=1
		elif [[ ${words[i + 1]} == = ]]; then
			((i += 2))   # --opt = value
		elif _dealbook_in "$w" "$opts" && ! _dealbook_in "$w" "$flags"; then
			((i++))
		fi
	done
	# The value of an option?
	if ((!dd)) && [[ $prev == -* ]] && _dealbook_in "$prev" "$opts" &&
	    ! _dealbook_in "$prev" "$flags"; then
		_dealbook_values "$prev"
		return
	fi

	if ((!dd)) && [[ $cur == -* ]]; then
		# Global options belong before the command: not offered here.
		globals=$(_dealbook_run options)
		while IFS= read -r w; do
			if [[ $w == --help ]] || ! _dealbook_in "$w" "$globals"; then
				[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
			fi
		done <<<"$opts"
		return
	fi

	# The argument's kind from the usage: "<customer> <stage>".
	spec=$(_dealbook_run args "$group" $verb)
	read -r -a args <<<"$spec"
	w=${args[npos]}
	w=${w//[][<>.]/}
	case $w in
	customer) _dealbook_offer < <(_dealbook_run customers) ;;
	stage) _dealbook_offer < <(_dealbook_run stages) ;;
	file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	esac
}

complete -F _dealbook dealbook
