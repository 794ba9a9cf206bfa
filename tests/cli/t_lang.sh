#!/usr/bin/env bash
# The language of help and error messages: --lang zh|en, else the first of
# $LC_ALL, $LC_MESSAGES and $LANG that is set.  Chinese help, usage errors
# and library errors (with the bad value named); the English texts exactly
# as they always were; values, JSON keys and the manual page untouched.
. "$(dirname "$0")/lib.sh"

# run ARGS...: the binary without the test store's options.
run() {
	OUT=$("$DBK" "$@" 2>"$T/stderr" </dev/null)
	RC=$?
	ERR=$(cat "$T/stderr")
}
# rc N WHAT: the last run exited N.
rc() { [ "$RC" -eq "$1" ] && ok || fail "$2 exited $RC, expected $1 (stderr: $ERR)"; }
# err_is TEXT: stderr is exactly TEXT.
err_is() { [ "$ERR" = "$1" ] && ok || fail "stderr is '$ERR', expected '$1'"; }

# ---- help ----
run --lang zh help
rc 0 "--lang zh help"
has "用法：dealbook [--store DIR]"; has "命令："
has "  customer add         新增客戶"; has "結束碼"
lacks "add a customer"
run --lang zh customer add --help
rc 0 "--lang zh customer add --help"
has "用法：dealbook customer add <name> [--code C]"
has "選項："; has "--code C                 你自己的客戶編號"
has "（可重複）"; has "範例："
# Examples, option names and placeholders stay as they are.
has "dealbook customer add 科技有限公司 --code 20240501"
run --lang zh help customer
has "用法：dealbook customer <command> [<args>]"
has "customer show        顯示客戶的所有欄位"
run --lang zh help help
has "列出所有命令、一組命令，或一個命令的選項"
run --lang zh help audit
has "另見："
# Every help text of the command table has its Chinese.
run --i18n-missing
rc 0 "--i18n-missing"
[ -z "$OUT" ] && ok || fail "help texts without Chinese: $OUT"
# The manual page stays English.
run --lang zh --man
rc 0 "--lang zh --man"
has ".SH NAME"; has "Add a customer (it starts as a lead)."; lacks "新增客戶"

# ---- usage errors ----
run --lang zh frobnicate
rc 2 "--lang zh frobnicate"
err_is "dealbook: 未知的命令 'frobnicate'（見 'dealbook help'）"
run --lang zh --format xml help
rc 2 "--format xml"
err_is "dealbook: 無效的輸出格式 'xml'（應為 table、json、csv 或 md）"
run --lang fr help
rc 2 "--lang fr"
err_is "dealbook: invalid language 'fr' (expected en or zh)"

init_store
expect 0 customer add 海天精密 --code C-0001 --industry 制造业
db --lang zh customer add
[ "$RC" -eq 2 ] && ok || fail "customer add without a name exited $RC"
case "$ERR" in "dealbook: 缺少參數"$'\n'"用法：dealbook customer add <name> "*) ok ;;
	*) fail "customer add without a name: $ERR" ;; esac
db --lang zh customer add 甲 --frob
[ "$RC" -eq 2 ] && ok || fail "--frob exited $RC"
err_has "dealbook: 未知的選項 '--frob'（命令 'customer add'）"
db --lang zh customer list --limit 0
[ "$RC" -eq 5 ] && ok || fail "--limit 0 exited $RC"
err_is "dealbook: --limit 的行數 '0' 無效（應為 1 到 100000000）"

# ---- library errors: the bad value named ----
db --lang zh stage C-0001 wom
[ "$RC" -eq 5 ] && ok || fail "stage wom exited $RC"
err_is "dealbook: 無效的階段 'wom'（應為 lead, intent, proposal, negotiation, won, service, lost (or 線索, 意向, 方案, 談判, 成交, 服務, 流失)）"
err_one_line
db --lang zh customer show nosuch
[ "$RC" -eq 4 ] && ok || fail "customer show nosuch exited $RC"
err_is "dealbook: 沒有客戶 'nosuch'（不是客戶編號、記錄編號或名稱）"
db --lang zh customer add 乙 --budget lots
[ "$RC" -eq 5 ] && ok || fail "--budget lots exited $RC"
err_has "無效的金額 'lots'，欄位 budget"
# A phrase inside a message: "the %s '%s' lies in the future".
db --lang zh deal add C-0001 60万 --signed 2099-01-01
[ "$RC" -eq 5 ] && ok || fail "a deal signed in 2099 exited $RC"
err_is "dealbook: 簽約日期 '2099-01-01' 是未來的時間"
# A system error text at the end of a CLI message.
run --lang zh --store "$S" --passphrase-file "$T/nonexistent" customer list
[ "$RC" -eq 3 ] && ok || fail "a missing passphrase file exited $RC"
err_is "dealbook: 無法讀取密碼檔 '$T/nonexistent'：沒有這個檔案或目錄"
run --lang zh --store "$T/nostore" customer list
[ "$RC" -eq 4 ] && ok || fail "no store exited $RC"
err_is "dealbook: '$T/nostore' 沒有資料庫（可用 'dealbook init' 建立）"

# Values and JSON keys are never translated.
db --lang zh --format json customer show C-0001
has '"code":"C-0001"'; has '"industry":"制造业"'; lacks '客戶編號'

# ---- the default from the environment ----
OUT=$(env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$DBK" help 2>&1)
case "$OUT" in "用法：dealbook"*) ok ;; *) fail "LANG=zh_CN: $OUT" ;; esac
ERR=$(env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$DBK" --store "$S" \
    --passphrase-file "$PF" customer show nosuch 2>&1)
err_is "dealbook: 沒有客戶 'nosuch'（不是客戶編號、記錄編號或名稱）"
ERR=$(env -u LC_ALL LC_MESSAGES=zh_TW.UTF-8 LANG=en_US.UTF-8 "$DBK" frob 2>&1)
err_is "dealbook: 未知的命令 'frob'（見 'dealbook help'）"
# LC_ALL comes first, and --lang over all of them.
ERR=$(LC_ALL=C LANG=zh_CN.UTF-8 "$DBK" frob 2>&1)
err_is "dealbook: unknown command 'frob' (see 'dealbook help')"
ERR=$(LC_ALL=C "$DBK" --lang zh frob 2>&1)
err_is "dealbook: 未知的命令 'frob'（見 'dealbook help'）"
ERR=$(LC_ALL=zh_CN.UTF-8 "$DBK" --lang en frob 2>&1)
err_is "dealbook: unknown command 'frob' (see 'dealbook help')"
# --lang counts for every global option, also one before it.
ERR=$(LC_ALL=C "$DBK" --format xml --lang zh help 2>&1)
err_is "dealbook: 無效的輸出格式 'xml'（應為 table、json、csv 或 md）"
ERR=$(LC_ALL=zh_CN.UTF-8 "$DBK" --format xml --lang en help 2>&1)
err_is "dealbook: invalid format 'xml' (expected table, json, csv or md)"

# ---- English: the texts as they always were ----
db --lang en stage C-0001 wom
err_is "dealbook: invalid stage 'wom' (expected lead, intent, proposal, negotiation, won, service, lost (or 線索, 意向, 方案, 談判, 成交, 服務, 流失))"
db --lang en customer show nosuch
err_is "dealbook: no customer 'nosuch' (not a customer code, id or name)"
db --lang en customer add
case "$ERR" in "dealbook: missing argument"$'\n'"usage: dealbook customer add <name> [--code C] "*) ok ;;
	*) fail "English customer add without a name: $ERR" ;; esac
db --lang en customer add 甲 --frob
err_has "dealbook: unknown option '--frob' for 'customer add'"
run --lang en --store "$S" --passphrase-file "$T/nonexistent" customer list
err_is "dealbook: cannot read passphrase file '$T/nonexistent': No such file or directory"
run --lang en customer nosuch
case "$ERR" in "dealbook: unknown command 'customer nosuch'"$'\n'"usage: dealbook customer add "*) ok ;;
	*) fail "English unknown verb: $ERR" ;; esac
run --lang en customer add --help
[ "$(printf '%s\n' "$OUT" | sed -n '3p;5p;6p')" = "add a customer (it starts as a lead)
options:
  --code C                 your own customer number, e.g. 20240501" ] && ok ||
    fail "English customer add --help: $OUT"
has " (repeatable)"; has $'\nexample:\n  dealbook customer add'
run --lang en help
EN_HELP=$OUT
case "$OUT" in "usage: dealbook [--store DIR] [--format table|json|csv|md] [--lang en|zh]
                [--passphrase-file FILE] [--reveal] <command> [<args>]

commands:
  audit verify         check the audit chain"*) ok ;;
	*) fail "English help: $OUT" ;; esac
has "'dealbook help <command>' shows a command's options and an example.
Exit codes: 0 ok, 1 runtime error, 2 usage, 3 wrong passphrase or missing key,
4 not found, 5 invalid input, 6 integrity failure.
Also: 'dealbook --version', 'dealbook --man' (the manual page) and
'dealbook --complete KIND' (words for shell completion)."
# Without --lang in the C locale: the same bytes.
run help
[ "$OUT" = "$EN_HELP" ] && ok || fail "help differs between --lang en and LC_ALL=C"

# --lang after --help among the global options counts too.
OUT=$("$DBK" --help --lang zh 2>&1)
case "$OUT" in *命令*|*用法*) ok ;; *) fail "--help --lang zh is not Chinese: $OUT" ;; esac

finish
