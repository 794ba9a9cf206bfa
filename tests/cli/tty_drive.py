"""tty_drive.py -- run a command on a pseudo-terminal and answer prompts.

usage: python3 tty_drive.py ANSWER... -- COMMAND...
Each time the command prints a line ending in ': ' (a prompt), the next
ANSWER is typed followed by Enter; the answer "^D" instead types Ctrl-D
(end of input) alone.  Prints everything the terminal showed, then exits
with the command's exit status.
"""
import os
import pty
import select
import sys

sep = sys.argv.index("--")
answers = sys.argv[1:sep]
cmd = sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
seen = b""
pending = b""
while True:
    r, _, _ = select.select([fd], [], [], 20)
    if not r:
        os.kill(pid, 9)  # a prompt we did not expect: do not hang
        break
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    pending += chunk
    if pending.rstrip().endswith(b":") and answers:
        answer = answers.pop(0)
        if answer == "^D":
            os.write(fd, b"\x04")
        else:
            os.write(fd, answer.encode() + b"\n")
        pending = b""
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
